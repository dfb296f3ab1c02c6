import type { ActivationGate } from '../activation-gate.js';
import type { CronJob, Job } from '../../api/types.js';
import type { DstPolicy } from '../../schedule/index.js';
import type { Store, WatchEventType } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import { controllerOf } from '../conditions.js';
import type { EventRecorder } from '../events.js';
import { SharedInformers } from '../informers.js';
import type { Logger } from '../../util/logger.js';
import type { SchedulerMetrics } from '../../util/metrics.js';
import { WorkQueue } from '../workqueue.js';
import { nextScheduleDelay } from './due-time.js';
import type { CronJobLister } from './sync.js';
import { scheduleOf, syncCronJob } from './sync.js';

export interface CronJobControllerOptions {
  store: Store;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  createJob(job: Job, now: number): Promise<Job>;
  defaultDstPolicy?: DstPolicy;
  /** Keys reconciled at the same time; DEFAULT_CRONJOB_WORKERS when absent. */
  workers?: number;
  metrics?: SchedulerMetrics;
  /** Caches shared with other controllers; the controller starts its own when absent. */
  informers?: SharedInformers;
  /** Receives each CronJob whose scheduled time came, until its reconcile has finished. */
  activations?: ActivationGate;
}

/**
 * CronJob reconciles in flight at once. Kubernetes' --concurrent-cron-job-syncs defaults to 5.
 * cronmesh runs more, because a missed activation is lost for good and each sync waits on
 * about two store writes. On PostgreSQL, 20 syncs in flight created a burst of 200 Jobs about
 * twice as fast as 5 (a few runs on a loaded 2-CPU machine, so an estimate). SQLite calls
 * complete at once, so there the number changes little.
 */
export const DEFAULT_CRONJOB_WORKERS = 20;

/**
 * Runs CronJob reconciles on a delaying work queue: each CronJob is requeued for its next
 * activation, and changes to it or to its Jobs reconcile it at once. Reconciles read
 * CronJobs and Jobs from the shared informers and write to the store.
 */
export class CronJobController {
  readonly queue: WorkQueue;
  private readonly informers: SharedInformers;
  /** Whether this controller created the informers and so starts and stops them. */
  private readonly ownsInformers: boolean;
  private readonly lister: CronJobLister;
  private unregister: Array<() => void> = [];

  constructor(private readonly options: CronJobControllerOptions) {
    this.ownsInformers = options.informers === undefined;
    this.informers = options.informers ?? new SharedInformers(options.store);
    const { cronJobs, jobs } = this.informers;
    this.lister = {
      getCronJob: (namespace, name) => cronJobs.get(namespace, name),
      listJobsOwnedBy: (namespace, ownerUid) => jobs.listOwnedBy(namespace, ownerUid),
    };
    this.queue = new WorkQueue({
      clock: options.clock,
      concurrency: options.workers ?? DEFAULT_CRONJOB_WORKERS,
      observer: options.metrics?.workQueue('cronjob'),
      activations: options.activations,
      reconcile: (key) => this.reconcile(key),
      onError: (key, error) =>
        options.logger.error({ cronjob: key, err: error }, 'cronjob sync failed'),
    });
  }

  /** Subscribes to changes and queues every existing CronJob. */
  async start(): Promise<void> {
    this.unregister = [
      this.informers.cronJobs.addHandler((type, cronJob, previous) =>
        this.onCronJob(type, cronJob, previous),
      ),
      this.informers.jobs.addHandler((_type, job) => this.onJob(job)),
    ];
    await this.informers.start();
    for (const cronJob of this.informers.cronJobs.list()) this.queue.add(keyOf(cronJob));
  }

  async stop(): Promise<void> {
    for (const unregister of this.unregister) unregister();
    this.unregister = [];
    if (this.ownsInformers) this.informers.stop();
    await this.queue.stop();
  }

  private async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const [namespace, name] = splitKey(key);
    const result = await syncCronJob(namespace, name, {
      store: this.options.store,
      lister: this.lister,
      recorder: this.options.recorder,
      now: this.options.clock.now(),
      defaultDstPolicy: this.options.defaultDstPolicy ?? 'cron',
      createJob: (job, now) => this.options.createJob(job, now),
      onJobCreated: (cronJob, job, seconds) => {
        const ids = { namespace, cronjob: name, job: job.metadata.name };
        this.options.logger.info({ ...ids, skewSeconds: seconds }, 'job created');
        this.options.metrics?.jobCreated({ namespace, name }, seconds);
      },
    });
    return result.requeueAfterMs === undefined ? {} : { requeueAfterMs: result.requeueAfterMs };
  }

  private onCronJob(type: WatchEventType, cronJob: CronJob, previous: CronJob | undefined): void {
    const key = keyOf(cronJob);
    if (type === 'DELETED') {
      this.queue.add(key);
      return;
    }
    // Own status writes arrive here too and queue one more sync, as in Kubernetes. The store
    // sends the event before update() returns, so the write's resourceVersion cannot filter it.
    const scheduleChanged =
      type === 'MODIFIED' &&
      previous !== undefined &&
      (previous.spec.schedule !== cronJob.spec.schedule ||
        previous.spec.timeZone !== cronJob.spec.timeZone);
    if (!scheduleChanged) {
      this.queue.add(key);
      return;
    }
    let delay: number | undefined;
    try {
      const schedule = scheduleOf(cronJob, this.options.defaultDstPolicy ?? 'cron');
      delay = nextScheduleDelay(cronJob, this.options.clock.now(), schedule);
    } catch {
      void this.options.recorder
        .record(
          cronJob,
          'Warning',
          'UnParseableCronJobSchedule',
          `unparseable schedule for cronjob: ${cronJob.spec.schedule}`,
        )
        .catch((error: unknown) =>
          this.options.logger.error({ cronjob: key, err: error }, 'event write failed'),
        );
      return;
    }
    // A schedule that never fires has no next activation. Kubernetes then computes a negative
    // delay and syncs at once, and that sync reports InvalidSchedule.
    if (delay === undefined) this.queue.add(key);
    else this.queue.addAfter(key, delay);
  }

  private onJob(job: Job): void {
    const owner = controllerOf(job.metadata);
    if (owner?.kind !== 'CronJob') return;
    const namespace = job.metadata.namespace ?? 'default';
    if (this.informers.cronJobs.get(namespace, owner.name)?.metadata.uid !== owner.uid) return;
    this.queue.add(`${namespace}/${owner.name}`);
  }
}

function keyOf(cronJob: CronJob): string {
  return `${cronJob.metadata.namespace ?? 'default'}/${cronJob.metadata.name}`;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
