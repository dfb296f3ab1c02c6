import type { Clock, Timer } from '../util/clock.js';

/**
 * Maximum time, in ms, that background work waits behind one burst of activations. An attempt
 * starts at most this much later than it would without the gate.
 *
 * A late start is the lesser harm: an activation reconciled after its CronJob's
 * startingDeadlineSeconds is skipped, with no Job at all. With this bound, 10,000 activations
 * in one process created their Jobs in 4.6 s, against 10.7 to 15.6 s with a bound of 1 s
 * (SQLite, no worker, one run each on a 2-CPU machine).
 */
export const DEFAULT_MAX_DEFER_MS = 5000;

/**
 * Tracks CronJob activations in progress, so that background work steps aside while they run.
 * When many CronJobs fire in the same second, the Jobs they create wake the Job controller,
 * the garbage collector and the worker, which then compete with the remaining activations for
 * the one event loop. Kubernetes runs these parts in separate processes.
 *
 * The CronJob work queue calls begin(key) when a key becomes ready because its scheduled time
 * came, and end(key) when a reconcile that started after that has finished. The other queues
 * and the worker wait in pass() while a deferral lasts: until no activation is left, or until
 * the deferral is maxDeferMs old. A new deferral starts only once as much time has passed
 * since the last one ended as that one lasted. So background work gets at least half of the
 * time, however often activations come (such as `@every 1s` schedules). The Event writers do
 * not wait: their queue keeps at most MAX_QUEUED_EVENTS and drops the Events beyond.
 */
export class ActivationGate {
  /** Activations per key: a key can come due again while its reconcile runs. */
  private readonly pending = new Map<string, number>();
  /** Ends the current deferral once it is maxDeferMs old; undefined when none lasts. */
  private deferral: Timer | undefined;
  /** Clock time at which the current or last deferral started. */
  private deferralStart = 0;
  /** Clock time at which the last deferral ended, and how long it lasted. */
  private lastEnd = Number.NEGATIVE_INFINITY;
  private lastLength = 0;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    private readonly maxDeferMs = DEFAULT_MAX_DEFER_MS,
  ) {}

  /** Records that `key` became ready because its scheduled time came. */
  begin(key: string): void {
    const starting = this.pending.size === 0;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    const now = this.clock.now();
    if (!starting || now - this.lastEnd < this.lastLength) return;
    this.deferralStart = now;
    this.deferral = this.clock.setTimer(this.maxDeferMs, () => this.release());
  }

  /** Tells whether `key` has an activation in progress. */
  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Records that a reconcile of `key` that started after begin(key) has finished. */
  end(key: string): void {
    const count = this.pending.get(key);
    if (count === undefined) return;
    if (count > 1) {
      this.pending.set(key, count - 1);
      return;
    }
    this.pending.delete(key);
    if (this.pending.size === 0) this.release();
  }

  /** Forgets every activation, for a queue that stops. */
  clear(): void {
    this.pending.clear();
    this.release();
  }

  /** Tells whether background work should wait now. */
  deferring(): boolean {
    return this.deferral !== undefined;
  }

  /**
   * Resolves at once unless deferring() is true. Then it resolves when the last activation
   * ends or when the deferral is maxDeferMs old, whichever comes first.
   */
  pass(): Promise<void> {
    if (!this.deferring()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Ends the current deferral, if one lasts, and lets every waiter pass. */
  private release(): void {
    if (this.deferral !== undefined) {
      this.deferral.cancel();
      this.deferral = undefined;
      this.lastEnd = this.clock.now();
      this.lastLength = this.lastEnd - this.deferralStart;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const done of waiters) done();
  }
}
