import { Counter, Gauge, Histogram, exponentialBuckets } from 'prom-client';
import type { Registry } from 'prom-client';
import type { CronJobKey, JobOutcome } from '../../util/metrics.js';

/** 1, 2, 4, … 512 seconds: the buckets of the Kubernetes CronJob controller's skew histogram. */
const SECONDS_BUCKETS = exponentialBuckets(1, 2, 10);

/** 1 ms to about 1 s, because cronmesh usually starts an attempt well within a second. */
const FINE_SECONDS_BUCKETS = exponentialBuckets(0.001, 2, 11);

const CRONJOB_LABELS = ['namespace', 'cronjob'] as const;

/**
 * The per-CronJob job metrics platform teams chart, and the controller's creation skew. Series
 * of deleted CronJobs are dropped by `retain`, so cardinality follows the CronJobs that exist.
 */
export class JobMetrics {
  private readonly jobsTotal: Counter<'namespace' | 'cronjob' | 'status'>;
  private readonly duration: Histogram<'namespace' | 'cronjob'>;
  private readonly scheduleDelay: Histogram<'namespace' | 'cronjob'>;
  private readonly scheduleDelayFine: Histogram<'namespace' | 'cronjob'>;
  private readonly activeJobs: Gauge<'namespace' | 'cronjob'>;
  private readonly creationSkew: Histogram;
  /** Per CronJob key, the retain generation in which its series last changed. */
  private readonly touched = new Map<string, number>();
  private generation = 0;

  constructor(registry: Registry) {
    const registers = [registry];
    this.jobsTotal = new Counter({
      name: 'cronjob_jobs_total',
      help: 'Finished Jobs of each CronJob, by outcome: succeeded or failed.',
      labelNames: [...CRONJOB_LABELS, 'status'],
      registers,
    });
    this.duration = new Histogram({
      name: 'cronjob_job_duration_seconds',
      help: "Seconds from the start of a CronJob's Job to its completion or failure.",
      labelNames: CRONJOB_LABELS,
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.scheduleDelay = new Histogram({
      name: 'cronjob_schedule_delay_seconds',
      help: "Seconds from the scheduled time of a CronJob's Job to its first process start.",
      labelNames: CRONJOB_LABELS,
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.scheduleDelayFine = new Histogram({
      name: 'cronjob_schedule_delay_fine_seconds',
      help: 'The observations of cronjob_schedule_delay_seconds, in buckets of 1 ms to 1.024 s.',
      labelNames: CRONJOB_LABELS,
      buckets: FINE_SECONDS_BUCKETS,
      registers,
    });
    this.activeJobs = new Gauge({
      name: 'cronjob_active_jobs',
      help: 'Jobs of each CronJob that run now, as listed in its status.active.',
      labelNames: CRONJOB_LABELS,
      registers,
    });
    this.creationSkew = new Histogram({
      name: 'cronjob_controller_job_creation_skew_duration_seconds',
      help: 'Seconds from the scheduled time of a CronJob run to the creation of its Job.',
      buckets: SECONDS_BUCKETS,
      registers,
    });
  }

  jobCreated(skewSeconds: number): void {
    this.creationSkew.observe(skewSeconds);
  }

  /** Creates the zero-valued job counters of a CronJob, so the first finished Job counts. */
  initialize(cronJob: CronJobKey): void {
    const labels = labelsOf(cronJob);
    this.touch(labels);
    this.jobsTotal.inc({ ...labels, status: 'succeeded' }, 0);
    this.jobsTotal.inc({ ...labels, status: 'failed' }, 0);
  }

  jobFinished(cronJob: CronJobKey, outcome: JobOutcome, durationSeconds: number | undefined): void {
    const labels = labelsOf(cronJob);
    this.touch(labels);
    this.jobsTotal.inc({ ...labels, status: outcome });
    if (durationSeconds !== undefined) this.duration.observe(labels, durationSeconds);
  }

  attemptStarted(cronJob: CronJobKey, delaySeconds: number): void {
    const labels = labelsOf(cronJob);
    this.touch(labels);
    this.scheduleDelay.observe(labels, delaySeconds);
    this.scheduleDelayFine.observe(labels, delaySeconds);
  }

  /**
   * Starts a retain pass: series that change after this call are kept by the `retain` that
   * follows, even when their CronJob is missing from the list read in between.
   */
  beginRetain(): void {
    this.generation += 1;
  }

  /**
   * Sets the active-job gauges and zero-initialises the job counters of the CronJobs that exist,
   * and removes every series of a CronJob that does not exist any more and did not change since
   * `beginRetain`.
   */
  async retain(cronJobs: ReadonlyArray<CronJobKey & { active: number }>): Promise<void> {
    this.activeJobs.reset();
    const existing = new Set<string>();
    for (const cronJob of cronJobs) {
      const labels = labelsOf(cronJob);
      existing.add(keyOf(labels));
      this.activeJobs.set(labels, cronJob.active);
      this.jobsTotal.inc({ ...labels, status: 'succeeded' }, 0);
      this.jobsTotal.inc({ ...labels, status: 'failed' }, 0);
    }

    const series = [
      ...(await this.jobsTotal.get()).values,
      ...(await this.duration.get()).values,
      ...(await this.scheduleDelay.get()).values,
    ];
    const stale = new Map<string, { namespace: string; cronjob: string }>();
    for (const { labels } of series) {
      const key = { namespace: String(labels.namespace), cronjob: String(labels.cronjob) };
      const changedDuringPass = (this.touched.get(keyOf(key)) ?? 0) >= this.generation;
      if (!existing.has(keyOf(key)) && !changedDuringPass) stale.set(keyOf(key), key);
    }
    for (const [key, labels] of stale) {
      this.touched.delete(key);
      this.jobsTotal.remove({ ...labels, status: 'succeeded' });
      this.jobsTotal.remove({ ...labels, status: 'failed' });
      this.duration.remove(labels);
      this.scheduleDelay.remove(labels);
      this.scheduleDelayFine.remove(labels);
    }
  }

  private touch(labels: { namespace: string; cronjob: string }): void {
    this.touched.set(keyOf(labels), this.generation);
  }
}

function labelsOf(cronJob: CronJobKey): { namespace: string; cronjob: string } {
  return { namespace: cronJob.namespace, cronjob: cronJob.name };
}

function keyOf(labels: { namespace: string; cronjob: string }): string {
  return `${labels.namespace}/${labels.cronjob}`;
}
