/** Delay before the second restart of a failing container: kubelet's `backOffPeriod`, 10 s. */
export const DEFAULT_RESTART_BACKOFF_MS = 10_000;

/** Cap of the restart delay: kubelet's `MaxContainerBackOff`, 300 s. */
export const DEFAULT_MAX_RESTART_BACKOFF_MS = 300_000;

/**
 * Restart back-off of one container inside one attempt, computed the way the kubelet's
 * `doBackOff` does it with client-go's `flowcontrol.Backoff` and default kubelet settings:
 *
 * - The first failure restarts the container at once, and the delay becomes `initialMs`.
 * - Each later failure waits the current delay, counted from the failure, and the next
 *   delay doubles up to `maxMs`. So the delays run 0, 10 s, 20 s, 40 s, ..., 300 s.
 * - When more than 2 × `maxMs` (10 min) passed between the last restart and a failure,
 *   the container counts as having run well, so it restarts at once and the delay starts
 *   over at `initialMs`.
 */
export class RestartBackoff {
  private delayMs: number | undefined;
  private lastRestartAt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** Returns how long to wait after a failure at `failedAt` before restarting. */
  delayAfterFailure(failedAt: number): number {
    if (this.delayMs === undefined || this.hasExpired(failedAt)) return 0;
    return this.delayMs;
  }

  /** Records a restart at `restartedAt` of a container that failed at `failedAt`. */
  recordRestart(failedAt: number, restartedAt: number): void {
    if (this.delayMs === undefined || this.hasExpired(failedAt)) {
      this.delayMs = this.initialMs;
    } else {
      this.delayMs = Math.min(this.delayMs * 2, this.maxMs);
    }
    this.lastRestartAt = restartedAt;
  }

  private hasExpired(failedAt: number): boolean {
    return failedAt - this.lastRestartAt > 2 * this.maxMs;
  }
}
