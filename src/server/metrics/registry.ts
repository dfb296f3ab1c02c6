import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CronJob, Job } from '../../api/types.js';
import type { DstPolicy } from '../../schedule/index.js';
import type { Store } from '../../store/store.js';
import type { Logger } from '../../util/logger.js';
import type {
  CronJobKey,
  JobOutcome,
  SchedulerMetrics,
  WorkQueueObserver,
} from '../../util/metrics.js';
import { GaugeFamily } from './gauge-family.js';
import { JobMetrics } from './job-metrics.js';
import { defineCronJobGauges, setCronJobGauges } from './kube-state-cronjob.js';
import { defineJobGauges, setJobGauges } from './kube-state-job.js';
import { TimedStore } from './store-timing.js';
import { WorkQueueMetrics } from './workqueue-metrics.js';

export interface MetricsOptions {
  /** The store the kube-state gauges are read from; wrapped to time its calls. */
  store: Store;
  /** The DST policy of CronJobs without the policy annotation, as the controller uses it. */
  defaultDstPolicy: DstPolicy;
  version: string;
  /** Receives the error of a failed refresh from the store. */
  logger?: Logger;
  /**
   * Whether to export the kube-state CronJob and Job series and the job gauges read from the
   * store. Default true; a worker process sets false, because every replica of `serve` already
   * exports them and a second copy would double sums over all targets.
   */
  storeSeries?: boolean;
}

/** A worker's slot counts, read at each scrape. */
export interface WorkerSlots {
  readonly busy: number;
  readonly concurrency: number;
}

/**
 * Every metric cronmesh exports, in one prom-client Registry: the job metrics, kube-state-metrics
 * gauges for CronJobs and Jobs, work queues, worker slots, store latency and Node process metrics.
 * Controllers and workers report to it through the SchedulerMetrics interface, and `render`
 * produces the Prometheus text format.
 */
export class CronmeshMetrics implements SchedulerMetrics {
  readonly registry = new Registry();
  /** The store to hand to everything else, so its calls are timed. */
  readonly store: Store;
  private readonly jobs: JobMetrics;
  private readonly workQueues: WorkQueueMetrics;
  private readonly kubeState: GaugeFamily;
  private readonly workers: WorkerSlots[] = [];
  private readonly refreshFailures: Counter;
  private refreshing: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: MetricsOptions) {
    this.store = new TimedStore(options.store, this.registry);
    this.jobs = new JobMetrics(this.registry);
    this.workQueues = new WorkQueueMetrics(this.registry);
    this.kubeState = new GaugeFamily(this.registry);
    defineCronJobGauges(this.kubeState);
    defineJobGauges(this.kubeState);
    collectDefaultMetrics({ register: this.registry });
    this.refreshFailures = new Counter({
      name: 'cronmesh_metrics_refresh_failures_total',
      help: 'Scrapes whose CronJob and Job series could not be read from the store.',
      registers: [this.registry],
    });
    // The job counters of a new CronJob exist from its creation, so increase() counts its first
    // finished Job even when that Job finishes before the next scrape.
    this.unsubscribe = options.store.watch('CronJob', (event) => {
      if (event.type !== 'ADDED') return;
      const { namespace = 'default', name } = event.object.metadata;
      this.jobs.initialize({ namespace, name });
    });

    const workers = this.workers;
    new Gauge({
      name: 'cronmesh_worker_slots',
      help: 'Attempt slots of the workers in this process, by state (busy or free).',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const busy = workers.reduce((sum, worker) => sum + worker.busy, 0);
        const capacity = workers.reduce((sum, worker) => sum + worker.concurrency, 0);
        this.set({ state: 'busy' }, busy);
        this.set({ state: 'free' }, Math.max(0, capacity - busy));
      },
    });
    new Gauge({
      name: 'cronmesh_build_info',
      help: 'The cronmesh version, as a label of a series that is always 1.',
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version: options.version }, 1);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  jobCreated(_cronJob: CronJobKey, skewSeconds: number): void {
    this.jobs.jobCreated(skewSeconds);
  }

  jobFinished(cronJob: CronJobKey, outcome: JobOutcome, durationSeconds: number | undefined): void {
    this.jobs.jobFinished(cronJob, outcome, durationSeconds);
  }

  attemptStarted(cronJob: CronJobKey, delaySeconds: number): void {
    this.jobs.attemptStarted(cronJob, delaySeconds);
  }

  workQueue(name: string): WorkQueueObserver {
    return this.workQueues.observerFor(name);
  }

  /** Counts `worker`'s slots in cronmesh_worker_slots from now on. */
  trackWorker(worker: WorkerSlots): void {
    this.workers.push(worker);
  }

  /**
   * Rebuilds the gauges derived from stored CronJobs and Jobs, then renders every metric.
   * Concurrent scrapes share one rebuild. When the store cannot be read, the CronJob and Job
   * gauges are left out, cronmesh_metrics_refresh_failures_total counts it, and the process,
   * queue and store metrics are still rendered, because they matter most in that moment.
   */
  async render(): Promise<string> {
    if (this.options.storeSeries === false) return this.registry.metrics();
    this.refreshing ??= this.refreshFromStore()
      .catch((error: unknown) => {
        this.options.logger?.warn({ err: error }, 'metrics refresh failed');
        this.kubeState.reset();
        this.refreshFailures.inc();
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    await this.refreshing;
    return this.registry.metrics();
  }

  /** Stops following CronJob creations. */
  close(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async refreshFromStore(): Promise<void> {
    this.jobs.beginRetain();
    const cronJobs = await this.options.store.list<CronJob>('CronJob');
    const jobs = await this.options.store.list<Job>('Job');
    this.kubeState.reset();
    for (const cronJob of cronJobs) {
      setCronJobGauges(this.kubeState, cronJob, this.options.defaultDstPolicy);
    }
    for (const job of jobs) setJobGauges(this.kubeState, job);
    await this.jobs.retain(
      cronJobs.map((cronJob) => ({
        namespace: cronJob.metadata.namespace ?? 'default',
        name: cronJob.metadata.name,
        active: cronJob.status?.active?.length ?? 0,
      })),
    );
  }
}
