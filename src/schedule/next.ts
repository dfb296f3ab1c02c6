// Next fire times of five-field schedules. The search jumps field by field: to the next
// matching day through the calendar, then to the first matching hour and minute of that day
// through lookup tables, and maps wall-clock times to instants with the zone's offsets.
//
// The `kubernetes` policy follows the wall-clock rule: the next fire time is the first instant
// after `from` whose local time matches the fields, so a skipped local time does not fire and a
// repeated one fires twice. This equals robfig/cron v3.0.1 except where robfig steps hour by
// hour from truncated local times across a transition that is off the whole hour (Lord Howe
// shifts by 30 minutes, Chatham jumps at 02:45) or at local midnight (Santiago). There robfig
// (checked with the reference program, tz data 2025b):
// - returns a time before its input: Pacific/Chatham `0 3 * * *` from 2024-04-06T14:00Z gives
//   2024-04-06T13:15Z, where this engine gives 2024-04-06T14:15Z (03:00 +12:45);
// - returns a time the fields do not match: America/Santiago `0 1 * * 6` from
//   2024-09-08T01:00Z gives Sunday 2024-09-08T04:00Z, where this engine gives Saturday
//   2024-09-14T04:00Z;
// - skips matching times, up to a whole day or month: Australia/Lord_Howe `0 0 * * *` from
//   2024-04-06T13:00Z gives 2024-04-08T13:30Z, where this engine gives 2024-04-07T13:30Z.

import {
  DAY_MS,
  SECOND_MS,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
  weekday,
} from './calendar.js';
import { HORIZON_YEARS, MAX_SEARCH_FROM_MS, WINDOW_MARGIN_MS } from './horizon.js';
import { hasBit, lowestBitAtOrAbove, maskOf } from './bits.js';
import type { CronFieldsSpec } from './parse.js';
import { matchesWallClock, previousFireTime } from './previous.js';
import type { FieldTables } from './previous.js';
import { firstInstantOnDay } from './wall-clock-day.js';
import type { DstPolicy, Schedule } from './types.js';
import { ZoneOffsets } from './zone.js';

/** A five-field schedule evaluated on the wall clock of one zone. */
export class CronFieldsSchedule implements Schedule, FieldTables {
  // Field values are bit masks (see bits.ts): minutes 0-29 and 30-59 in two masks, days of the
  // month 1-31 as bits 0-30. Masks rather than lookup tables keep a compiled schedule small.
  readonly offsets: ZoneOffsets;
  private readonly lowMinutes: number;
  private readonly highMinutes: number;
  readonly firstMinute: number;
  private readonly hours: number;
  private readonly daysOfMonth: number;
  private readonly months: number;
  private readonly daysOfWeek: number;
  private readonly bothDayFieldsMustMatch: boolean;
  readonly neverFires: boolean;
  // Under the cron policy, a fixed-time schedule fires once at the end of a skipped interval
  // and only at the first occurrence of a repeated one.
  private readonly fixedTime: boolean;

  constructor(
    spec: CronFieldsSpec,
    readonly timeZone: string,
    readonly dstPolicy: DstPolicy,
  ) {
    this.offsets = ZoneOffsets.of(timeZone);
    this.lowMinutes = maskOf(spec.minute.values, 0, 30);
    this.highMinutes = maskOf(spec.minute.values, 30);
    this.firstMinute = spec.minute.values[0] ?? -1;
    this.hours = maskOf(spec.hour.values);
    this.daysOfMonth = maskOf(spec.dayOfMonth.values, 1);
    this.months = maskOf(spec.month.values);
    this.daysOfWeek = maskOf(spec.dayOfWeek.values);
    this.bothDayFieldsMustMatch = spec.dayOfMonth.star || spec.dayOfWeek.star;
    this.neverFires =
      spec.minute.values.length === 0 ||
      spec.hour.values.length === 0 ||
      spec.month.values.length === 0 ||
      (spec.dayOfMonth.values.length === 0 && spec.dayOfWeek.values.length === 0);
    this.fixedTime = dstPolicy === 'cron' && !spec.minute.wildcard && !spec.hour.wildcard;
  }

  next(from: number): number | null {
    if (!Number.isFinite(from) || Math.abs(from) > MAX_SEARCH_FROM_MS) {
      throw new RangeError(
        `from must be a finite instant within ±${MAX_SEARCH_FROM_MS} ms, got ${from}`,
      );
    }
    if (this.neverFires) return null;

    // Candidates start at the next whole second, so the result is strictly after `from`.
    const start = Math.floor(from / SECOND_MS) * SECOND_MS + SECOND_MS;
    const startDay = Math.floor((start + this.offsets.offsetAt(start)) / DAY_MS);
    const lastDay = daysFromCivil(civilFromDays(startDay).year + HORIZON_YEARS, 12, 31);

    // Around a backward jump, an instant after `start` can carry the previous day's wall clock,
    // and a later day can hold an earlier instant. So the search starts a day early and goes on
    // until no later day can beat the best instant found.
    let best: number | null = null;
    let day = this.nextMatchingDay(startDay - 1, lastDay);
    while (day !== null) {
      if (best !== null && day * DAY_MS - WINDOW_MARGIN_MS >= best) break;
      const found = this.firstInstantOnDay(day, start);
      if (found !== null && (best === null || found < best)) best = found;
      day = this.nextMatchingDay(day + 1, lastDay);
    }
    return best;
  }

  prev(before: number): number | null {
    return previousFireTime(this, before);
  }

  matchesWallClock(wallClock: number): boolean {
    return matchesWallClock(this, wallClock);
  }

  get oncePerLocalTime(): boolean {
    return this.fixedTime;
  }

  /** Returns the first day number ≥ `dayNumber` and ≤ `lastDay` whose date matches, or null. */
  private nextMatchingDay(dayNumber: number, lastDay: number): number | null {
    let { year, month, day } = civilFromDays(dayNumber);
    for (;;) {
      const monthStart = daysFromCivil(year, month, 1);
      if (monthStart > lastDay) return null;
      if (hasBit(this.months, month)) {
        const length = daysInMonth(year, month);
        let dayOfWeek = weekday(monthStart + day - 1);
        for (; day <= length; day++) {
          if (this.dayMatches(day, dayOfWeek)) {
            const found = monthStart + day - 1;
            return found > lastDay ? null : found;
          }
          dayOfWeek = (dayOfWeek + 1) % 7;
        }
      }
      day = 1;
      month += 1;
      if (month > 12) {
        month = 1;
        year += 1;
      }
    }
  }

  // robfig's rule: if either day field is a star, a day must match both, otherwise either.
  dayMatches(dayOfMonth: number, dayOfWeek: number): boolean {
    const domMatches = hasBit(this.daysOfMonth, dayOfMonth - 1);
    const dowMatches = hasBit(this.daysOfWeek, dayOfWeek);
    return this.bothDayFieldsMustMatch ? domMatches && dowMatches : domMatches || dowMatches;
  }

  minuteMatches(minute: number): boolean {
    return minute < 30 ? hasBit(this.lowMinutes, minute) : hasBit(this.highMinutes, minute - 30);
  }

  hourMatches(hour: number): boolean {
    return hasBit(this.hours, hour);
  }

  monthMatches(month: number): boolean {
    return hasBit(this.months, month);
  }

  /** Returns the smallest matching minute ≥ `minute`, or -1. */
  minuteAtOrAfter(minute: number): number {
    if (minute < 30) {
      const low = lowestBitAtOrAbove(this.lowMinutes, minute);
      if (low >= 0) return low;
    }
    const high = lowestBitAtOrAbove(this.highMinutes, Math.max(0, minute - 30));
    return high >= 0 ? high + 30 : -1;
  }

  /** Returns the first matching instant ≥ `start` on local day `day`, or null. */
  private firstInstantOnDay(day: number, start: number): number | null {
    return firstInstantOnDay(this.offsets, this.fixedTime, this, day, start);
  }

  hourAtOrAfter(hour: number): number {
    return hour >= 24 ? -1 : lowestBitAtOrAbove(this.hours, hour);
  }
}
