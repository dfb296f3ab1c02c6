// A slow, obviously correct reference for EventBridge cron expressions: it decides each day with
// Date arithmetic written for this purpose, not with the engine's DayMatcher, and scans whole
// minutes one by one through Intl.

import type { EventBridgeCronSpec } from '../../src/schedule/index.js';
import { wallClockAt } from './wall-clock-reference.js';

const MINUTE_MS = 60_000;

/** Returns true when the calendar day matches the spec's day-of-month or day-of-week rule. */
export function dayMatches(
  spec: EventBridgeCronSpec,
  year: number,
  month: number,
  day: number,
): boolean {
  const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const days = Array.from({ length }, (_, index) => index + 1);
  const weekdayOf = (candidate: number) =>
    new Date(Date.UTC(year, month - 1, candidate)).getUTCDay();
  const workdays = days.filter(
    (candidate) => weekdayOf(candidate) >= 1 && weekdayOf(candidate) <= 5,
  );

  const dayOfMonth = spec.dayOfMonth;
  switch (dayOfMonth.kind) {
    case 'days':
      return dayOfMonth.days.includes(day);
    case 'last':
      return day === length;
    case 'lastWeekday':
      return day === Math.max(...workdays);
    case 'nearestWeekday': {
      if (dayOfMonth.day > length) return false;
      const distance = (candidate: number) => Math.abs(candidate - dayOfMonth.day);
      const nearest = workdays.reduce((best, candidate) =>
        distance(candidate) < distance(best) ? candidate : best,
      );
      return day === nearest;
    }
    case 'any':
      break;
  }

  const dayOfWeek = spec.dayOfWeek;
  switch (dayOfWeek.kind) {
    case 'weekdays':
      return dayOfWeek.weekdays.includes(weekdayOf(day) + 1);
    case 'last':
      return (
        day ===
        Math.max(...days.filter((candidate) => weekdayOf(candidate) + 1 === dayOfWeek.weekday))
      );
    case 'nth':
      return (
        day ===
        days.filter((candidate) => weekdayOf(candidate) + 1 === dayOfWeek.weekday)[
          dayOfWeek.occurrence - 1
        ]
      );
    case 'any':
      return false;
  }
}

/** Returns true when a wall-clock time (ms read as UTC) matches every field of the spec. */
export function wallClockMatches(spec: EventBridgeCronSpec, wallClock: number): boolean {
  const date = new Date(wallClock);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() + 1;
  return (
    spec.minutes.values.includes(date.getUTCMinutes()) &&
    spec.hours.values.includes(date.getUTCHours()) &&
    spec.month.values.includes(month) &&
    spec.year.values.includes(year) &&
    dayMatches(spec, year, month, date.getUTCDate())
  );
}

/**
 * Returns the first whole minute after `from` and at or before `until` whose wall clock in
 * `zone` matches (the wall-clock rule of the `kubernetes` policy), or null.
 */
export function scanNextWallClock(
  spec: EventBridgeCronSpec,
  zone: string,
  from: number,
  until: number,
): number | null {
  for (let minute = firstMinuteAfter(from); minute <= until; minute += MINUTE_MS) {
    if (wallClockMatches(spec, wallClockAt(minute, zone).ms)) return minute;
  }
  return null;
}

/**
 * Returns the next fire time under the `cron` policy for a fixed-time spec: a matching wall-clock
 * time fires at its first occurrence only, and a matching time that a forward jump skips fires
 * at the first instant after the jump. Valid for zones whose offsets are whole minutes and whose
 * backward jumps repeat at most two hours.
 */
export function scanNextOncePerLocalTime(
  spec: EventBridgeCronSpec,
  zone: string,
  from: number,
  until: number,
): number | null {
  for (let minute = firstMinuteAfter(from); minute <= until; minute += MINUTE_MS) {
    const wallClock = wallClockAt(minute, zone).ms;
    if (wallClockMatches(spec, wallClock) && !occurredEarlier(minute, wallClock, zone)) {
      return minute;
    }
    const previous = wallClockAt(minute - MINUTE_MS, zone).ms;
    for (let skipped = previous + MINUTE_MS; skipped < wallClock; skipped += MINUTE_MS) {
      if (wallClockMatches(spec, skipped)) return minute;
    }
  }
  return null;
}

function firstMinuteAfter(from: number): number {
  return Math.floor(from / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
}

function occurredEarlier(instant: number, wallClock: number, zone: string): boolean {
  for (let back = 15 * MINUTE_MS; back <= 2 * 60 * MINUTE_MS; back += 15 * MINUTE_MS) {
    if (wallClockAt(instant - back, zone).ms === wallClock) return true;
  }
  return false;
}
