import { randomUUID } from 'node:crypto';
import type { Clock } from '../util/clock.js';
import { AttemptLog } from './attempt-log.js';
import type { Confiner } from './confinement.js';
import { ContainerProcess } from './container-process.js';
import { ContainerProbes } from './probes/container-probes.js';
import type { ProbeSpec } from './probes/types.js';
import { RestartBackoff } from './restart-backoff.js';
import type {
  AttemptHooks,
  AttemptResult,
  AttemptSpec,
  ContainerResult,
  ResolvedContainer,
} from './types.js';

/** Seconds between SIGTERM and SIGKILL when the spec sets none, as in Kubernetes. */
export const DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30;

/**
 * Shortest grace period of a kill after a failed probe. Kubelet raises any shorter one to this
 * (minimumGracePeriodInSeconds in pkg/kubelet/kuberuntime/kuberuntime_container.go).
 */
export const MIN_PROBE_KILL_GRACE_PERIOD_SECONDS = 2;

/** Abort reason used when the abort signal carries no reason string. */
export const DEFAULT_STOP_REASON = 'Stopped';

export interface AttemptSettings {
  clock: Clock;
  restartBackoffMs: number;
  maxRestartBackoffMs: number;
  confiners: readonly Confiner[];
}

/**
 * State of one `ProcessExecutor.run` call: the running processes, the pending restart
 * delays and the stop request. Used once.
 */
export class AttemptRun {
  private readonly log: AttemptLog;
  private readonly id: string;
  private readonly running = new Set<ContainerProcess>();
  private readonly pendingRestarts = new Set<() => void>();
  /** Results of container runs that were killed after a failed liveness or startup probe. */
  private readonly probeKills = new WeakSet<ContainerResult>();
  private stopReason: string | undefined;
  private hookFailure: { error: unknown } | undefined;

  constructor(
    private readonly spec: AttemptSpec,
    private readonly hooks: AttemptHooks,
    private readonly settings: AttemptSettings,
  ) {
    this.id = spec.id ?? randomUUID();
    this.log = new AttemptLog(spec.logCapBytes, (container, stream, chunk) =>
      this.callHook(() => hooks.onOutput(container, stream, chunk)),
    );
  }

  async execute(signal: AbortSignal | undefined): Promise<AttemptResult> {
    const onAbort = (): void => this.stop(stopReasonOf(signal?.reason));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });

    const initResults: ContainerResult[] = [];
    const containerResults: ContainerResult[] = [];
    try {
      const initSucceeded = await this.runInitContainers(initResults);
      if (initSucceeded && this.stopReason === undefined) {
        containerResults.push(...(await this.runContainers()));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }

    if (this.hookFailure !== undefined) throw this.hookFailure.error;
    return this.summarize(initResults, containerResults);
  }

  /** Runs init containers one at a time and returns whether all of them exited with 0. */
  private async runInitContainers(results: ContainerResult[]): Promise<boolean> {
    for (const container of this.spec.initContainers) {
      if (this.stopReason !== undefined) return false;
      const result = await this.runWithRestarts(container);
      if (result === undefined) return false;
      results.push(result);
      if (result.exitCode !== 0) return false;
    }
    return true;
  }

  /**
   * Runs the regular containers concurrently. An internal error in one stops the others
   * before it is raised, so no process is left running.
   */
  private async runContainers(): Promise<ContainerResult[]> {
    const outcomes = await Promise.allSettled(
      this.spec.containers.map((container) =>
        this.runWithRestarts(container).catch((error: unknown) => {
          this.stop(DEFAULT_STOP_REASON);
          throw error;
        }),
      ),
    );

    const results: ContainerResult[] = [];
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') throw outcome.reason;
      if (outcome.value !== undefined) results.push(outcome.value);
    }
    return results;
  }

  /**
   * Runs a container until it exits with 0, the restart policy forbids a restart, or the
   * attempt stops. Returns its last result, or undefined when it never ran.
   */
  private async runWithRestarts(
    container: ResolvedContainer,
  ): Promise<ContainerResult | undefined> {
    const { hooks, settings } = this;
    const backoff = new RestartBackoff(settings.restartBackoffMs, settings.maxRestartBackoffMs);
    let restartCount = 0;
    let last: ContainerResult | undefined;

    for (;;) {
      if (this.stopReason !== undefined) return last;
      const result = await this.runOnce(container, restartCount);
      last = result;
      this.callHook(() => hooks.onContainerExit(container.name, result));

      // Kubelet restarts a container killed after a failed probe even when it exited with 0.
      const failed = result.exitCode !== 0 || this.probeKills.has(result);
      const mayRestart = this.spec.restartPolicy === 'OnFailure' && failed;
      if (!mayRestart || this.stopReason !== undefined) return result;

      const delayMs = backoff.delayAfterFailure(result.finishedAt);
      if (delayMs > 0) await this.waitBeforeRestart(delayMs);
      if (this.stopReason !== undefined) return result;

      backoff.recordRestart(result.finishedAt, this.now());
      restartCount += 1;
      const count = restartCount;
      this.callHook(() => hooks.onContainerRestart?.(container.name, count));
    }
  }

  private async runOnce(
    container: ResolvedContainer,
    restartCount: number,
  ): Promise<ContainerResult> {
    const grace =
      this.spec.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS;
    // Set from onStart, which may run before ContainerProcess.start returns.
    let probes: ContainerProbes | undefined;
    let killedByProbe = false;
    const containerProcess = ContainerProcess.start(container, {
      clock: this.settings.clock,
      now: () => this.now(),
      log: this.log,
      gracePeriodMs: grace * 1000,
      restartCount,
      confiners: this.settings.confiners,
      runId: `${this.id}-${container.name}-${restartCount}`,
      onStart: (startedAt, pid) => {
        this.callHook(() => this.hooks.onContainerStart(container.name, startedAt, pid));
        probes = this.startProbes(container, restartCount, startedAt, (kind, spec) => {
          killedByProbe = this.killAfterProbeFailure(container.name, containerProcess, kind, spec);
        });
      },
    });
    this.running.add(containerProcess);
    try {
      const result = await containerProcess.finished;
      if (killedByProbe) this.probeKills.add(result);
      return result;
    } finally {
      // Waits for probes under way to end, so no probe process or socket outlives the run.
      if (probes !== undefined) await probes.stop();
      this.running.delete(containerProcess);
    }
  }

  /** Starts the probe loops of a container run, or returns undefined when it has no probes. */
  private startProbes(
    container: ResolvedContainer,
    restartCount: number,
    startedAt: number,
    onFailure: (kind: 'liveness' | 'startup', spec: ProbeSpec) => void,
  ): ContainerProbes | undefined {
    if (container.probes === undefined) return undefined;
    const { hooks } = this;
    return ContainerProbes.start({
      clock: this.settings.clock,
      container,
      probes: container.probes,
      startedAt,
      confiners: this.settings.confiners,
      runId: `${this.id}-${container.name}-${restartCount}`,
      restartCount,
      onStateChange: (state) =>
        this.callHook(() => hooks.onContainerProbeState?.(container.name, state)),
      onEvent: (type, reason, message) =>
        this.callHook(() => hooks.onContainerEvent?.(container.name, type, reason, message)),
      onFailure,
    });
  }

  /**
   * Stops a container whose liveness or startup probe failed and records kubelet's `Killing`
   * event. The grace period is the probe's, else the pod's, and at least
   * MIN_PROBE_KILL_GRACE_PERIOD_SECONDS. Returns false, and does nothing, when the attempt is
   * already stopping.
   */
  private killAfterProbeFailure(
    name: string,
    containerProcess: ContainerProcess,
    kind: 'liveness' | 'startup',
    spec: ProbeSpec,
  ): boolean {
    if (this.stopReason !== undefined) return false;
    const restart = this.spec.restartPolicy === 'OnFailure' ? ', will be restarted' : '';
    const message = `Container ${name} failed ${kind} probe${restart}`;
    this.callHook(() => this.hooks.onContainerEvent?.(name, 'Normal', 'Killing', message));
    const graceSeconds = Math.max(
      MIN_PROBE_KILL_GRACE_PERIOD_SECONDS,
      spec.terminationGracePeriodSeconds ??
        this.spec.terminationGracePeriodSeconds ??
        DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS,
    );
    containerProcess.stop(`${kind} probe failed`, {
      reasonFromExitStatus: true,
      gracePeriodMs: graceSeconds * 1000,
    });
    return true;
  }

  /** Waits `delayMs` on the clock, or less if the attempt stops meanwhile. */
  private waitBeforeRestart(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      // SystemClock unrefs its timers, and no child process runs during the delay, so
      // without this handle Node could exit with the attempt still pending. The interval
      // never fires in practice and reads no time. It only keeps the event loop alive.
      const keepAlive = setInterval(() => undefined, 2_147_483_647);
      const finish = (): void => {
        clearInterval(keepAlive);
        this.pendingRestarts.delete(cancel);
        resolve();
      };
      const timer = this.settings.clock.setTimer(delayMs, finish);
      const cancel = (): void => {
        timer.cancel();
        finish();
      };
      this.pendingRestarts.add(cancel);
    });
  }

  /** Stops every running container and cancels pending restarts. Later calls do nothing. */
  private stop(reason: string): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    for (const containerProcess of this.running) containerProcess.stop(reason);
    for (const cancel of [...this.pendingRestarts]) cancel();
  }

  /**
   * Calls a hook. If it throws, the first error is kept for `execute` to raise and the
   * attempt stops, so that no process outlives a caller that can no longer follow it.
   */
  private callHook(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.failOnHookError(error);
    }
  }

  /** Reads `hooks.now`, falling back to the clock's time after stopping if the hook throws. */
  private now(): number {
    try {
      return this.hooks.now();
    } catch (error) {
      this.failOnHookError(error);
      return this.settings.clock.now();
    }
  }

  private failOnHookError(error: unknown): void {
    if (this.hookFailure === undefined) this.hookFailure = { error };
    this.stop(DEFAULT_STOP_REASON);
  }

  private summarize(
    initResults: ContainerResult[],
    containerResults: ContainerResult[],
  ): AttemptResult {
    const results = { initContainers: initResults, containers: containerResults };
    if (this.stopReason !== undefined) {
      return {
        phase: 'Failed',
        reason: this.stopReason,
        message: `attempt stopped: ${this.stopReason}`,
        ...results,
      };
    }

    const failedInit = initResults.find((result) => result.exitCode !== 0);
    const failed = failedInit ?? containerResults.find((result) => result.exitCode !== 0);
    if (failed === undefined) return { phase: 'Succeeded', ...results };

    const kind = failedInit === undefined ? 'container' : 'init container';
    return {
      phase: 'Failed',
      reason: failed.reason,
      message: describeFailure(kind, failed),
      ...results,
    };
  }
}

/** Reasons of a container that never started, whose message gives the cause. */
const startFailureReasons = new Set([
  'ContainerCannotRun',
  'CreateContainerConfigError',
  'CreateContainerError',
]);

function describeFailure(kind: string, result: ContainerResult): string {
  if (startFailureReasons.has(result.reason) && result.message !== undefined) {
    return result.message;
  }
  const signal = result.signal === undefined ? '' : ` (${result.signal})`;
  return `${kind} ${JSON.stringify(result.name)} exited with code ${result.exitCode}${signal}`;
}

/** Returns the abort reason when it is a non-empty string, and DEFAULT_STOP_REASON otherwise. */
export function stopReasonOf(reason: unknown): string {
  return typeof reason === 'string' && reason !== '' ? reason : DEFAULT_STOP_REASON;
}
