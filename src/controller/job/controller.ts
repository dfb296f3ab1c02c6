import type { Job } from '../../api/types.js';
import type { Store, WatchEvent } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { SchedulerMetrics } from '../../util/metrics.js';
import { controllerOf, trueCondition } from '../conditions.js';
import type { EventRecorder } from '../events.js';
import { WorkQueue } from '../workqueue.js';
import { syncJob } from './sync.js';

/** Attempt changes are batched for this long before the Job is reconciled, as in Kubernetes. */
export const POD_EVENT_BATCH_MS = 1000;

export interface JobControllerOptions {
  store: Store;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  /** Keys reconciled at the same time; Kubernetes' --concurrent-job-syncs defaults to 5. */
  workers?: number;
  metrics?: SchedulerMetrics;
}

/** Runs Job reconciles: Job changes at once, attempt (Pod) changes after a 1 s batching delay. */
export class JobController {
  readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: JobControllerOptions) {
    this.queue = new WorkQueue({
      clock: options.clock,
      concurrency: options.workers ?? 5,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      observer: options.metrics?.workQueue('job'),
      reconcile: (key) => {
        const slash = key.indexOf('/');
        const now = options.clock.now();
        return syncJob(key.slice(0, slash), key.slice(slash + 1), {
          store: options.store,
          recorder: options.recorder,
          now,
          onFinished: (job) => this.reportFinished(job, now),
        });
      },
      onError: (key, error) => options.logger.error({ job: key, err: error }, 'job sync failed'),
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.options.store.watch(undefined, (event) => this.onEvent(event));
    for (const job of await this.options.store.list<Job>('Job')) {
      this.queue.add(`${job.metadata.namespace ?? 'default'}/${job.metadata.name}`);
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.stop();
  }

  /** Logs a Job that just finished and, for a CronJob's Job, counts it in the job metrics. */
  private reportFinished(job: Job, now: number): void {
    const namespace = job.metadata.namespace ?? 'default';
    const owner = controllerOf(job.metadata);
    const cronjob = owner?.kind === 'CronJob' ? owner.name : undefined;
    const ids = { namespace, cronjob, job: job.metadata.name };
    const failed = trueCondition(job, 'Failed');
    if (failed) {
      this.options.logger.warn({ ...ids, reason: failed.reason }, 'job failed');
    } else {
      this.options.logger.info(ids, 'job completed');
    }
    if (cronjob === undefined) return;

    // A Job that never started (it failed while suspended) has no duration to observe.
    const startTime = job.status?.startTime;
    const end = job.status?.completionTime ?? failed?.lastTransitionTime;
    const durationSeconds =
      startTime === undefined
        ? undefined
        : Math.max(0, (end === undefined ? now : Date.parse(end)) - Date.parse(startTime)) / 1000;
    this.options.metrics?.jobFinished(
      { namespace, name: cronjob },
      failed ? 'failed' : 'succeeded',
      durationSeconds,
    );
  }

  private onEvent(event: WatchEvent): void {
    const object = event.object;
    const namespace = object.metadata.namespace ?? 'default';
    if (object.kind === 'Job' && event.type !== 'DELETED') {
      this.queue.add(`${namespace}/${object.metadata.name}`);
    } else if (object.kind === 'Pod') {
      const owner = controllerOf(object.metadata);
      if (owner?.kind === 'Job')
        this.queue.addAfter(`${namespace}/${owner.name}`, POD_EVENT_BATCH_MS);
    }
  }
}
