import type { Clock } from '../util/clock.js';
import { AttemptRun, type AttemptSettings } from './attempt.js';
import type { Confiner } from './confinement.js';
import { InvalidExecutorOptionError } from './errors.js';
import { DEFAULT_MAX_RESTART_BACKOFF_MS, DEFAULT_RESTART_BACKOFF_MS } from './restart-backoff.js';
import type { AttemptHooks, AttemptResult, AttemptSpec } from './types.js';
import { validateAttemptSpec } from './validate.js';

export interface ProcessExecutorOptions {
  /** Clock for the restart delays, the grace period and the output drain timeout. */
  clock: Clock;
  /** First non-zero restart delay in ms (restartPolicy OnFailure). Defaults to 10 000. */
  restartBackoffMs?: number;
  /**
   * Maximum restart delay in ms. Defaults to 300 000. A container that ran for more than
   * twice this long before failing restarts at once, and the delays start over.
   */
  maxRestartBackoffMs?: number;
  /**
   * Layers wrapped around every container process, innermost first (see confinement.ts).
   * Defaults to none: the process runs with cronmesh's own user, limits and filesystem view.
   */
  confiners?: readonly Confiner[];
}

/**
 * Runs one attempt (the role of a Pod) as local child processes: init containers one at a
 * time, then the containers concurrently. Results and output go to the caller through
 * hooks, because the runtime layer does not touch the store.
 *
 * Each container runs `command` followed by `args`, without a shell, in its own process
 * group. Aborting `signal` sends SIGTERM to every group, then SIGKILL after
 * `terminationGracePeriodSeconds`. When a container's main process exits, the rest of its
 * group is killed, as Kubernetes kills a container's cgroup.
 */
export class ProcessExecutor {
  private readonly settings: Readonly<AttemptSettings>;

  constructor(options: ProcessExecutorOptions) {
    const restartBackoffMs = options.restartBackoffMs ?? DEFAULT_RESTART_BACKOFF_MS;
    const maxRestartBackoffMs = options.maxRestartBackoffMs ?? DEFAULT_MAX_RESTART_BACKOFF_MS;
    if (!Number.isFinite(restartBackoffMs) || restartBackoffMs <= 0) {
      throw new InvalidExecutorOptionError(
        'restartBackoffMs',
        restartBackoffMs,
        'a number of milliseconds > 0',
      );
    }
    if (!Number.isFinite(maxRestartBackoffMs) || maxRestartBackoffMs < restartBackoffMs) {
      throw new InvalidExecutorOptionError(
        'maxRestartBackoffMs',
        maxRestartBackoffMs,
        `a number of milliseconds >= restartBackoffMs (${restartBackoffMs})`,
      );
    }
    this.settings = Object.freeze({
      clock: options.clock,
      restartBackoffMs,
      maxRestartBackoffMs,
      confiners: [...(options.confiners ?? [])],
    });
  }

  /**
   * Runs the attempt to its end and returns its result. A failing container is reported in
   * the result, not raised. Aborting `signal` stops the attempt. The abort reason, when it
   * is a string such as `DeadlineExceeded`, becomes the result's reason, and any other
   * reason becomes `Stopped`.
   *
   * Rejects with InvalidAttemptSpecError before starting anything when the spec is invalid,
   * and with a hook's error, after every process has exited, when a hook throws.
   */
  async run(spec: AttemptSpec, hooks: AttemptHooks, signal?: AbortSignal): Promise<AttemptResult> {
    validateAttemptSpec(spec);
    return new AttemptRun(spec, hooks, this.settings).execute(signal);
  }
}
