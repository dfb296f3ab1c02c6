// EventBridge schedule expressions: `rate(value unit)` and `cron(fields)`, as the AWS EventBridge
// and EventBridge Scheduler documentation describe them. One-time `at(...)` expressions are not
// recurring schedules and are rejected.

import { DAY_MS, HOUR_MS, MINUTE_MS } from '../calendar.js';
import { EventBridgeExpressionError } from './errors.js';
import { parseCronFields } from './parse-cron.js';
import type { EventBridgeSpec, RateSpec, RateUnit } from './types.js';

const CRON_PREFIX = 'cron(';
const RATE_PREFIX = 'rate(';

const RATE_UNITS: ReadonlyMap<string, { unit: RateUnit; plural: boolean }> = new Map([
  ['minute', { unit: 'minute', plural: false }],
  ['minutes', { unit: 'minute', plural: true }],
  ['hour', { unit: 'hour', plural: false }],
  ['hours', { unit: 'hour', plural: true }],
  ['day', { unit: 'day', plural: false }],
  ['days', { unit: 'day', plural: true }],
]);

const UNIT_MS: Readonly<Record<RateUnit, number>> = {
  minute: MINUTE_MS,
  hour: HOUR_MS,
  day: DAY_MS,
};

// JavaScript dates span ±8.64e15 ms, so a longer period could never give a representable time.
const MAX_PERIOD_MS = 8.64e15;

/**
 * Returns true when `expression` is written as `cron(...)` or `rate(...)`. This explicit syntax
 * selects the EventBridge dialect where a schedule may be of either dialect.
 */
export function hasEventBridgeSyntax(expression: string): boolean {
  return expression.startsWith(CRON_PREFIX) || expression.startsWith(RATE_PREFIX);
}

/** Parses an EventBridge `rate(...)` or `cron(...)` expression. Throws EventBridgeExpressionError. */
export function parseEventBridge(expression: string): EventBridgeSpec {
  if (!hasEventBridgeSyntax(expression)) {
    throw new EventBridgeExpressionError(
      'InvalidExpression',
      expression,
      'expression',
      expression,
      'expected cron(minutes hours day-of-month month day-of-week year) or rate(value unit)',
    );
  }
  if (!expression.endsWith(')') || expression.length === CRON_PREFIX.length) {
    throw new EventBridgeExpressionError(
      'MissingClosingParenthesis',
      expression,
      'expression',
      expression,
      'expected ) as the last character',
    );
  }

  const inner = expression.slice(CRON_PREFIX.length, -1);
  return expression.startsWith(CRON_PREFIX)
    ? parseCronFields(expression, inner)
    : parseRate(expression, inner);
}

function parseRate(expression: string, inner: string): RateSpec {
  const fail = (
    code: 'InvalidRateFormat' | 'InvalidRateValue' | 'RateTooLarge',
    part: 'rate' | 'rate value',
    value: string,
    reason: string,
  ): never => {
    throw new EventBridgeExpressionError(code, expression, part, value, reason);
  };
  const failUnit = (
    code: 'InvalidRateUnit' | 'RateUnitNotSingular' | 'RateUnitNotPlural',
    value: string,
    reason: string,
  ): never => {
    throw new EventBridgeExpressionError(code, expression, 'rate unit', value, reason);
  };

  const words = inner.split(/[ \t\n\v\f\r]+/).filter((word) => word !== '');
  if (words.length !== 2) {
    fail(
      'InvalidRateFormat',
      'rate',
      inner,
      `expected a value and a unit, such as rate(5 minutes), found ${words.length} ${words.length === 1 ? 'word' : 'words'}`,
    );
  }
  const [valueText, unitText] = words as [string, string];

  const value = /^[0-9]+$/.test(valueText) ? Number(valueText) : 0;
  if (value < 1) {
    fail(
      'InvalidRateValue',
      'rate value',
      valueText,
      `expected a positive integer, found ${valueText}`,
    );
  }

  const unit = RATE_UNITS.get(unitText);
  if (unit === undefined) {
    return failUnit(
      'InvalidRateUnit',
      unitText,
      `expected minute, minutes, hour, hours, day or days, found ${unitText}`,
    );
  }
  if (value === 1 && unit.plural) {
    failUnit('RateUnitNotSingular', unitText, `expected ${unit.unit} because the value is 1`);
  }
  if (value > 1 && !unit.plural) {
    failUnit(
      'RateUnitNotPlural',
      unitText,
      `expected ${unit.unit}s because the value is greater than 1`,
    );
  }

  const unitMs = UNIT_MS[unit.unit];
  const maxValue = Math.floor(MAX_PERIOD_MS / unitMs);
  if (value > maxValue) {
    fail(
      'RateTooLarge',
      'rate value',
      valueText,
      `expected at most ${maxValue} ${unit.unit}s (the span of JavaScript dates), found ${valueText}`,
    );
  }
  return { kind: 'rate', expression, value, unit: unit.unit, periodMs: value * unitMs };
}
