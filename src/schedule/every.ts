import { SECOND_MS } from './calendar.js';
import type { EverySpec } from './parse.js';
import type { DstPolicy, Schedule } from './types.js';

/**
 * An `@every <duration>` schedule. As in robfig's ConstantDelaySchedule, the next time is
 * anchored on the instant asked about: `from` with its fraction of a second dropped, plus the
 * interval. The previous time is anchored the same way: `before` with its fraction dropped,
 * minus the interval. So `prev(next(t))` is `t` and `next(prev(t))` is `t` for whole-second `t`,
 * and neither depends on any earlier fire time. Zones and DST policies do not affect it.
 */
export class EverySchedule implements Schedule {
  private readonly intervalMs: number;

  constructor(
    spec: EverySpec,
    readonly timeZone: string,
    readonly dstPolicy: DstPolicy,
  ) {
    this.intervalMs = spec.intervalSeconds * SECOND_MS;
  }

  next(from: number): number {
    if (!Number.isFinite(from)) throw new RangeError(`from must be a finite instant, got ${from}`);
    return Math.floor(from / SECOND_MS) * SECOND_MS + this.intervalMs;
  }

  prev(before: number): number {
    if (!Number.isFinite(before)) {
      throw new RangeError(`before must be a finite instant, got ${before}`);
    }
    return Math.floor(before / SECOND_MS) * SECOND_MS - this.intervalMs;
  }
}
