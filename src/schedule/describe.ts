// Human descriptions of schedules. cronstrue writes the text for each field, and this module
// puts the fields together with the dialect's rules, which cronstrue does not know: robfig's
// day-of-month/day-of-week OR rule, `?` as a star, descriptors, `@every` and time zones.

import { daysInMonth } from './calendar.js';
import { describeEventBridge } from './describe-eventbridge.js';
import {
  NEVER_OCCURS_NOTE,
  clausesAfterMidnight,
  fieldText,
  inTimeZone,
  timeOfDayText,
} from './describe-fields.js';
import type { ScheduleDialect } from './eventbridge/dialect.js';
import { parseStandard } from './parse.js';
import type { CronField, CronFieldsSpec, EverySpec } from './parse.js';

/** Options of describeSchedule. */
export interface DescribeOptions {
  /**
   * Zone the schedule is evaluated in, named at the end of the text. A `TZ=`/`CRON_TZ=` prefix
   * in a Kubernetes spec wins over it.
   */
  timeZone?: string | undefined;
}

/**
 * Describes a schedule in English, such as `At 00:00, on day 1 of the month or on Monday`,
 * following the semantics of `dialect`. Throws ScheduleParseError for an invalid Kubernetes
 * spec and EventBridgeExpressionError for an invalid EventBridge expression.
 */
export function describeSchedule(
  spec: string,
  dialect: ScheduleDialect,
  options: DescribeOptions = {},
): string {
  if (dialect === 'eventbridge') return describeEventBridge(spec, options.timeZone);
  const parsed = parseStandard(spec);
  if (parsed.kind === 'every') return describeEvery(parsed);

  const emptyField = EMPTY_FIELD_NAMES.find(
    ([key]) => (parsed[key] as CronField).values.length === 0,
  );
  if (emptyField !== undefined)
    return `Never fires, because the ${emptyField[1]} field matches no value`;
  const days = describeDays(parsed);
  if (days === null) {
    return 'Never fires, because neither the day-of-month nor the day-of-week field matches a value';
  }

  const time = timeOfDayText(parsed.minute.values, parsed.hour.values);
  const month = fieldText(parsed.month.values, 1, 12, true);
  const description = inTimeZone(
    `${time}${days}${clausesAfterMidnight(`0 0 * ${month} *`)}`,
    parsed.timeZone ?? options.timeZone,
  );
  return neverOccurs(parsed) ? `${description} ${NEVER_OCCURS_NOTE}` : description;
}

// `@every` counts from the previous fire time, so the zone does not matter and is left out.
function describeEvery(spec: EverySpec): string {
  return `Every ${durationText(spec.intervalSeconds)}, counted from the previous fire time`;
}

function durationText(totalSeconds: number): string {
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(unitText(hours, 'hour'));
  if (minutes > 0) parts.push(unitText(minutes, 'minute'));
  if (seconds > 0) parts.push(unitText(seconds, 'second'));
  if (parts.length === 1 && parts[0]?.startsWith('1 ')) return parts[0].slice(2);
  return parts.length <= 1
    ? parts.join('')
    : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

function unitText(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

const EMPTY_FIELD_NAMES: ReadonlyArray<readonly [keyof CronFieldsSpec, string]> = [
  ['minute', 'minute'],
  ['hour', 'hour'],
  ['month', 'month'],
];

/**
 * Returns the day clauses, such as `, on day 1 of the month or on Monday`, an empty string for
 * every day, or null when no day matches. When either day field has robfig's star bit (an item
 * `*` or `?` without a step above 1), a day must match both fields, so the star field adds
 * nothing. Otherwise a day matches when either field matches.
 */
function describeDays(spec: CronFieldsSpec): string | null {
  const daysOfMonth = fieldText(spec.dayOfMonth.values, 1, 31, true);
  const daysOfWeek = fieldText(spec.dayOfWeek.values, 0, 6, false);
  const domClauses = () => clausesAfterMidnight(`0 0 ${daysOfMonth} * *`);
  const dowClauses = () => clausesAfterMidnight(`0 0 * * ${daysOfWeek}`);

  if (spec.dayOfMonth.star || spec.dayOfWeek.star) {
    if (daysOfMonth === '' || daysOfWeek === '') return null;
    return `${domClauses()}${dowClauses()}`;
  }

  // The OR rule: a field that matches every day makes every day match, and an empty field
  // leaves the other one to decide.
  if (daysOfMonth === '*' || daysOfWeek === '*') return '';
  if (daysOfMonth === '' && daysOfWeek === '') return null;
  if (daysOfMonth === '') return dowClauses();
  if (daysOfWeek === '') return domClauses();
  return `, ${withoutComma(domClauses())} or ${weekdayPhrase(withoutComma(dowClauses()))}`;
}

function withoutComma(clause: string): string {
  return clause.startsWith(', ') ? clause.slice(2) : clause;
}

// cronstrue writes `only on Monday` or `Monday through Friday`; after `or` both read `on ...`.
function weekdayPhrase(clause: string): string {
  if (clause.startsWith('only on ')) return clause.slice('only '.length);
  return clause.startsWith('on ') ? clause : `on ${clause}`;
}

/**
 * Returns true when the fields select only dates that no calendar has, such as February 30.
 * That needs the day of month to decide alone: under the AND rule every weekday matches, and
 * under the OR rule no weekday does.
 */
function neverOccurs(spec: CronFieldsSpec): boolean {
  const andRule = spec.dayOfMonth.star || spec.dayOfWeek.star;
  const weekdays = spec.dayOfWeek.values.length;
  if (andRule ? weekdays !== 7 : weekdays !== 0) return false;
  const firstDay = spec.dayOfMonth.values[0];
  if (firstDay === undefined) return false;
  // 2000 is a leap year, so every month has its longest length.
  return spec.month.values.every((month) => firstDay > daysInMonth(2000, month));
}
