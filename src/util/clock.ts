/**
 * Time source for every long-running part of cronmesh. Controllers, the work queue and
 * the worker read time only through a Clock, so tests drive them with FakeClock.
 */
export interface Clock {
  /** Returns the current instant in milliseconds since the Unix epoch. */
  now(): number;
  /** Runs `callback` once after `delayMs` milliseconds of this clock's time. */
  setTimer(delayMs: number, callback: () => void): Timer;
}

/** A pending callback registered with a Clock. */
export interface Timer {
  cancel(): void;
}

/** Clock backed by the system time and Node's timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    // Node clamps delays above 2^31-1 ms to 1 ms, so long waits are split into hops.
    const maxDelay = 2_147_483_647;
    let handle: NodeJS.Timeout;
    const arm = (remaining: number): void => {
      const hop = Math.min(Math.max(remaining, 0), maxDelay);
      handle = setTimeout(() => {
        if (remaining > maxDelay) arm(remaining - maxDelay);
        else callback();
      }, hop);
      handle.unref?.();
    };
    arm(delayMs);
    return { cancel: () => clearTimeout(handle) };
  }
}

/**
 * Clock that runs `rate` times faster than the system clock, from `start` at the real instant
 * `realOrigin`. Processes given the same three values agree on the time, so end-to-end tests
 * can let many scheduled minutes pass in a few real seconds across several processes.
 */
export class ScaledClock implements Clock {
  private readonly system = new SystemClock();

  constructor(
    private readonly realOrigin: number,
    private readonly start: number,
    private readonly rate: number,
  ) {
    if (!(rate > 0) || !Number.isFinite(rate)) {
      throw new RangeError(`invalid clock rate ${rate}: expected a positive number`);
    }
  }

  now(): number {
    return Math.floor(this.start + (Date.now() - this.realOrigin) * this.rate);
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    return this.system.setTimer(delayMs / this.rate, callback);
  }
}

interface FakeTimer {
  at: number;
  seq: number;
  callback: () => void;
  cancelled: boolean;
}

/**
 * Clock whose time moves only when a test calls `advance` or `set`. Timers due within the
 * advanced span fire in time order, with `now()` equal to each timer's due instant.
 */
export class FakeClock implements Clock {
  private current: number;
  private timers: FakeTimer[] = [];
  private seq = 0;

  constructor(start: number | string) {
    this.current = typeof start === 'string' ? Date.parse(start) : start;
    if (Number.isNaN(this.current)) throw new Error(`invalid start time: ${String(start)}`);
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const timer: FakeTimer = {
      at: this.current + Math.max(0, delayMs),
      seq: this.seq++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Moves time to `target` (milliseconds or an RFC 3339 string), firing due timers in order. */
  set(target: number | string): void {
    const end = typeof target === 'string' ? Date.parse(target) : target;
    if (Number.isNaN(end)) throw new Error(`invalid time: ${String(target)}`);
    for (;;) {
      const due = this.nextDue(end);
      if (due === undefined) break;
      this.timers.splice(this.timers.indexOf(due), 1);
      this.current = Math.max(this.current, due.at);
      due.callback();
    }
    this.current = Math.max(this.current, end);
  }

  /** Returns the number of timers that have not fired or been cancelled. */
  pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  private nextDue(end: number): FakeTimer | undefined {
    this.timers = this.timers.filter((timer) => !timer.cancelled);
    let best: FakeTimer | undefined;
    for (const timer of this.timers) {
      if (timer.at > end) continue;
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) {
        best = timer;
      }
    }
    return best;
  }
}
