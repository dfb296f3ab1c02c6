import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from '../util/clock.js';
import type { WorkQueueObserver } from '../util/metrics.js';

/** Outcome of one reconcile: requeue after a delay in milliseconds, or forget the key. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

export type Reconciler = (key: string) => Promise<ReconcileResult>;

export interface WorkQueueOptions {
  clock: Clock;
  reconcile: Reconciler;
  /** Keys reconciled at the same time; a key is never reconciled twice at once. */
  concurrency?: number;
  /** Called when a reconcile throws; the key is retried with per-key exponential back-off. */
  onError?: (key: string, error: unknown) => void;
  /** First retry delay after an error, doubled per consecutive failure. */
  retryBaseMs?: number;
  /** Upper bound of the retry delay. */
  retryMaxMs?: number;
  /** Receives adds, retries and reconcile durations, for metrics. */
  observer?: WorkQueueObserver;
}

/**
 * A delaying work queue keyed by object, shaped like client-go's. `add` makes a key ready at
 * once and `addAfter` at a later instant, where an earlier pending time wins. A key that is
 * being reconciled is marked dirty and reconciled again afterwards, never twice at once.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly reconcile: Reconciler;
  private readonly concurrency: number;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly observer: WorkQueueObserver | undefined;

  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly delayed = new Map<string, { at: number; timer: Timer }>();
  private readonly failures = new Map<string, number>();
  private running = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions) {
    this.clock = options.clock;
    this.reconcile = options.reconcile;
    this.concurrency = options.concurrency ?? 5;
    this.onError = options.onError;
    this.retryBaseMs = options.retryBaseMs ?? 5;
    this.retryMaxMs = options.retryMaxMs ?? 1_000_000;
    this.observer = options.observer;
  }

  /** Makes `key` ready now. */
  add(key: string): void {
    if (this.stopped) return;
    const pending = this.delayed.get(key);
    if (pending) {
      pending.timer.cancel();
      this.delayed.delete(key);
    }
    if (this.processing.has(key)) {
      if (!this.dirty.has(key)) this.observer?.added();
      this.dirty.add(key);
      return;
    }
    if (!this.readySet.has(key)) this.observer?.added();
    this.enqueue(key);
  }

  private enqueue(key: string): void {
    if (!this.readySet.has(key)) {
      this.readySet.add(key);
      this.ready.push(key);
      this.observer?.depthChanged(this.ready.length);
    }
    this.pump();
  }

  /** Makes `key` ready after `delayMs`, unless it is already due earlier. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.readySet.has(key)) return;
    const at = this.clock.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.timer.cancel();
    const timer = this.clock.setTimer(delayMs, () => {
      const current = this.delayed.get(key);
      if (current?.timer !== timer) return;
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, timer });
  }

  /** Returns the instant a delayed key becomes ready, if it is waiting. */
  pendingAt(key: string): number | undefined {
    return this.delayed.get(key)?.at;
  }

  /** Returns the number of keys ready or being reconciled. */
  get depth(): number {
    return this.ready.length + this.processing.size;
  }

  /** Resolves when no key is ready or being reconciled. Delayed keys do not count. */
  async idle(): Promise<void> {
    while (this.ready.length > 0 || this.processing.size > 0) {
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
  }

  /** Stops taking work, cancels delayed keys, and waits for running reconciles. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.delayed.values()) timer.cancel();
    this.delayed.clear();
    this.ready.length = 0;
    this.readySet.clear();
    // A running key marked dirty would be queued again when it finishes and never run, so
    // idle() would wait forever.
    this.dirty.clear();
    this.observer?.depthChanged(0);
    await this.idle();
  }

  private pump(): void {
    while (!this.stopped && this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      this.readySet.delete(key);
      this.observer?.depthChanged(this.ready.length);
      this.processing.add(key);
      this.running++;
      void this.process(key);
    }
    if (this.ready.length === 0 && this.processing.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async process(key: string): Promise<void> {
    let retryAfter: number | undefined;
    let requeueAfter: number | undefined;
    // Reconcile durations are measured, not scheduled, so they use the monotonic timer rather
    // than the injected Clock, which a test may hold still.
    const started = performance.now();
    try {
      const result = await this.reconcile(key);
      this.failures.delete(key);
      requeueAfter = result.requeueAfterMs;
    } catch (error) {
      const count = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, count);
      retryAfter = Math.min(this.retryBaseMs * 2 ** (count - 1), this.retryMaxMs);
      this.onError?.(key, error);
      this.observer?.retried();
    }
    this.observer?.processed((performance.now() - started) / 1000);
    this.processing.delete(key);
    this.running--;
    // The re-add of a dirty key was counted when it was marked, as client-go counts it.
    if (this.dirty.delete(key)) this.enqueue(key);
    else if (retryAfter !== undefined) this.addAfter(key, retryAfter);
    else if (requeueAfter !== undefined) this.addAfter(key, requeueAfter);
    this.pump();
  }
}
