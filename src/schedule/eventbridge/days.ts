// Day selection for the day-of-month and day-of-week fields of an EventBridge cron expression.
// Exactly one of the two fields is `?`, so the other one alone decides.

import { daysFromCivil, daysInMonth, weekday } from '../calendar.js';
import type { DayOfMonthRule, DayOfWeekRule } from './types.js';

const SUNDAY = 0;
const SATURDAY = 6;

/** Finds matching days within one month, in O(1) for every rule except a weekday list (O(7)). */
export class DayMatcher {
  // dayAtOrAfter[d] is the first listed day ≥ d, or 0. Used by the `days` rule only.
  private readonly dayAtOrAfter: Uint8Array;
  // Bit w is set when weekday w (0 = Sunday) is listed. Used by the `weekdays` rule only.
  private readonly weekdayBits: number;

  constructor(
    private readonly dayOfMonth: DayOfMonthRule,
    private readonly dayOfWeek: DayOfWeekRule,
  ) {
    this.dayAtOrAfter = new Uint8Array(33);
    if (dayOfMonth.kind === 'days') {
      for (let day = 31; day >= 1; day--) {
        this.dayAtOrAfter[day] = dayOfMonth.days.includes(day)
          ? day
          : (this.dayAtOrAfter[day + 1] ?? 0);
      }
    }
    let bits = 0;
    if (dayOfWeek.kind === 'weekdays') {
      for (const awsWeekday of dayOfWeek.weekdays) bits |= 1 << (awsWeekday - 1);
    }
    this.weekdayBits = bits;
  }

  /** Returns the first matching day ≥ `fromDay` in the month, or 0 when there is none. */
  firstDayAtOrAfter(year: number, month: number, fromDay: number): number {
    const length = daysInMonth(year, month);
    if (fromDay > length) return 0;
    const day = this.dayInMonth(year, month, fromDay, length);
    return day >= fromDay && day <= length ? day : 0;
  }

  // Returns a candidate day ≥ `fromDay`, or 0. The caller checks it against the month's length.
  private dayInMonth(year: number, month: number, fromDay: number, length: number): number {
    const firstWeekday = weekday(daysFromCivil(year, month, 1));
    const weekdayOf = (day: number) => (firstWeekday + day - 1) % 7;

    switch (this.dayOfMonth.kind) {
      case 'days':
        return this.dayAtOrAfter[fromDay] ?? 0;
      case 'last':
        return length;
      case 'lastWeekday':
        return nearestWeekday(length, weekdayOf(length), length);
      case 'nearestWeekday': {
        const target = this.dayOfMonth.day;
        // NOTE: a target day the month lacks (31W in April) selects no day that month. The AWS
        // documentation does not say what EventBridge does there.
        if (target > length) return 0;
        return nearestWeekday(target, weekdayOf(target), length);
      }
      case 'any':
        break;
    }

    switch (this.dayOfWeek.kind) {
      case 'weekdays': {
        const lastDay = Math.min(length, fromDay + 6);
        for (let day = fromDay; day <= lastDay; day++) {
          if ((this.weekdayBits & (1 << weekdayOf(day))) !== 0) return day;
        }
        return 0;
      }
      case 'last': {
        const target = this.dayOfWeek.weekday - 1;
        return length - ((weekdayOf(length) - target + 7) % 7);
      }
      case 'nth': {
        const target = this.dayOfWeek.weekday - 1;
        const first = 1 + ((target - firstWeekday + 7) % 7);
        return first + 7 * (this.dayOfWeek.occurrence - 1);
      }
      case 'any':
        return 0;
    }
  }
}

// Returns the weekday (Monday to Friday) nearest to `day` without leaving the month. A Saturday
// moves to Friday, or to Monday the 3rd when it is the 1st. A Sunday moves to Monday, or to
// Friday when it is the last day of the month.
function nearestWeekday(day: number, dayOfWeek: number, length: number): number {
  if (dayOfWeek === SATURDAY) return day === 1 ? 3 : day - 1;
  if (dayOfWeek === SUNDAY) return day === length ? day - 2 : day + 1;
  return day;
}
