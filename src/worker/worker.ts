import { PROCESS_GROUPS_ANNOTATION, STOP_REASON_ANNOTATION } from '../api/annotations.js';
import type { Pod } from '../api/types.js';
import { InvalidAttemptSpecError } from '../runtime/errors.js';
import type { AttemptHooks, AttemptResult, AttemptSpec } from '../runtime/types.js';
import { ConflictError, NotFoundError } from '../store/errors.js';
import type { Store, WatchEvent } from '../store/store.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import { toRfc3339 } from '../util/time.js';
import { ContainerConfigError, resolveContainer } from './environment.js';
import { containerStatus, readProcessGroups, terminatedState } from './pod-status.js';
import { scheduledRunOf } from './schedule-delay.js';

/** Runs one attempt; ProcessExecutor from runtime/ is the implementation. */
export interface Executor {
  run(spec: AttemptSpec, hooks: AttemptHooks, signal?: AbortSignal): Promise<AttemptResult>;
}

export interface WorkerOptions {
  id: string;
  store: Store;
  clock: Clock;
  executor: Executor;
  logger: Logger;
  /** Attempts run at the same time. */
  concurrency: number;
  /** Maximum bytes of output stored per attempt. */
  logCapBytes?: number;
  /** How often unclaimed attempts are looked for besides watch events, in milliseconds. */
  pollIntervalMs?: number;
  metrics?: SchedulerMetrics;
}

interface Running {
  abort: AbortController;
  /** Serializes this attempt's store writes so they land in order. */
  writes: Promise<void>;
  done: Promise<void>;
}

export const DEFAULT_LOG_CAP_BYTES = 4 * 1024 * 1024;

/**
 * Pod reason of an attempt that failed before any process started, for example because the
 * executor rejected an environment value.
 */
export const START_ERROR_REASON = 'StartError';

/**
 * Claims pending attempts (Pods with no node), runs them through the executor, stores their
 * output, and writes their phase and container states back, as kubelet does for Pods.
 */
export class Worker {
  private readonly running = new Map<string, Running>();
  private unsubscribe: (() => void) | undefined;
  private pollTimer: Timer | undefined;
  private stopped = false;
  private claiming: Promise<void> = Promise.resolve();

  constructor(private readonly options: WorkerOptions) {}

  /** Attempts running now. */
  get busy(): number {
    return this.running.size;
  }

  /** Attempts this worker runs at the same time at most. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  start(): void {
    this.unsubscribe = this.options.store.watch('Pod', (event) => this.onEvent(event));
    this.schedulePoll(0);
  }

  /** Stops claiming, stops running attempts, and waits for them to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.pollTimer?.cancel();
    for (const entry of this.running.values()) entry.abort.abort('WorkerStopped');
    // A claim pass in flight launches the attempts it has claimed (already aborted above), so
    // the running attempts are awaited only after it ended.
    await this.claiming;
    await Promise.allSettled([...this.running.values()].map((entry) => entry.done));
  }

  /** Resolves when the attempts running now have finished and their results are stored. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((entry) => entry.done));
  }

  private onEvent(event: WatchEvent): void {
    if (event.object.kind !== 'Pod') return;
    const pod = event.object;
    const key = keyOf(pod);
    const running = this.running.get(key);
    if (running) {
      if (event.type === 'DELETED' || pod.metadata.deletionTimestamp !== undefined) {
        running.abort.abort(pod.metadata.annotations?.[STOP_REASON_ANNOTATION] ?? 'Terminated');
      }
      return;
    }
    if (event.type !== 'DELETED' && isClaimable(pod)) this.claimSoon();
  }

  private schedulePoll(delayMs: number): void {
    if (this.stopped) return;
    this.pollTimer = this.options.clock.setTimer(delayMs, () => {
      this.claimSoon();
      this.schedulePoll(this.options.pollIntervalMs ?? 5000);
    });
  }

  /** Queues one claim pass; passes never overlap. */
  private claimSoon(): void {
    this.claiming = this.claiming
      .then(() => this.claimPending())
      .catch((error: unknown) =>
        this.options.logger.error({ worker: this.options.id, err: error }, 'claim failed'),
      );
  }

  private async claimPending(): Promise<void> {
    if (this.stopped) return;
    const free = this.options.concurrency - this.running.size;
    if (free <= 0) return;
    const pods = await this.options.store.list<Pod>('Pod');
    let claimed = 0;
    for (const pod of pods) {
      if (claimed >= free || this.stopped) break;
      const key = keyOf(pod);
      if (!isClaimable(pod) || this.running.has(key)) continue;
      const now = this.options.clock.now();
      const claim = structuredClone(pod);
      claim.status = {
        ...claim.status,
        phase: 'Running',
        nodeName: this.options.id,
        startTime: toRfc3339(now),
      };
      // The entry is registered before the claim is written, so a stop or delete that lands
      // while the write returns already reaches onEvent and aborts the attempt.
      const entry: Running = {
        abort: new AbortController(),
        writes: Promise.resolve(),
        done: Promise.resolve(),
      };
      this.running.set(key, entry);
      let stored: Pod;
      try {
        stored = await this.options.store.update(claim);
      } catch (error) {
        this.running.delete(key);
        // Another worker or the Job controller changed the pod first.
        if (error instanceof ConflictError || error instanceof NotFoundError) continue;
        throw error;
      }
      claimed++;
      this.launch(stored, entry);
    }
  }

  private launch(pod: Pod, entry: Running): void {
    const key = keyOf(pod);
    const ids = attemptIds(pod, this.options.id);
    this.options.logger.info(ids, 'attempt started');
    entry.done = this.runAttempt(pod, entry)
      .catch(async (error: unknown) => {
        const detail = describeRunError(error);
        this.options.logger.error({ ...ids, error: detail }, 'attempt failed to run');
        // Without this the pod would stay Running under a live worker, and its Job would hang.
        this.writeStatus(pod, entry, (current) => {
          current.status = {
            ...current.status,
            phase: 'Failed',
            reason: START_ERROR_REASON,
            message: `the attempt could not start: ${detail}`,
          };
        });
        await entry.writes;
      })
      .then(() => this.deleteLogsOfDeletedPod(pod))
      .catch((error: unknown) =>
        this.options.logger.error({ ...ids, err: error }, 'attempt cleanup failed'),
      )
      .finally(() => {
        this.running.delete(key);
        this.claimSoon();
      });
  }

  /** Queues a status write of the attempt behind its earlier writes, so they land in order. */
  private writeStatus(pod: Pod, entry: Running, mutate: (current: Pod) => void): void {
    entry.writes = entry.writes
      .then(() => this.updatePod(pod, mutate))
      .catch((error: unknown) =>
        this.options.logger.error(
          { ...attemptIds(pod, this.options.id), err: error },
          'attempt status write failed',
        ),
      );
  }

  /**
   * Deletes the log of an attempt whose pod was deleted while it ran. The garbage collector
   * deletes a pod's log when the pod goes, but output written during the grace period, or
   * still queued, lands after that and would be kept forever.
   */
  private async deleteLogsOfDeletedPod(pod: Pod): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    const current = await this.options.store.find<Pod>('Pod', namespace, pod.metadata.name);
    if (current === undefined) await this.options.store.deleteLogs(namespace, pod.metadata.name);
  }

  private async runAttempt(pod: Pod, entry: Running): Promise<void> {
    const { store, clock } = this.options;
    const namespace = pod.metadata.namespace ?? 'default';
    const ids = attemptIds(pod, this.options.id);
    const write = (mutate: (current: Pod) => void): void => this.writeStatus(pod, entry, mutate);

    let spec: AttemptSpec;
    try {
      spec = await this.buildSpec(pod);
    } catch (error) {
      if (!(error instanceof ContainerConfigError)) throw error;
      write((current) => {
        current.status = {
          ...current.status,
          phase: 'Failed',
          reason: error.code,
          message: error.message,
        };
      });
      await entry.writes;
      const fields = { ...ids, phase: 'Failed', reason: error.code, err: error };
      this.options.logger.warn(fields, 'attempt failed');
      return;
    }

    const observeDelay = this.scheduleDelayObserver(pod);
    const result = await this.options.executor.run(
      spec,
      {
        now: () => clock.now(),
        onOutput: (container, stream, chunk) => {
          const time = clock.now();
          entry.writes = entry.writes
            .then(() =>
              store.appendLog(
                { namespace, pod: pod.metadata.name, container },
                stream,
                chunk,
                time,
              ),
            )
            .catch((error: unknown) =>
              this.options.logger.error({ ...ids, err: error }, 'log write failed'),
            );
        },
        onContainerStart: (container, startedAt, pid) => {
          observeDelay(startedAt);
          write((current) => {
            const status = containerStatus(current, container);
            status.state = { running: { startedAt: toRfc3339(startedAt) } };
            const groups = readProcessGroups(current);
            groups[container] = pid;
            current.metadata.annotations = {
              ...current.metadata.annotations,
              [PROCESS_GROUPS_ANNOTATION]: JSON.stringify(groups),
            };
          });
        },
        onContainerExit: (container, run) =>
          write((current) => {
            const status = containerStatus(current, container);
            status.state = terminatedState(run);
          }),
        onContainerRestart: (container, restarts) =>
          write((current) => {
            const status = containerStatus(current, container);
            status.lastState = status.state;
            status.restartCount = restarts;
            status.state = { waiting: { reason: 'CrashLoopBackOff' } };
          }),
      },
      entry.abort.signal,
    );

    write((current) => {
      const status = { ...current.status, phase: result.phase };
      if (result.reason !== undefined) status.reason = result.reason;
      if (result.message !== undefined) status.message = result.message;
      current.status = status;
      for (const run of [...result.initContainers, ...result.containers]) {
        containerStatus(current, run.name).state = terminatedState(run);
      }
    });
    await entry.writes;
    const outcome = { ...ids, phase: result.phase, reason: result.reason };
    if (result.phase === 'Failed') this.options.logger.warn(outcome, 'attempt failed');
    else this.options.logger.info(outcome, 'attempt succeeded');
  }

  /**
   * Returns the function that reports the schedule delay at the attempt's first process start,
   * once, or a no-op when the attempt is not the first of a CronJob's Job.
   */
  private scheduleDelayObserver(pod: Pod): (startedAt: number) => void {
    const metrics = this.options.metrics;
    if (metrics === undefined) return () => undefined;
    const run = scheduledRunOf(pod);
    if (run === undefined) return () => undefined;
    let observed = false;
    return (startedAt) => {
      if (observed) return;
      observed = true;
      metrics.attemptStarted(run.cronJob, Math.max(0, startedAt - run.scheduledAt) / 1000);
    };
  }

  private async buildSpec(pod: Pod): Promise<AttemptSpec> {
    const { store } = this.options;
    const initContainers = [];
    for (const container of pod.spec.initContainers ?? []) {
      initContainers.push(await resolveContainer(pod, container, store));
    }
    const containers = [];
    for (const container of pod.spec.containers) {
      containers.push(await resolveContainer(pod, container, store));
    }
    const spec: AttemptSpec = {
      initContainers,
      containers,
      restartPolicy: pod.spec.restartPolicy === 'OnFailure' ? 'OnFailure' : 'Never',
      logCapBytes: this.options.logCapBytes ?? DEFAULT_LOG_CAP_BYTES,
    };
    if (pod.spec.terminationGracePeriodSeconds !== undefined) {
      spec.terminationGracePeriodSeconds = pod.spec.terminationGracePeriodSeconds;
    }
    return spec;
  }

  /** Re-reads the pod, applies `mutate` and writes it, retrying when another writer raced. */
  private async updatePod(pod: Pod, mutate: (current: Pod) => void): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await this.options.store.find<Pod>('Pod', namespace, pod.metadata.name);
      if (!current || current.metadata.uid !== pod.metadata.uid) return;
      mutate(current);
      try {
        await this.options.store.update(current);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new Error(`pod ${namespace}/${pod.metadata.name}: status write kept conflicting`);
  }
}

/**
 * Describes why an attempt could not run. An InvalidAttemptSpecError names only the field,
 * because its message contains the value, which may come from a Secret.
 */
function describeRunError(error: unknown): string {
  if (error instanceof InvalidAttemptSpecError) {
    return `invalid attempt spec field ${error.field}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Returns the ids of an attempt's log lines: its namespace, Job, name and worker. */
function attemptIds(pod: Pod, worker: string): Record<string, string | undefined> {
  const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
  return {
    namespace: pod.metadata.namespace ?? 'default',
    job: owner?.kind === 'Job' ? owner.name : undefined,
    attempt: pod.metadata.name,
    worker,
  };
}

function isClaimable(pod: Pod): boolean {
  return (
    pod.status?.phase === 'Pending' &&
    pod.status.nodeName === undefined &&
    pod.metadata.deletionTimestamp === undefined
  );
}

function keyOf(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}
