import { DAY_MS, HOUR_MS, MINUTE_MS } from './calendar.js';
import { WINDOW_MARGIN_MS } from './horizon.js';
import type { ZoneOffsets } from './zone.js';

/** A schedule's time-of-day fields, as the day search reads them. */
export interface WallClockFields {
  /** The smallest matching minute. */
  readonly firstMinute: number;
  hourMatches(hour: number): boolean;
  /** Returns the smallest matching minute ≥ `minute` (0-60), or -1. */
  minuteAtOrAfter(minute: number): number;
  /** Returns the smallest matching hour ≥ `hour` (0-24), or -1. */
  hourAtOrAfter(hour: number): number;
}

/**
 * Returns the first matching wall-clock time (ms, read as UTC) in [`lower`, `upper`) on the day
 * that starts at `dayStart`, or null.
 */
export function firstWallClock(
  fields: WallClockFields,
  dayStart: number,
  lower: number,
  upper: number,
): number | null {
  const fromStart = Math.max(0, lower - dayStart);
  let hour = Math.floor(fromStart / HOUR_MS);
  let minute = Math.ceil((fromStart - hour * HOUR_MS) / MINUTE_MS);
  if (minute === 60) {
    hour += 1;
    minute = 0;
  }
  if (hour >= 24) return null;

  let found: number | null = null;
  const sameHourMinute = fields.hourMatches(hour) ? fields.minuteAtOrAfter(minute) : -1;
  if (sameHourMinute >= 0) {
    found = dayStart + hour * HOUR_MS + sameHourMinute * MINUTE_MS;
  } else {
    const laterHour = fields.hourAtOrAfter(hour + 1);
    if (laterHour >= 0) found = dayStart + laterHour * HOUR_MS + fields.firstMinute * MINUTE_MS;
  }
  return found !== null && found < upper ? found : null;
}

/**
 * Returns the first instant ≥ `start` whose wall clock is a matching time on local day `day`, or
 * null. `fixedTime` selects the `cron` policy's rule for a fixed-time schedule: a local time that
 * a forward jump skips runs at the transition, and one that a backward jump repeats runs once.
 * Otherwise the wall-clock rule applies, as in robfig/cron.
 */
export function firstInstantOnDay(
  offsets: ZoneOffsets,
  fixedTime: boolean,
  fields: WallClockFields,
  day: number,
  start: number,
): number | null {
  const dayStart = day * DAY_MS;
  const dayEnd = dayStart + DAY_MS;
  const windowStart = dayStart - WINDOW_MARGIN_MS;
  const windowEnd = dayEnd + WINDOW_MARGIN_MS;
  const offsetBefore = offsets.offsetAt(windowStart);
  const offsetAfter = offsets.offsetAt(windowEnd);

  // NOTE: equal offsets at both ends of the window are taken to mean no transition inside
  // it. Two transitions within about 56 hours that cancel out would be missed.
  if (offsetBefore === offsetAfter) {
    const wallClock = firstWallClock(fields, dayStart, start + offsetBefore, dayEnd);
    return wallClock === null ? null : wallClock - offsetBefore;
  }

  // One transition: wall clock = instant + offsetBefore before it, + offsetAfter from it on.
  const transition = offsets.transitionBetween(windowStart, windowEnd);
  const beforeTransition = firstWallClock(
    fields,
    dayStart,
    start + offsetBefore,
    Math.min(dayEnd, transition + offsetBefore),
  );
  if (beforeTransition !== null) return beforeTransition - offsetBefore;

  // Forward jump: wall-clock times in [transition + offsetBefore, transition + offsetAfter)
  // never occur. The cron policy runs a fixed-time schedule due then at the transition.
  if (fixedTime && offsetAfter > offsetBefore && transition >= start) {
    const gapEnd = Math.min(dayEnd, transition + offsetAfter);
    const skipped = firstWallClock(fields, dayStart, transition + offsetBefore, gapEnd);
    if (skipped !== null) return transition;
  }

  // Backward jump: wall-clock times in [transition + offsetAfter, transition + offsetBefore)
  // occur twice. The cron policy runs a fixed-time schedule only at the first occurrence.
  let lower = Math.max(start, transition) + offsetAfter;
  if (fixedTime && offsetAfter < offsetBefore) {
    lower = Math.max(lower, transition + offsetBefore);
  }
  const afterTransition = firstWallClock(fields, dayStart, lower, dayEnd);
  return afterTransition === null ? null : afterTransition - offsetAfter;
}
