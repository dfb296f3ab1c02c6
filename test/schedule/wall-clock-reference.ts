// A slow, obviously correct reference for the wall-clock rule: scan whole minutes one by one
// and keep the first instant whose local time matches the fields. It reads local times through
// Intl directly, not through the engine's offset cache.

import type { CronFieldsSpec } from '../../src/schedule/index.js';

export interface WallClock {
  /** The wall-clock time as milliseconds, read as if it were UTC. */
  ms: number;
  minute: number;
  hour: number;
  dayOfMonth: number;
  month: number;
  dayOfWeek: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const formats = new Map<string, Intl.DateTimeFormat>();

/** Returns the wall-clock fields of instant `ms` in `zone`. */
export function wallClockAt(ms: number, zone: string): WallClock {
  let format = formats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(zone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(ms)) parts[part.type] = part.value;
  const wallClock = Date.UTC(
    Number(parts['year']),
    Number(parts['month']) - 1,
    Number(parts['day']),
    Number(parts['hour']),
    Number(parts['minute']),
  );
  return {
    ms: wallClock,
    minute: Number(parts['minute']),
    hour: Number(parts['hour']),
    dayOfMonth: Number(parts['day']),
    month: Number(parts['month']),
    dayOfWeek: WEEKDAYS.indexOf(parts['weekday'] ?? ''),
  };
}

/** Returns true when the wall clock matches the spec, with robfig's day-of-month/week rule. */
export function fieldsMatch(spec: CronFieldsSpec, clock: WallClock): boolean {
  const dayOfMonth = spec.dayOfMonth.values.includes(clock.dayOfMonth);
  const dayOfWeek = spec.dayOfWeek.values.includes(clock.dayOfWeek);
  const day =
    spec.dayOfMonth.star || spec.dayOfWeek.star ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
  return (
    day &&
    spec.minute.values.includes(clock.minute) &&
    spec.hour.values.includes(clock.hour) &&
    spec.month.values.includes(clock.month)
  );
}

/**
 * Returns the first whole minute after `from` and at or before `until` whose wall clock in
 * `zone` matches, or null. Valid for zones whose offsets are whole minutes.
 */
export function scanNext(
  spec: CronFieldsSpec,
  zone: string,
  from: number,
  until: number,
): number | null {
  for (
    let minute = Math.floor(from / 60_000) * 60_000 + 60_000;
    minute <= until;
    minute += 60_000
  ) {
    if (fieldsMatch(spec, wallClockAt(minute, zone))) return minute;
  }
  return null;
}

function wallClockOfMs(wallClock: number): WallClock {
  const date = new Date(wallClock);
  return {
    ms: wallClock,
    minute: date.getUTCMinutes(),
    hour: date.getUTCHours(),
    dayOfMonth: date.getUTCDate(),
    month: date.getUTCMonth() + 1,
    dayOfWeek: date.getUTCDay(),
  };
}

/**
 * Returns the next fire time under the cron DST policy, found by brute force, for fixed-time
 * specs. A matching wall-clock time fires at its first occurrence only, and a matching time
 * inside a forward jump fires at the first instant after the jump. The result is the first
 * such instant after `from` and at or before `until`, or null. Valid for zones whose offsets are whole minutes and whose transitions
 * repeat at most two hours.
 */
export function scanNextCron(
  spec: CronFieldsSpec,
  zone: string,
  from: number,
  until: number,
): number | null {
  for (
    let minute = Math.floor(from / 60_000) * 60_000 + 60_000;
    minute <= until;
    minute += 60_000
  ) {
    if (firesUnderCron(spec, zone, minute)) return minute;
  }
  return null;
}

/**
 * Returns true when the whole minute `minute` is a fire time of a fixed-time spec under the cron
 * DST policy. That is the case when its wall clock matches and occurs for the first time, or
 * when a forward jump right before it skipped a matching wall-clock time.
 */
export function firesUnderCron(spec: CronFieldsSpec, zone: string, minute: number): boolean {
  const clock = wallClockAt(minute, zone);
  if (fieldsMatch(spec, clock) && !occurredEarlier(minute, clock, zone)) return true;

  // After a forward jump right before `minute`, the wall-clock times between the previous
  // minute's and this one's never occurred.
  const previous = wallClockAt(minute - 60_000, zone);
  for (let skipped = previous.ms + 60_000; skipped < clock.ms; skipped += 60_000) {
    if (fieldsMatch(spec, wallClockOfMs(skipped))) return true;
  }
  return false;
}

/**
 * Returns the last whole minute before `before` and at or after `since` that is a fire time,
 * or null: under the wall-clock rule, or with `cron` true under the cron DST policy (for
 * fixed-time specs). The same limits as scanNext and scanNextCron apply.
 */
export function scanPrevious(
  spec: CronFieldsSpec,
  zone: string,
  before: number,
  since: number,
  cron: boolean,
): number | null {
  for (
    let minute = Math.ceil(before / 60_000) * 60_000 - 60_000;
    minute >= since;
    minute -= 60_000
  ) {
    const fires = cron
      ? firesUnderCron(spec, zone, minute)
      : fieldsMatch(spec, wallClockAt(minute, zone));
    if (fires) return minute;
  }
  return null;
}

function occurredEarlier(instant: number, clock: WallClock, zone: string): boolean {
  for (let back = 15 * 60_000; back <= 2 * 3_600_000; back += 15 * 60_000) {
    if (wallClockAt(instant - back, zone).ms === clock.ms) return true;
  }
  return false;
}
