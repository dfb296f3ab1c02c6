import { SECOND_MS } from './calendar.js';
import type { EverySpec } from './parse.js';
import type { DstPolicy, Schedule } from './types.js';

/**
 * An `@every <duration>` schedule. As in robfig's ConstantDelaySchedule, the next time is
 * anchored on the instant asked about: `from` with its fraction of a second dropped, plus the
 * interval. Zones and DST policies do not affect it.
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
}
