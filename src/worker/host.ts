import { randomUUID } from 'node:crypto';
import type { Job } from '../api/types.js';
import { prepareForCreate } from '../api/index.js';
import { CronJobController } from '../controller/cronjob/controller.js';
import { StoreEventRecorder } from '../controller/events.js';
import { GarbageCollector } from '../controller/garbage-collector.js';
import { JobController } from '../controller/job/controller.js';
import { ProcessExecutor } from '../runtime/process.js';
import type { DstPolicy } from '../schedule/index.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import { failLostAttempts } from './recovery.js';
import type { Executor } from './worker.js';
import { Worker } from './worker.js';

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Attempts the embedded worker runs at the same time. */
  workerConcurrency: number;
  dstPolicy?: DstPolicy;
  /** Runs attempts; defaults to local processes. */
  executor?: Executor;
  logCapBytes?: number;
  pollIntervalMs?: number;
  metrics?: SchedulerMetrics;
}

export interface SchedulerHandle {
  readonly cronJobs: CronJobController;
  readonly jobs: JobController;
  readonly garbageCollector: GarbageCollector;
  readonly worker: Worker;
  stop(): Promise<void>;
}

/**
 * Starts the controllers, the garbage collector and one embedded worker on `store`. Attempts
 * left running by an earlier process are failed first, so the Job controller retries them.
 */
export async function startScheduler(options: SchedulerOptions): Promise<SchedulerHandle> {
  const { store, clock, logger, metrics } = options;
  const workerId = `worker-${randomUUID()}`;
  await failLostAttempts(store, new Set([workerId]), clock.now(), logger);

  const createJob = async (job: Job, now: number): Promise<Job> =>
    store.create(prepareForCreate(job), now);
  const garbageCollector = new GarbageCollector({ store, clock, logger, metrics });
  const jobs = new JobController({
    store,
    clock,
    logger,
    metrics,
    recorder: new StoreEventRecorder(store, clock, 'job-controller', { logger }),
  });
  const cronJobs = new CronJobController({
    store,
    clock,
    logger,
    createJob,
    defaultDstPolicy: options.dstPolicy ?? 'cron',
    metrics,
    recorder: new StoreEventRecorder(store, clock, 'cronjob-controller', { logger }),
  });
  const worker = new Worker({
    id: workerId,
    store,
    clock,
    logger,
    executor: options.executor ?? new ProcessExecutor({ clock }),
    concurrency: options.workerConcurrency,
    logCapBytes: options.logCapBytes,
    pollIntervalMs: options.pollIntervalMs,
    metrics,
  });

  await garbageCollector.start();
  await jobs.start();
  await cronJobs.start();
  worker.start();
  logger.info({ worker: workerId }, 'scheduler started');

  return {
    cronJobs,
    jobs,
    garbageCollector,
    worker,
    async stop() {
      await cronJobs.stop();
      await worker.stop();
      await jobs.stop();
      await garbageCollector.stop();
      logger.info({ worker: workerId }, 'scheduler stopped');
    },
  };
}
