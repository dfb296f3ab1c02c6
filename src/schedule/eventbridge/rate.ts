import { SECOND_MS } from '../calendar.js';
import type { DstPolicy, Schedule } from '../types.js';
import type { RateSpec } from './types.js';

// The latest instant a JavaScript Date can hold.
const MAX_INSTANT_MS = 8.64e15;

/**
 * A `rate(value unit)` schedule: fire times are `anchor + k × period` for whole k ≥ 0. The anchor
 * is the schedule's start (EventBridge Scheduler's StartDate, or the time the schedule was
 * created) when one is given, else the instant asked about, so that `next(from)` is then
 * `from + period`. Anchors are truncated to whole seconds. Zones and DST policies do not matter,
 * because EventBridge Scheduler counts a day as 24 hours.
 */
export class RateSchedule implements Schedule {
  private readonly periodMs: number;
  private readonly anchor: number | undefined;

  constructor(
    spec: RateSpec,
    readonly timeZone: string,
    readonly dstPolicy: DstPolicy,
    anchor: number | undefined,
  ) {
    this.periodMs = spec.periodMs;
    this.anchor = anchor === undefined ? undefined : truncateToSecond(anchor);
  }

  /**
   * Returns the first fire time strictly after `from`, or null when it would fall after the
   * latest instant a Date can hold. Throws RangeError when `from` is not a finite number.
   */
  next(from: number): number | null {
    if (!Number.isFinite(from)) throw new RangeError(`from must be a finite instant, got ${from}`);
    const anchor = this.anchor ?? truncateToSecond(from);
    if (anchor > from) return anchor;

    const periods = Math.floor((from - anchor) / this.periodMs) + 1;
    let next = anchor + periods * this.periodMs;
    // Instants more than 2^53 ms apart lose precision in the subtraction, so the estimate can be
    // a period off either way.
    while (next <= from) next += this.periodMs;
    while (next - this.periodMs > from) next -= this.periodMs;
    return next <= MAX_INSTANT_MS ? next : null;
  }

  /**
   * Returns the last fire time strictly before `before`: the last `anchor + k × period` with
   * k ≥ 0 before it, or null before the anchor. Without an anchor it mirrors `next` and returns
   * `before`, truncated to whole seconds, minus one period.
   */
  prev(before: number): number | null {
    if (!Number.isFinite(before)) {
      throw new RangeError(`before must be a finite instant, got ${before}`);
    }
    if (this.anchor === undefined) return truncateToSecond(before) - this.periodMs;
    if (before <= this.anchor) return null;

    let previous =
      this.anchor + (Math.ceil((before - this.anchor) / this.periodMs) - 1) * this.periodMs;
    // The same precision guard as in next: the estimate can be a period off either way.
    while (previous >= before) previous -= this.periodMs;
    while (previous + this.periodMs < before) previous += this.periodMs;
    return previous >= this.anchor ? previous : null;
  }
}

function truncateToSecond(ms: number): number {
  return Math.floor(ms / SECOND_MS) * SECOND_MS;
}
