import type { CronJob, Job } from '../../api/types.js';
import type { DstPolicy } from '../../schedule/index.js';
import type { Store, WatchEvent } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import { controllerOf } from '../conditions.js';
import type { EventRecorder } from '../events.js';
import type { Logger } from '../../util/logger.js';
import type { SchedulerMetrics } from '../../util/metrics.js';
import { WorkQueue } from '../workqueue.js';
import { nextScheduleDelay } from './due-time.js';
import { scheduleOf, syncCronJob } from './sync.js';

export interface CronJobControllerOptions {
  store: Store;
  clock: Clock;
  recorder: EventRecorder;
  logger: Logger;
  createJob(job: Job, now: number): Promise<Job>;
  defaultDstPolicy?: DstPolicy;
  /** Keys reconciled at the same time; Kubernetes' --concurrent-cron-job-syncs defaults to 5. */
  workers?: number;
  metrics?: SchedulerMetrics;
}

interface Known {
  uid: string | undefined;
  schedule: string;
  timeZone: string | undefined;
}

/**
 * Runs CronJob reconciles on a delaying work queue: each CronJob is requeued for its next
 * activation plus 100 ms, and changes to it or to its Jobs reconcile it at once.
 */
export class CronJobController {
  readonly queue: WorkQueue;
  private readonly known = new Map<string, Known>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: CronJobControllerOptions) {
    this.queue = new WorkQueue({
      clock: options.clock,
      concurrency: options.workers ?? 5,
      observer: options.metrics?.workQueue('cronjob'),
      reconcile: (key) => this.reconcile(key),
      onError: (key, error) =>
        options.logger.error({ cronjob: key, err: error }, 'cronjob sync failed'),
    });
  }

  /** Subscribes to changes and queues every existing CronJob. */
  async start(): Promise<void> {
    this.unsubscribe = this.options.store.watch(undefined, (event) => this.onEvent(event));
    for (const cronJob of await this.options.store.list<CronJob>('CronJob')) {
      this.remember(cronJob);
      this.queue.add(keyOf(cronJob));
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.stop();
  }

  private async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const [namespace, name] = splitKey(key);
    const result = await syncCronJob(namespace, name, {
      store: this.options.store,
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

  private onEvent(event: WatchEvent): void {
    if (event.object.kind === 'CronJob') this.onCronJob(event.type, event.object);
    else if (event.object.kind === 'Job') this.onJob(event.object);
  }

  private onCronJob(type: WatchEvent['type'], cronJob: CronJob): void {
    const key = keyOf(cronJob);
    if (type === 'DELETED') {
      this.known.delete(key);
      this.queue.add(key);
      return;
    }
    // Own status writes arrive here too and queue one more sync, as in Kubernetes. The store
    // sends the event before update() returns, so the write's resourceVersion cannot filter it.
    const previous = this.known.get(key);
    this.remember(cronJob);
    const scheduleChanged =
      type === 'MODIFIED' &&
      previous !== undefined &&
      (previous.schedule !== cronJob.spec.schedule || previous.timeZone !== cronJob.spec.timeZone);
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
    const key = `${job.metadata.namespace ?? 'default'}/${owner.name}`;
    if (this.known.get(key)?.uid !== owner.uid) return;
    this.queue.add(key);
  }

  private remember(cronJob: CronJob): void {
    this.known.set(keyOf(cronJob), {
      uid: cronJob.metadata.uid,
      schedule: cronJob.spec.schedule,
      timeZone: cronJob.spec.timeZone,
    });
  }
}

function keyOf(cronJob: CronJob): string {
  return `${cronJob.metadata.namespace ?? 'default'}/${cronJob.metadata.name}`;
}

function splitKey(key: string): [string, string] {
  const slash = key.indexOf('/');
  return [key.slice(0, slash), key.slice(slash + 1)];
}
