// Next fire times of EventBridge cron expressions. The search jumps to the next matching year,
// month and day through lookup tables and the DayMatcher, then to the first matching hour and
// minute of that day, and maps wall-clock times to instants with the zone's offsets. The DST
// handling follows the five-field engine in ../next.ts, whose header explains the two policies.

import {
  DAY_MS,
  HOUR_MS,
  MINUTE_MS,
  SECOND_MS,
  civilFromDays,
  daysFromCivil,
} from '../calendar.js';
import { WINDOW_MARGIN_MS } from '../horizon.js';
import { firstInstantOnDay } from '../wall-clock-day.js';
import type { DstPolicy, Schedule } from '../types.js';
import { previousByForwardSearch } from './previous.js';
import { ZoneOffsets } from '../zone.js';
import { DayMatcher } from './days.js';
import type { EventBridgeCronSpec } from './types.js';

// The year field's range. The search never looks past the last year, which bounds it.
const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

// No local time in 1970 or later falls before this instant, and none in 2199 or earlier after
// the second one, whatever the zone's offset. Searches start and end within them.
const SEARCH_START_MS = daysFromCivil(FIRST_YEAR, 1, 1) * DAY_MS - 2 * DAY_MS;
const SEARCH_END_MS = daysFromCivil(LAST_YEAR + 1, 1, 1) * DAY_MS + 2 * DAY_MS;
const LAST_DAY = daysFromCivil(LAST_YEAR, 12, 31);

/** An EventBridge cron expression evaluated on the wall clock of one zone. */
export class EventBridgeCronSchedule implements Schedule {
  private readonly offsets: ZoneOffsets;
  private readonly minuteTable: Int8Array;
  private readonly hourTable: Int8Array;
  readonly firstMinute: number;
  private readonly hours: Uint8Array;
  private readonly monthAtOrAfter: Int8Array;
  // yearAtOrAfter[y - FIRST_YEAR] is the first listed year ≥ y, or -1.
  private readonly yearAtOrAfter: Int16Array;
  private readonly days: DayMatcher;
  private readonly neverFires: boolean;
  // Under the cron policy, a fixed-time schedule fires once at the end of a skipped interval
  // and only at the first occurrence of a repeated one.
  private readonly fixedTime: boolean;

  constructor(
    spec: EventBridgeCronSpec,
    readonly timeZone: string,
    readonly dstPolicy: DstPolicy,
  ) {
    this.offsets = ZoneOffsets.of(timeZone);
    this.minuteTable = atOrAfterTable(spec.minutes.values, 60);
    this.hourTable = atOrAfterTable(spec.hours.values, 24);
    this.firstMinute = spec.minutes.values[0] ?? 0;
    this.hours = new Uint8Array(24);
    for (const hour of spec.hours.values) this.hours[hour] = 1;
    this.monthAtOrAfter = atOrAfterTable(spec.month.values, 13);
    this.yearAtOrAfter = new Int16Array(LAST_YEAR - FIRST_YEAR + 2).fill(-1);
    for (const year of spec.year.values) this.yearAtOrAfter[year - FIRST_YEAR] = year;
    for (let index = LAST_YEAR - FIRST_YEAR - 1; index >= 0; index--) {
      if (this.yearAtOrAfter[index] === -1) {
        this.yearAtOrAfter[index] = this.yearAtOrAfter[index + 1] ?? -1;
      }
    }
    this.days = new DayMatcher(spec.dayOfMonth, spec.dayOfWeek);
    this.fixedTime = dstPolicy === 'cron' && !spec.minutes.wildcard && !spec.hours.wildcard;
    // Schedules such as cron(0 0 31 4 ? *) match no day at all. One scan of the whole year range
    // finds them, so that later calls return null at once.
    this.neverFires = this.nextMatchingDay(daysFromCivil(FIRST_YEAR, 1, 1)) === null;
  }

  /**
   * Returns the last fire time strictly before `before`, or null when none falls in the years
   * 1970-2199 before it. Throws RangeError when `before` is not a finite number.
   */
  prev(before: number): number | null {
    if (!Number.isFinite(before)) {
      throw new RangeError(`before must be a finite instant, got ${before}`);
    }
    if (this.neverFires || before <= SEARCH_START_MS) return null;
    return previousByForwardSearch(
      (from) => this.next(from),
      Math.min(before, SEARCH_END_MS),
      SEARCH_START_MS,
    );
  }

  /**
   * Returns the first fire time strictly after `from`, in whole seconds, or null when none falls
   * in the years 1970-2199. Throws RangeError when `from` is not a finite number.
   */
  next(from: number): number | null {
    if (!Number.isFinite(from)) throw new RangeError(`from must be a finite instant, got ${from}`);
    if (this.neverFires || from >= SEARCH_END_MS) return null;

    // Candidates start at the next whole second, so the result is strictly after `from`.
    const start = Math.max(Math.floor(from / SECOND_MS) * SECOND_MS + SECOND_MS, SEARCH_START_MS);
    const startDay = Math.floor((start + this.offsets.offsetAt(start)) / DAY_MS);

    // Around a backward jump, an instant after `start` can carry the previous day's wall clock,
    // and a later day can hold an earlier instant. So the search starts a day early and goes on
    // until no later day can beat the best instant found.
    let best: number | null = null;
    let day = this.nextMatchingDay(startDay - 1);
    while (day !== null) {
      if (best !== null && day * DAY_MS - WINDOW_MARGIN_MS >= best) break;
      const found = this.firstInstantOnDay(day, start);
      if (found !== null && (best === null || found < best)) best = found;
      day = this.nextMatchingDay(day + 1);
    }
    return best;
  }

  /**
   * Returns true when a wall-clock time (ms since the epoch read as if it were UTC) is a whole
   * minute that matches every field.
   */
  matchesWallClock(wallClock: number): boolean {
    if (!Number.isFinite(wallClock)) return false;
    const dayNumber = Math.floor(wallClock / DAY_MS);
    const timeOfDay = wallClock - dayNumber * DAY_MS;
    if (timeOfDay % MINUTE_MS !== 0) return false;

    const hour = Math.floor(timeOfDay / HOUR_MS);
    const minute = (timeOfDay % HOUR_MS) / MINUTE_MS;
    const { year, month, day } = civilFromDays(dayNumber);
    return (
      year >= FIRST_YEAR &&
      year <= LAST_YEAR &&
      this.yearAtOrAfter[year - FIRST_YEAR] === year &&
      this.monthAtOrAfter[month] === month &&
      this.days.firstDayAtOrAfter(year, month, day) === day &&
      this.hours[hour] === 1 &&
      this.minuteAtOrAfter(minute) === minute
    );
  }

  /** True under the `cron` policy for a fixed-time schedule (see Schedule.oncePerLocalTime). */
  get oncePerLocalTime(): boolean {
    return this.fixedTime;
  }

  /** Returns the first day number ≥ `dayNumber` whose date matches, up to 2199-12-31, or null. */
  private nextMatchingDay(dayNumber: number): number | null {
    let { year, month, day } = civilFromDays(dayNumber);
    if (year < FIRST_YEAR) {
      year = FIRST_YEAR;
      month = 1;
      day = 1;
    }
    while (year <= LAST_YEAR) {
      const matchingYear = this.yearAtOrAfter[year - FIRST_YEAR] ?? -1;
      if (matchingYear < 0) return null;
      if (matchingYear !== year) {
        year = matchingYear;
        month = 1;
        day = 1;
      }

      const matchingMonth = this.monthAtOrAfter[month] ?? -1;
      if (matchingMonth >= 0) {
        if (matchingMonth !== month) {
          month = matchingMonth;
          day = 1;
        }
        const found = this.days.firstDayAtOrAfter(year, month, day);
        if (found > 0) {
          const dayNumberFound = daysFromCivil(year, month, found);
          return dayNumberFound > LAST_DAY ? null : dayNumberFound;
        }
        month += 1;
        day = 1;
        if (month <= 12) continue;
      }
      year += 1;
      month = 1;
      day = 1;
    }
    return null;
  }

  /** Returns the first matching instant ≥ `start` on local day `day`, or null. */
  private firstInstantOnDay(day: number, start: number): number | null {
    return firstInstantOnDay(this.offsets, this.fixedTime, this, day, start);
  }

  hourMatches(hour: number): boolean {
    return this.hours[hour] === 1;
  }

  minuteAtOrAfter(minute: number): number {
    return this.minuteTable[minute] ?? -1;
  }

  hourAtOrAfter(hour: number): number {
    return this.hourTable[hour] ?? -1;
  }
}

// table[i] is the smallest value ≥ i in `values`, or -1. The table has size + 1 entries.
function atOrAfterTable(values: readonly number[], size: number): Int8Array {
  const table = new Int8Array(size + 1).fill(-1);
  for (const value of values) table[value] = value;
  for (let index = size - 1; index >= 0; index--) {
    if (table[index] === -1) table[index] = table[index + 1] ?? -1;
  }
  return table;
}
