// Previous fire times of five-field schedules: the forward search of next.ts run backwards. The
// search jumps to the previous matching day through the calendar, then to the last matching hour
// and minute of that day, and maps wall-clock times to instants with the zone's offsets. Both
// DST policies give exactly the fire times that `next` steps through, so that
// `next(prev(t))` is the first fire time at or after `t` whenever `prev(t)` is not null.

import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  weekday,
} from './calendar.js';
import { HORIZON_YEARS, MAX_SEARCH_FROM_MS, WINDOW_MARGIN_MS } from './horizon.js';
import type { ZoneOffsets } from './zone.js';

/** The parts of a compiled five-field schedule that the backward search reads. */
export interface FieldTables {
  readonly offsets: ZoneOffsets;
  minuteMatches(minute: number): boolean;
  hourMatches(hour: number): boolean;
  /** Takes the month 1-12. */
  monthMatches(month: number): boolean;
  /** True when some field matches no value at all, so the schedule never fires. */
  readonly neverFires: boolean;
  /** True under the `cron` policy for a fixed-time schedule (see Schedule.oncePerLocalTime). */
  readonly oncePerLocalTime: boolean;
  /** Applies robfig's day-of-month/day-of-week rule; `dayOfWeek` is 0 for Sunday. */
  dayMatches(dayOfMonth: number, dayOfWeek: number): boolean;
}

/**
 * Returns the last fire time strictly before `before`, or null when none falls on or after
 * January 1 of the fifth calendar year before the year of `before` in the schedule's zone.
 * Throws RangeError for an instant outside the range that `next` accepts.
 */
export function previousFireTime(tables: FieldTables, before: number): number | null {
  if (!Number.isFinite(before) || Math.abs(before) > MAX_SEARCH_FROM_MS) {
    throw new RangeError(
      `before must be a finite instant within ±${MAX_SEARCH_FROM_MS} ms, got ${before}`,
    );
  }
  if (tables.neverFires) return null;

  const endDay = Math.floor((before + tables.offsets.offsetAt(before)) / DAY_MS);
  const firstDay = daysFromCivil(civilFromDays(endDay).year - HORIZON_YEARS, 1, 1);

  // Around a backward jump, an instant before `before` can carry the next day's wall clock,
  // and an earlier day can hold a later instant. So the search starts a day late and goes on
  // until no earlier day can beat the best instant found.
  let best: number | null = null;
  let day = previousMatchingDay(tables, endDay + 1, firstDay);
  while (day !== null) {
    if (best !== null && (day + 1) * DAY_MS + WINDOW_MARGIN_MS <= best) break;
    const found = lastInstantOnDay(tables, day, before);
    if (found !== null && (best === null || found > best)) best = found;
    day = previousMatchingDay(tables, day - 1, firstDay);
  }
  return best;
}

/**
 * Returns true when a wall-clock time (ms read as UTC) matches the fields. Times with a
 * fraction of a minute never match, because the fields fire at second 0.
 */
export function matchesWallClock(tables: FieldTables, wallClock: number): boolean {
  if (!Number.isFinite(wallClock)) return false;
  const dayNumber = Math.floor(wallClock / DAY_MS);
  const timeOfDay = wallClock - dayNumber * DAY_MS;
  if (timeOfDay % MINUTE_MS !== 0) return false;

  const hour = Math.floor(timeOfDay / HOUR_MS);
  const minute = (timeOfDay % HOUR_MS) / MINUTE_MS;
  const date = civilFromDays(dayNumber);
  return (
    tables.monthMatches(date.month) &&
    tables.dayMatches(date.day, weekday(dayNumber)) &&
    tables.hourMatches(hour) &&
    tables.minuteMatches(minute)
  );
}

/** Returns the last day number ≤ `dayNumber` and ≥ `firstDay` whose date matches, or null. */
function previousMatchingDay(
  tables: FieldTables,
  dayNumber: number,
  firstDay: number,
): number | null {
  let { year, month, day } = civilFromDays(dayNumber);
  for (;;) {
    const monthStart = daysFromCivil(year, month, 1);
    if (monthStart + daysInMonth(year, month) - 1 < firstDay) return null;
    if (tables.monthMatches(month)) {
      let dayOfWeek = weekday(monthStart + day - 1);
      for (; day >= 1; day--) {
        if (tables.dayMatches(day, dayOfWeek)) {
          const found = monthStart + day - 1;
          return found < firstDay ? null : found;
        }
        dayOfWeek = (dayOfWeek + 6) % 7;
      }
    }
    month -= 1;
    if (month < 1) {
      month = 12;
      year -= 1;
    }
    day = daysInMonth(year, month);
  }
}

/**
 * Returns the last instant < `before` whose wall clock is a matching time on local day `day`,
 * under the schedule's DST policy, or null. It mirrors firstInstantOnDay of next.ts, so the
 * checks run in the opposite order: after the transition, in the skipped interval, before it.
 */
function lastInstantOnDay(tables: FieldTables, day: number, before: number): number | null {
  const dayStart = day * DAY_MS;
  const dayEnd = dayStart + DAY_MS;
  const windowStart = dayStart - WINDOW_MARGIN_MS;
  const windowEnd = dayEnd + WINDOW_MARGIN_MS;
  const offsetBefore = tables.offsets.offsetAt(windowStart);
  const offsetAfter = tables.offsets.offsetAt(windowEnd);

  // NOTE: as in next.ts, equal offsets at both ends of the window are taken to mean no
  // transition inside it.
  if (offsetBefore === offsetAfter) {
    const wallClock = lastWallClock(tables, dayStart, dayStart, before + offsetBefore);
    return wallClock === null ? null : wallClock - offsetBefore;
  }

  // One transition: wall clock = instant + offsetBefore before it, + offsetAfter from it on.
  // After a backward jump, the cron policy runs a fixed-time schedule only at the first
  // occurrence of a repeated wall-clock time, so the repeated interval is left out here.
  const transition = tables.offsets.transitionBetween(windowStart, windowEnd);
  let lower = transition + offsetAfter;
  if (tables.oncePerLocalTime && offsetAfter < offsetBefore) {
    lower = Math.max(lower, transition + offsetBefore);
  }
  const afterTransition = lastWallClock(tables, dayStart, lower, before + offsetAfter);
  if (afterTransition !== null) return afterTransition - offsetAfter;

  // Forward jump: the cron policy runs a fixed-time schedule due in the skipped interval at the
  // transition.
  if (tables.oncePerLocalTime && offsetAfter > offsetBefore && transition < before) {
    const skipped = lastWallClock(
      tables,
      dayStart,
      transition + offsetBefore,
      transition + offsetAfter,
    );
    if (skipped !== null) return transition;
  }

  const beforeTransition = lastWallClock(
    tables,
    dayStart,
    dayStart,
    Math.min(transition, before) + offsetBefore,
  );
  return beforeTransition === null ? null : beforeTransition - offsetBefore;
}

/**
 * Returns the last matching wall-clock time (ms, read as UTC) in [`lower`, `upper`) on the
 * day that starts at `dayStart`, or null.
 */
function lastWallClock(
  tables: FieldTables,
  dayStart: number,
  lower: number,
  upper: number,
): number | null {
  const limit = Math.min(upper, dayStart + DAY_MS) - dayStart;
  if (limit <= 0) return null;

  // The last whole minute of the day strictly before `limit`.
  const lastMinuteOfDay = Math.ceil(limit / MINUTE_MS) - 1;
  let hour = Math.floor(lastMinuteOfDay / 60);
  let minute = lastMinuteOfDay - hour * 60;
  let found: number | null = null;
  if (tables.hourMatches(hour)) {
    minute = minuteAtOrBefore(tables, minute);
    if (minute >= 0) found = dayStart + hour * HOUR_MS + minute * MINUTE_MS;
  }
  if (found === null) {
    hour = hourAtOrBefore(tables, hour - 1);
    minute = minuteAtOrBefore(tables, 59);
    if (hour >= 0 && minute >= 0) found = dayStart + hour * HOUR_MS + minute * MINUTE_MS;
  }
  return found !== null && found >= lower ? found : null;
}

// The largest matching minute ≤ `minute`, or -1. At most 60 steps, so no table is kept for it.
function minuteAtOrBefore(tables: FieldTables, minute: number): number {
  for (let candidate = minute; candidate >= 0; candidate--) {
    if (tables.minuteMatches(candidate)) return candidate;
  }
  return -1;
}

function hourAtOrBefore(tables: FieldTables, hour: number): number {
  for (let candidate = hour; candidate >= 0; candidate--) {
    if (tables.hourMatches(candidate)) return candidate;
  }
  return -1;
}
