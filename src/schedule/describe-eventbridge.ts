// Human descriptions of EventBridge `rate(...)` and `cron(...)` expressions. The fields are
// rewritten for cronstrue with weekdays counted from 0 = Sunday, where AWS counts from 1.

import { daysInMonth } from './calendar.js';
import {
  NEVER_OCCURS_NOTE,
  clausesAfterMidnight,
  fieldText,
  inTimeZone,
  timeOfDayText,
} from './describe-fields.js';
import { parseEventBridge } from './eventbridge/parse.js';
import type {
  DayOfMonthRule,
  DayOfWeekRule,
  EventBridgeCronSpec,
  RateSpec,
} from './eventbridge/types.js';

const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

/**
 * Describes an EventBridge expression, naming `timeZone` for a cron expression. Rates do not
 * depend on the zone. Throws EventBridgeExpressionError when the expression is invalid.
 */
export function describeEventBridge(expression: string, timeZone: string | undefined): string {
  const spec = parseEventBridge(expression);
  if (spec.kind === 'rate') return describeRate(spec);
  const description = inTimeZone(describeCron(spec), timeZone);
  return neverOccurs(spec) ? `${description} ${NEVER_OCCURS_NOTE}` : description;
}

function describeRate(spec: RateSpec): string {
  return spec.value === 1 ? `Every ${spec.unit}` : `Every ${spec.value} ${spec.unit}s`;
}

function describeCron(spec: EventBridgeCronSpec): string {
  const month = fieldText(spec.month.values, 1, 12, true);
  const years = fieldText(spec.year.values, FIRST_YEAR, LAST_YEAR, true);

  // Exactly one day field is `?`, so the other one decides alone: there is no OR rule here.
  const description =
    timeOfDayText(spec.minutes.values, spec.hours.values) +
    clausesAfterMidnight(`0 0 ${dayOfMonthText(spec.dayOfMonth)} * *`) +
    clausesAfterMidnight(`0 0 * * ${dayOfWeekText(spec.dayOfWeek)}`) +
    clausesAfterMidnight(`0 0 * ${month} *`) +
    clausesAfterMidnight(`0 0 0 * * * ${years}`);
  return description;
}

function dayOfMonthText(rule: DayOfMonthRule): string {
  switch (rule.kind) {
    case 'any':
      return '*';
    case 'days':
      return fieldText(rule.days, 1, 31, true);
    case 'last':
      return 'L';
    case 'lastWeekday':
      return 'LW';
    case 'nearestWeekday':
      return `${rule.day}W`;
  }
}

function dayOfWeekText(rule: DayOfWeekRule): string {
  switch (rule.kind) {
    case 'any':
      return '*';
    case 'weekdays':
      return fieldText(
        rule.weekdays.map((weekday) => weekday - 1),
        0,
        6,
        false,
      );
    case 'last':
      return `${rule.weekday - 1}L`;
    case 'nth':
      return `${rule.weekday - 1}#${rule.occurrence}`;
  }
}

// Listed days that no listed month has, such as cron(0 0 31 4 ? *). Weekday rules always occur.
function neverOccurs(spec: EventBridgeCronSpec): boolean {
  const rule = spec.dayOfMonth;
  if (rule.kind !== 'days') return false;
  const firstDay = rule.days[0];
  if (firstDay === undefined) return false;
  // 2000 is a leap year, so every month has its longest length.
  return spec.month.values.every((month) => firstDay > daysInMonth(2000, month));
}
