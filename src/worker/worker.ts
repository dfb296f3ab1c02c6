import type { ActivationGate } from '../controller/activation-gate.js';
import { STOP_REASON_ANNOTATION } from '../api/annotations.js';
import type { Pod } from '../api/types.js';
import { WORKER_LOST_REASON } from '../controller/lost-workers.js';
import { isClaimable } from '../store/claim.js';
import type { SandboxMode } from '../runtime/sandbox/types.js';
import type { Fence } from '../store/lease.js';
import { FencedError } from '../store/lease.js';
import type { Store, WatchEvent } from '../store/store.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import { AbandonedAttempts } from './abandoned-attempts.js';
import { Admission, hostCapacity, type AdmissionBatch } from './admission.js';
import type { Executor } from './attempt-run.js';
import { DEFAULT_LOG_CAP_BYTES, describeRunError, runAttempt } from './attempt-run.js';
import { Heartbeat } from './heartbeat.js';
import type { CpuMemory } from './pod-resources.js';
import { UnschedulableReporter } from './unschedulable.js';
import { RunningAttempt } from './running-attempt.js';
import type { ServiceAccountOptions } from './service-account.js';

export { DEFAULT_LOG_CAP_BYTES } from './attempt-run.js';
export type { Executor } from './attempt-run.js';

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
  /**
   * The worker's labels. It claims only attempts whose `spec.nodeSelector` they satisfy, as a
   * Kubernetes node with these labels would. Defaults to none, which matches attempts without
   * a nodeSelector.
   */
  labels?: Record<string, string>;
  /** How long the worker's lease stays valid after a renewal; defaults to 40 s. */
  leaseDurationMs?: number;
  /** Time between renewals of the worker's lease; defaults to 10 s. */
  heartbeatIntervalMs?: number;
  /** Sandbox mode of `executor`, logged and recorded per attempt. Defaults to `none`. */
  sandbox?: SandboxMode;
  /** Settings of the tokens minted for attempts whose pod names a service account. */
  serviceAccounts?: ServiceAccountOptions;
  /**
   * CPU (cores) and memory (bytes) the worker offers. It claims an attempt only when the
   * attempt's effective requests fit what its running attempts leave free. Defaults to the
   * machine's CPUs and memory.
   */
  capacity?: CpuMemory;
  /** Holds claims back while CronJob activations in this process run; see ActivationGate. */
  yieldTo?: ActivationGate;
}

/**
 * Pod reason of an attempt that failed before any process started, for example because the
 * executor rejected an environment value.
 */
export const START_ERROR_REASON = 'StartError';

/**
 * Claims pending attempts (Pods with no node) whose nodeSelector its labels satisfy, runs them
 * through the executor, stores their output, and writes their phase and container states back,
 * as kubelet does for Pods. It heartbeats through its lease `worker/<id>`, and every claim and
 * status write carries that lease's fence. Once the cluster has declared the worker lost, the
 * store rejects those writes, and the worker stops the attempts it runs before it claims more.
 */
export class Worker {
  private readonly running = new Map<string, RunningAttempt>();
  private readonly labels: Record<string, string>;
  private readonly heartbeat: Heartbeat;
  private readonly abandoned: AbandonedAttempts;
  private readonly admission: Admission;
  private readonly unschedulable: UnschedulableReporter;
  /** Tokens of the registrations the cluster revoked. Attempts claimed under them are stopped. */
  private readonly lostTokens = new Set<number>();
  private unsubscribe: (() => void) | undefined;
  private pollTimer: Timer | undefined;
  private stopped = false;
  private claiming: Promise<void> = Promise.resolve();
  /** Whether a claim pass is queued and has not started yet, so later requests join it. */
  private claimQueued = false;
  /**
   * Stop reasons by pod uid, collected while a claim is in flight, because a claimed attempt
   * that was stopped or deleted before the worker knew about it must never start.
   */
  private stopsDuringClaim: Map<string, string> | undefined;

  constructor(private readonly options: WorkerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 0) {
      throw new RangeError(
        `invalid worker concurrency ${options.concurrency}: expected an integer of at least 0`,
      );
    }
    this.labels = { ...options.labels };
    const capacity = options.capacity ?? hostCapacity();
    this.admission = new Admission(capacity);
    this.unschedulable = new UnschedulableReporter({ ...options, capacity });
    this.heartbeat = new Heartbeat({
      store: options.store,
      clock: options.clock,
      logger: options.logger,
      holder: options.id,
      leaseDurationMs: options.leaseDurationMs,
      intervalMs: options.heartbeatIntervalMs,
      onLost: (lost) => this.onLeaseLost(lost),
      onRegistered: () => {
        this.abandoned.markSoon();
        this.claimSoon();
      },
    });
    this.abandoned = new AbandonedAttempts({
      store: options.store,
      clock: options.clock,
      logger: options.logger,
      worker: options.id,
      fence: () => this.heartbeat.fence,
    });
  }

  get id(): string {
    return this.options.id;
  }

  /** Attempts running now. */
  get busy(): number {
    return this.running.size;
  }

  /** CPU (cores) and memory (bytes) that running attempts have not reserved. */
  get freeCapacity(): CpuMemory {
    return this.admission.free;
  }

  /** Attempts this worker runs at the same time at most. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  /**
   * The fence of the worker's lease while it is registered and renewing, else undefined. The
   * worker claims only while this is set.
   */
  get lease(): Fence | undefined {
    return this.heartbeat.fence;
  }

  /** Registers the worker's lease, then claims attempts as they appear. */
  start(): void {
    this.unsubscribe = this.options.store.watch('Pod', (event) => this.onEvent(event));
    this.heartbeat.start();
    this.schedulePoll(0);
  }

  /**
   * Stops claiming, stops running attempts, waits for them to finish, and then releases the
   * lease, so the attempts' last status writes still pass the fence.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.pollTimer?.cancel();
    for (const entry of this.running.values()) entry.abort.abort('WorkerStopped');
    // A claim pass in flight launches the attempts it has claimed (aborted there, because
    // `stopped` is set), so the running attempts are awaited only after it ended.
    await this.claiming;
    await Promise.allSettled([...this.running.values()].map((entry) => entry.done));
    await this.abandoned.idle();
    await this.heartbeat.stop();
  }

  /**
   * Resolves when the heartbeats started so far, and the status writes of lost attempts they
   * caused, have finished. Tests on a FakeClock await it after moving the clock.
   */
  async heartbeatIdle(): Promise<void> {
    await this.heartbeat.idle();
    await this.abandoned.idle();
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
    const stopping = event.type === 'DELETED' || pod.metadata.deletionTimestamp !== undefined;
    const reason = pod.metadata.annotations?.[STOP_REASON_ANNOTATION] ?? 'Terminated';
    if (running) {
      if (stopping) running.abort.abort(reason);
      return;
    }
    if (stopping && this.stopsDuringClaim !== undefined && pod.metadata.uid !== undefined) {
      this.stopsDuringClaim.set(pod.metadata.uid, reason);
    }
    if (event.type !== 'DELETED' && isClaimable(pod, this.labels)) this.claimSoon();
  }

  private schedulePoll(delayMs: number): void {
    if (this.stopped) return;
    this.pollTimer = this.options.clock.setTimer(delayMs, () => {
      this.claimSoon();
      if (this.abandoned.size > 0) this.abandoned.markSoon();
      this.schedulePoll(this.options.pollIntervalMs ?? 5000);
    });
  }

  /** Queues one claim pass unless one is queued already; passes never overlap. */
  private claimSoon(): void {
    if (this.claimQueued) return;
    this.claimQueued = true;
    this.claiming = this.claiming
      .then(async () => {
        const gate = this.options.yieldTo;
        if (gate?.deferring() === true) await gate.pass();
        this.claimQueued = false;
        return this.claimPending();
      })
      .catch((error: unknown) => {
        const fields = { worker: this.options.id, err: error };
        if (!(error instanceof FencedError)) {
          this.options.logger.error(fields, 'claim failed');
          return;
        }
        // The lease was revoked after the last beat. A beat now finds that out and registers again.
        this.options.logger.warn(fields, 'claim fenced');
        void this.heartbeat.beatNow();
      });
  }

  /** Claims as many attempts as there are free slots, in one store call, and starts them. */
  private async claimPending(): Promise<void> {
    if (this.stopped) return;
    const free = this.options.concurrency - this.running.size;
    const fence = this.heartbeat.fence;
    if (free <= 0 || fence === undefined) return;

    this.stopsDuringClaim = new Map();
    const batch: AdmissionBatch = this.admission.startBatch();
    let claimed: Pod[];
    let stops: Map<string, string>;
    try {
      claimed = await this.options.store.claimPods({
        worker: this.options.id,
        labels: this.labels,
        limit: free,
        now: this.options.clock.now(),
        fence,
        admit: (pod) => batch.admit(pod),
      });
    } finally {
      stops = this.stopsDuringClaim;
      this.stopsDuringClaim = undefined;
    }
    this.unschedulable.report(batch.unfit);

    for (const pod of claimed) {
      this.admission.reserve(keyOf(pod), pod);
      const entry = new RunningAttempt(pod, fence, {
        store: this.options.store,
        logger: this.options.logger,
        worker: this.options.id,
        clock: this.options.clock,
        // A fenced write means the lease was revoked, so a beat now finds that out and stops the attempt.
        onFenced: () => void this.heartbeat.beatNow(),
      });
      this.running.set(keyOf(pod), entry);
      const stopReason = stops.get(pod.metadata.uid ?? '');
      if (stopReason !== undefined) entry.abort.abort(stopReason);
      else if (this.stopped) entry.abort.abort('WorkerStopped');
      this.launch(entry);
      // The lease was lost while the claim ran, so the attempt belongs to a dead registration.
      if (this.lostTokens.has(fence.token)) this.abandon(entry);
    }
  }

  /**
   * Stops every attempt claimed under the lost registration and drops their pending status
   * writes, which the store would reject anyway. Their pods are marked Failed once they stopped.
   */
  private onLeaseLost(lost: Fence): void {
    this.lostTokens.add(lost.token);
    for (const entry of this.running.values()) {
      if (entry.fence.token === lost.token) this.abandon(entry);
    }
  }

  private abandon(entry: RunningAttempt): void {
    entry.stopWriting();
    entry.abort.abort(WORKER_LOST_REASON);
    void entry.done.then(() => this.abandoned.add(entry.pod));
  }

  private launch(entry: RunningAttempt): void {
    const pod = entry.pod;
    const key = keyOf(pod);
    const ids = entry.ids;
    const sandbox = this.options.sandbox ?? 'none';
    this.options.logger.info({ ...ids, sandbox }, 'attempt started');
    entry.done = runAttempt(entry, {
      store: this.options.store,
      clock: this.options.clock,
      executor: this.options.executor,
      logger: this.options.logger,
      metrics: this.options.metrics,
      logCapBytes: this.options.logCapBytes ?? DEFAULT_LOG_CAP_BYTES,
      sandbox,
      serviceAccounts: this.options.serviceAccounts,
    })
      .catch(async (error: unknown) => {
        const detail = describeRunError(error);
        this.options.logger.error({ ...ids, error: detail }, 'attempt failed to run');
        // Without this the pod would stay Running under a live worker, and its Job would hang.
        entry.writeStatus((current) => {
          current.status = {
            ...current.status,
            phase: 'Failed',
            reason: START_ERROR_REASON,
            message: `the attempt could not start: ${detail}`,
          };
        });
        await entry.flush();
      })
      // Without output there is no log that could have landed after the pod's deletion.
      .then(() => (entry.wroteLog ? this.deleteLogsOfDeletedPod(pod) : undefined))
      .catch((error: unknown) =>
        this.options.logger.error({ ...ids, err: error }, 'attempt cleanup failed'),
      )
      .finally(() => {
        this.running.delete(key);
        this.admission.release(key);
        this.claimSoon();
      });
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
}

function keyOf(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}
