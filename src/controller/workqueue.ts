import { performance } from 'node:perf_hooks';
import type { Clock, Timer } from '../util/clock.js';
import type { WorkQueueObserver } from '../util/metrics.js';
import type { ActivationGate } from './activation-gate.js';
import { DelayHeap } from './delay-heap.js';
import { Fifo } from './fifo.js';

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
  /** Receives the keys that become ready because their delay passed, as activations. */
  activations?: ActivationGate;
  /** Holds back new reconciles while this gate defers background work. */
  yieldTo?: ActivationGate;
}

/**
 * A delaying work queue keyed by object, shaped like client-go's. `add` makes a key ready at
 * once and `addAfter` at a later instant, where an earlier pending time wins. A key that is
 * being reconciled is marked dirty and reconciled again afterwards, never twice at once.
 *
 * Waiting keys sit in one heap behind a single clock timer, as in client-go's delaying queue,
 * so 100,000 requeued CronJobs cost one timer. A reconcile never starts inside the call that
 * added its key. With a synchronous store (better-sqlite3) the reconciles of a burst would run
 * as one chain of promise callbacks, and no timer, I/O callback or other queue would run until
 * the burst was over. So the queue starts reconciles back to back only for SLICE_MS, then lets
 * the event loop run once before it goes on.
 */
export class WorkQueue {
  private readonly clock: Clock;
  private readonly reconcile: Reconciler;
  private readonly concurrency: number;
  private readonly onError: ((key: string, error: unknown) => void) | undefined;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly observer: WorkQueueObserver | undefined;
  private readonly activations: ActivationGate | undefined;
  private readonly yieldTo: ActivationGate | undefined;
  private waitingForGate = false;

  private readonly ready = new Fifo<string>();
  private readonly readySet = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly waiting = new DelayHeap();
  /** The clock timer for the earliest waiting key, and the instant it was set for. */
  private timer: { at: number; handle: Timer } | undefined;
  private pumpScheduled = false;
  /** performance.now() when the current slice of back-to-back reconciles began. */
  private sliceStart = 0;
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
    this.activations = options.activations;
    this.yieldTo = options.yieldTo;
  }

  /** Makes `key` ready now. */
  add(key: string): void {
    if (this.stopped) return;
    this.stopWaiting(key);
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
    if (this.waiting.schedule(key, this.clock.now() + delayMs)) this.armTimer();
  }

  /** Returns the instant a delayed key becomes ready, if it is waiting. */
  pendingAt(key: string): number | undefined {
    return this.waiting.at(key);
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
    this.timer?.handle.cancel();
    this.timer = undefined;
    this.waiting.clear();
    this.ready.clear();
    this.readySet.clear();
    // A running key marked dirty would be queued again when it finishes and never run, so
    // idle() would wait forever.
    this.dirty.clear();
    this.activations?.clear();
    this.observer?.depthChanged(0);
    // Callers of idle() from before the stop may wait on keys that were ready.
    this.notifyIfIdle();
    await this.idle();
  }

  /**
   * Removes `key` from the waiting keys. The timer stays armed while other keys wait: when it
   * fires with nothing due, it re-arms for the next one.
   */
  private stopWaiting(key: string): void {
    this.waiting.remove(key);
    if (this.waiting.size > 0 || this.timer === undefined) return;
    this.timer.handle.cancel();
    this.timer = undefined;
  }

  /** Sets the clock timer for the earliest waiting key, unless a timer at or before it is set. */
  private armTimer(): void {
    const earliest = this.waiting.earliest();
    if (earliest === undefined || (this.timer !== undefined && this.timer.at <= earliest)) return;
    this.timer?.handle.cancel();
    const handle = this.clock.setTimer(Math.max(0, earliest - this.clock.now()), () => {
      if (this.timer?.handle !== handle) return;
      this.timer = undefined;
      this.addDueKeys();
    });
    this.timer = { at: earliest, handle };
  }

  /**
   * Makes every key whose instant has come ready and re-arms the timer. Node times a timer on
   * its own millisecond monotonic clock, not on the Clock, so a timer may fire a little before
   * its instant by the Clock. A key that is not due yet then waits for a new timer.
   */
  private addDueKeys(): void {
    const now = this.clock.now();
    for (let key = this.waiting.popDue(now); key !== undefined; key = this.waiting.popDue(now)) {
      // A key with failures waits for its retry, which is no activation.
      if (!this.failures.has(key)) this.activations?.begin(key);
      this.add(key);
    }
    this.armTimer();
  }

  private pump(): void {
    if (this.yieldTo !== undefined && this.ready.length > 0 && this.yieldTo.deferring()) {
      this.waitForGate(this.yieldTo);
      return;
    }
    while (!this.stopped && this.running < this.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      this.readySet.delete(key);
      this.observer?.depthChanged(this.ready.length);
      this.processing.add(key);
      this.running++;
      void this.process(key);
    }
    this.notifyIfIdle();
  }

  /** Resolves the idle() waiters when no key is ready or being reconciled. */
  private notifyIfIdle(): void {
    if (this.ready.length > 0 || this.processing.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Starts the next reconciles at once while the current slice lasts, and otherwise once the
   * event loop has run its timers and I/O callbacks.
   */
  private pumpNextSoon(): void {
    if (performance.now() - this.sliceStart < SLICE_MS) {
      this.pump();
      return;
    }
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.sliceStart = performance.now();
      this.pump();
    });
  }

  /** Pumps again once `gate` lets background work pass. */
  private waitForGate(gate: ActivationGate): void {
    if (this.waitingForGate) return;
    this.waitingForGate = true;
    void gate.pass().then(() => {
      this.waitingForGate = false;
      this.sliceStart = performance.now();
      this.pump();
    });
  }

  private async process(key: string): Promise<void> {
    // A key that became due while an earlier reconcile of it ran is handled by the next one.
    const activation = this.activations?.has(key) === true;
    // add() is often called from a store watch listener while the store is still delivering
    // an event. Starting one promise callback later keeps the reconcile out of that delivery.
    await Promise.resolve();
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
    if (activation) this.activations?.end(key);
    // The re-add of a dirty key was counted when it was marked, as client-go counts it.
    if (this.dirty.delete(key)) this.enqueueLater(key);
    else if (retryAfter !== undefined) this.requeue(key, retryAfter);
    else if (requeueAfter !== undefined) this.requeue(key, requeueAfter);
    this.pumpNextSoon();
  }

  /** Queues `key` again after a reconcile, to start when the queue pumps next. */
  private requeue(key: string, delayMs: number): void {
    if (delayMs > 0) {
      this.addAfter(key, delayMs);
      return;
    }
    if (this.stopped) return;
    this.stopWaiting(key);
    if (!this.readySet.has(key)) this.observer?.added();
    this.enqueueLater(key);
  }

  /** Queues `key` without starting a reconcile; the next pump starts it. */
  private enqueueLater(key: string): void {
    if (this.stopped || this.readySet.has(key)) return;
    this.readySet.add(key);
    this.ready.push(key);
    this.observer?.depthChanged(this.ready.length);
  }
}

/**
 * How long a queue starts reconciles back to back before it lets the event loop run, in
 * milliseconds. Timers and I/O wait at most about this long per busy queue, and a burst of
 * fast reconciles still runs many per turn of the event loop.
 */
const SLICE_MS = 10;
