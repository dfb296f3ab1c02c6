import { ActivationGate } from '../controller/activation-gate.js';
import { randomUUID } from 'node:crypto';
import type { Job } from '../api/types.js';
import { prepareForCreate } from '../api/index.js';
import { CronJobController } from '../controller/cronjob/controller.js';
import { StoreEventRecorder } from '../controller/events.js';
import { GarbageCollector } from '../controller/garbage-collector.js';
import { SharedInformers } from '../controller/informers.js';
import { QueuedEventRecorder } from '../controller/queued-events.js';
import { JobController } from '../controller/job/controller.js';
import { LeaderElector } from '../controller/leader-election.js';
import { LostWorkerSweeper } from '../controller/lost-workers.js';
import { ProcessExecutor } from '../runtime/process.js';
import { ResourceConfiner } from '../runtime/resources/resource-confiner.js';
import { HostProcessConfiner, type SelectedSandbox } from '../runtime/sandbox/index.js';
import type { DstPolicy } from '../schedule/index.js';
import { FencedStore } from '../store/forwarding-store.js';
import type { Fence } from '../store/lease.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import type { CpuMemory } from './pod-resources.js';
import { failLostAttempts } from './recovery.js';
import type { ServiceAccountOptions } from './service-account.js';
import type { Executor } from './worker.js';
import { Worker } from './worker.js';

export interface LeaderElectionSettings {
  /** This replica's identity; defaults to a random one. */
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Attempts the embedded worker runs at the same time; 0 runs no embedded worker. */
  workerConcurrency: number;
  dstPolicy?: DstPolicy;
  /** Runs attempts; defaults to local processes with their resource limits enforced. */
  executor?: Executor;
  /** CPU (cores) and memory (bytes) the embedded worker offers; defaults to the machine's. */
  workerCapacity?: CpuMemory;
  logCapBytes?: number;
  pollIntervalMs?: number;
  metrics?: SchedulerMetrics;
  /**
   * Runs the controllers only while this replica holds the controller lease, for several
   * replicas on one store. Without it the controllers run at once and attempts that an earlier
   * process left running are failed first, which is right for one process on SQLite only.
   */
  leaderElection?: LeaderElectionSettings;
  /** How often the leader looks for workers that stopped heartbeating. */
  lostWorkerSweepIntervalMs?: number;
  /** Settings of the tokens the embedded worker mints for attempts with a service account. */
  serviceAccounts?: ServiceAccountOptions;
  /**
   * Isolation of the embedded worker's containers, from selectSandbox. Defaults to `none`, which
   * fails containers that set fields only the bubblewrap sandbox can honour.
   */
  sandbox?: SelectedSandbox;
  /**
   * Runs each time this process starts the controllers, before they start. With leader election
   * that is each time it becomes leader. It must handle its own errors.
   */
  onControllersStart?: () => Promise<void>;
}

export interface SchedulerHandle {
  /** The embedded worker, unless workerConcurrency is 0. */
  readonly worker: Worker | undefined;
  /** Whether this process runs the controllers now. */
  isLeader(): boolean;
  /** Resolves when the controllers have no ready or running reconcile; at once when not leading. */
  controllersIdle(): Promise<void>;
  stop(): Promise<void>;
}

/** The controllers of one leadership; they are created anew each time, because they keep state. */
interface Controllers {
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts the controllers, the garbage collector and, unless workerConcurrency is 0, one embedded
 * worker on `store`. With leader election, the controllers and the lost-worker sweeper run only
 * while this replica leads, and all their writes carry the lease token.
 */
export async function startScheduler(options: SchedulerOptions): Promise<SchedulerHandle> {
  const { store, clock, logger } = options;
  const workerId = `worker-${randomUUID()}`;
  // Shared by the controllers of every leadership and the embedded worker, so a burst of
  // activations creates its Jobs before their Pods and claims compete with it.
  const activations = new ActivationGate(clock);

  let elector: LeaderElector | undefined;
  let controllers: Controllers | undefined;
  if (options.leaderElection === undefined) {
    await failLostAttempts(store, new Set([workerId]), clock.now(), logger);
    controllers = await startControllers(options, store, false, activations);
  } else {
    const settings = options.leaderElection;
    elector = new LeaderElector({
      store,
      clock,
      logger,
      identity: settings.identity ?? `replica-${randomUUID()}`,
      leaseDurationMs: settings.leaseDurationMs,
      renewDeadlineMs: settings.renewDeadlineMs,
      retryPeriodMs: settings.retryPeriodMs,
      onStartedLeading: async (fence: Fence) => {
        const fenced = new FencedStore(store, () => fence);
        controllers = await startControllers(options, fenced, true, activations);
      },
      onStoppedLeading: async () => {
        const running = controllers;
        controllers = undefined;
        await running?.stop();
      },
    });
  }

  let worker: Worker | undefined;
  if (options.workerConcurrency > 0) {
    worker = new Worker({
      id: workerId,
      store,
      clock,
      logger,
      executor:
        options.executor ??
        // The resource confiner must stay the last, outermost layer: it joins the cgroup first.
        new ProcessExecutor({
          clock,
          confiners: [
            options.sandbox?.confiner ?? new HostProcessConfiner(),
            new ResourceConfiner({ logger }),
          ],
        }),
      sandbox: options.sandbox?.mode ?? 'none',
      concurrency: options.workerConcurrency,
      capacity: options.workerCapacity,
      logCapBytes: options.logCapBytes,
      pollIntervalMs: options.pollIntervalMs,
      metrics: options.metrics,
      serviceAccounts: options.serviceAccounts,
      yieldTo: activations,
    });
    worker.start();
  }
  await elector?.start();
  logger.info({ worker: worker === undefined ? undefined : workerId }, 'scheduler started');

  return {
    worker,
    isLeader: () => controllers !== undefined,
    controllersIdle: async () => controllers?.idle(),
    async stop() {
      if (elector !== undefined) {
        await elector.stop();
      } else {
        await controllers?.stop();
      }
      await worker?.stop();
      logger.info({ worker: worker === undefined ? undefined : workerId }, 'scheduler stopped');
    },
  };
}

/**
 * Starts the CronJob and Job controllers, the garbage collector and, for a leader among several
 * processes, the lost-worker sweeper, all writing through `store`.
 */
async function startControllers(
  options: SchedulerOptions,
  store: Store,
  sweepLostWorkers: boolean,
  activations: ActivationGate,
): Promise<Controllers> {
  const { clock, logger, metrics } = options;
  await options.onControllersStart?.();
  const createJob = async (job: Job, now: number): Promise<Job> =>
    store.create(prepareForCreate(job), now);
  // One cache per kind for all three, so that each kind is listed and held once.
  const informers = new SharedInformers(store);
  // Events are written in the background, so a reconcile waits only for its object writes.
  const jobEvents = new QueuedEventRecorder(
    new StoreEventRecorder(store, clock, 'job-controller', { logger }),
    logger,
  );
  const cronJobEvents = new QueuedEventRecorder(
    new StoreEventRecorder(store, clock, 'cronjob-controller', { logger }),
    logger,
  );
  const garbageCollector = new GarbageCollector({
    store,
    clock,
    logger,
    metrics,
    informers,
    yieldTo: activations,
  });
  const jobs = new JobController({
    store,
    clock,
    logger,
    metrics,
    informers,
    recorder: jobEvents,
    yieldTo: activations,
  });
  const cronJobs = new CronJobController({
    store,
    clock,
    logger,
    createJob,
    defaultDstPolicy: options.dstPolicy ?? 'cron',
    metrics,
    informers,
    recorder: cronJobEvents,
    activations,
  });
  const sweeper = sweepLostWorkers
    ? new LostWorkerSweeper({
        store,
        clock,
        logger,
        intervalMs: options.lostWorkerSweepIntervalMs,
      })
    : undefined;

  // Started together, so each subscribes before the shared informers list anything. The
  // CronJob controller goes first, because a new leader's missed runs are the most urgent work.
  await Promise.all([cronJobs.start(), jobs.start(), garbageCollector.start()]);
  sweeper?.start();
  return {
    async idle() {
      await cronJobs.queue.idle();
      await jobs.queue.idle();
      await cronJobEvents.idle();
      await jobEvents.idle();
    },
    async stop() {
      await sweeper?.stop();
      await cronJobs.stop();
      await jobs.stop();
      await garbageCollector.stop();
      informers.stop();
      await cronJobEvents.idle();
      await jobEvents.idle();
    },
  };
}
