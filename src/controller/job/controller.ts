import type { ActivationGate } from '../activation-gate.js';
import type { Job, Pod } from '../../api/types.js';
import type { Store, WatchEventType } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { SchedulerMetrics } from '../../util/metrics.js';
import { controllerOf, finishedCondition, trueCondition } from '../conditions.js';
import type { EventRecorder } from '../events.js';
import { SharedInformers } from '../informers.js';
import { WorkQueue } from '../workqueue.js';
import type { JobLister } from './sync.js';
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
  /** Caches shared with other controllers; the controller starts its own when absent. */
  informers?: SharedInformers;
  /** Defers this controller's work while CronJob activations run; see ActivationGate. */
  yieldTo?: ActivationGate;
}

/**
 * Runs Job reconciles: Job changes at once, attempt (Pod) changes after a 1 s batching delay.
 * Reconciles read Jobs and Pods from the shared informers and write to the store.
 */
export class JobController {
  readonly queue: WorkQueue;
  private readonly informers: SharedInformers;
  /** Whether this controller created the informers and so starts and stops them. */
  private readonly ownsInformers: boolean;
  private unregister: Array<() => void> = [];

  constructor(private readonly options: JobControllerOptions) {
    this.ownsInformers = options.informers === undefined;
    const informers = (this.informers = options.informers ?? new SharedInformers(options.store));
    const lister: JobLister = {
      getJob: (namespace, name) => informers.jobs.get(namespace, name),
      listPodsOwnedBy: (namespace, ownerUid) => informers.pods.listOwnedBy(namespace, ownerUid),
    };
    this.queue = new WorkQueue({
      clock: options.clock,
      concurrency: options.workers ?? 5,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
      observer: options.metrics?.workQueue('job'),
      yieldTo: options.yieldTo,
      reconcile: (key) => {
        const slash = key.indexOf('/');
        const now = options.clock.now();
        return syncJob(key.slice(0, slash), key.slice(slash + 1), {
          store: options.store,
          lister,
          recorder: options.recorder,
          now,
          onFinished: (job) => this.reportFinished(job, now),
        });
      },
      onError: (key, error) => options.logger.error({ job: key, err: error }, 'job sync failed'),
    });
  }

  async start(): Promise<void> {
    this.unregister = [
      this.informers.jobs.addHandler((type, job) => this.onJob(type, job)),
      this.informers.pods.addHandler((_type, pod) => this.onPod(pod)),
    ];
    await this.informers.start();
    for (const job of this.informers.jobs.list()) {
      // A finished Job needs no reconcile, and the sync would return at once.
      if (!finishedCondition(job)) this.queue.add(keyOf(job));
    }
  }

  async stop(): Promise<void> {
    for (const unregister of this.unregister) unregister();
    this.unregister = [];
    if (this.ownsInformers) this.informers.stop();
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

  private onJob(type: WatchEventType, job: Job): void {
    if (type !== 'DELETED') this.queue.add(keyOf(job));
  }

  private onPod(pod: Pod): void {
    const owner = controllerOf(pod.metadata);
    if (owner?.kind !== 'Job') return;
    this.queue.addAfter(`${pod.metadata.namespace ?? 'default'}/${owner.name}`, POD_EVENT_BATCH_MS);
  }
}

function keyOf(job: Job): string {
  return `${job.metadata.namespace ?? 'default'}/${job.metadata.name}`;
}
