import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  EVENTBRIDGE_ERROR_CATALOG,
  EventBridgeExpressionError,
  parseEventBridge,
} from '../../src/schedule/index.js';
import type {
  EventBridgeCronSpec,
  EventBridgeErrorCode,
  EventBridgePart,
  RateSpec,
} from '../../src/schedule/index.js';

function parseCron(expression: string): EventBridgeCronSpec {
  const parsed = parseEventBridge(expression);
  assert.equal(parsed.kind, 'cron');
  return parsed;
}

function parseRate(expression: string): RateSpec {
  const parsed = parseEventBridge(expression);
  assert.equal(parsed.kind, 'rate');
  return parsed;
}

function parseError(expression: string): EventBridgeExpressionError {
  try {
    parseEventBridge(expression);
  } catch (error) {
    assert.ok(
      error instanceof EventBridgeExpressionError,
      `expected EventBridgeExpressionError, got ${String(error)}`,
    );
    return error;
  }
  assert.fail(`expected ${JSON.stringify(expression)} to be rejected`);
}

const ALL_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

void describe('EventBridge rate parsing', () => {
  const cases: ReadonlyArray<readonly [string, number, string, number]> = [
    ['rate(1 minute)', 1, 'minute', 60_000],
    ['rate(5 minutes)', 5, 'minute', 300_000],
    ['rate(1 hour)', 1, 'hour', 3_600_000],
    ['rate(12 hours)', 12, 'hour', 43_200_000],
    ['rate(1 day)', 1, 'day', 86_400_000],
    ['rate(7 days)', 7, 'day', 604_800_000],
    ['rate(100000000 days)', 100_000_000, 'day', 8.64e15],
  ];
  for (const [expression, value, unit, periodMs] of cases) {
    void test(`parses ${expression}`, () => {
      const parsed = parseRate(expression);
      assert.equal(parsed.value, value);
      assert.equal(parsed.unit, unit);
      assert.equal(parsed.periodMs, periodMs);
      assert.equal(parsed.expression, expression);
    });
  }

  void test('leading zeros count as the value', () => {
    assert.equal(parseRate('rate(01 minute)').periodMs, 60_000);
  });
});

void describe('EventBridge cron parsing', () => {
  void test('AWS daily example', () => {
    const parsed = parseCron('cron(15 12 * * ? *)');
    assert.deepEqual(parsed.minutes, { values: [15], wildcard: false });
    assert.deepEqual(parsed.hours, { values: [12], wildcard: false });
    assert.equal(parsed.dayOfMonth.kind, 'days');
    assert.deepEqual(parsed.dayOfMonth.kind === 'days' ? parsed.dayOfMonth.days.length : 0, 31);
    assert.deepEqual(parsed.month, { values: ALL_MONTHS, wildcard: true });
    assert.deepEqual(parsed.dayOfWeek, { kind: 'any' });
    assert.equal(parsed.year.values.length, 230);
    assert.equal(parsed.year.values[0], 1970);
    assert.equal(parsed.year.values[229], 2199);
    assert.equal(parsed.year.wildcard, true);
  });

  void test('start and step', () => {
    const parsed = parseCron('cron(0/15 8-17/3 1/10 1-12/5 ? 2025/50)');
    assert.deepEqual(parsed.minutes, { values: [0, 15, 30, 45], wildcard: false });
    assert.deepEqual(parsed.hours, { values: [8, 11, 14, 17], wildcard: false });
    assert.deepEqual(parsed.dayOfMonth, { kind: 'days', days: [1, 11, 21, 31] });
    assert.deepEqual(parsed.month, { values: [1, 6, 11], wildcard: false });
    assert.deepEqual(parsed.year, { values: [2025, 2075, 2125, 2175], wildcard: false });
  });

  void test('wildcard step is a wildcard', () => {
    const parsed = parseCron('cron(*/20 */12 * * ? *)');
    assert.deepEqual(parsed.minutes, { values: [0, 20, 40], wildcard: true });
    assert.deepEqual(parsed.hours, { values: [0, 12], wildcard: true });
  });

  void test('step longer than the field', () => {
    const parsed = parseCron('cron(5/100 0 * * ? *)');
    assert.deepEqual(parsed.minutes, { values: [5], wildcard: false });
  });

  void test('lists merge and sort', () => {
    const parsed = parseCron('cron(30,0,15-16,0 0 * * ? *)');
    assert.deepEqual(parsed.minutes.values, [0, 15, 16, 30]);
  });

  void test('names in any case', () => {
    const parsed = parseCron('cron(0 18 ? jan-Mar,DEC mon-FRI *)');
    assert.deepEqual(parsed.month.values, [1, 2, 3, 12]);
    assert.deepEqual(parsed.dayOfWeek, { kind: 'weekdays', weekdays: [2, 3, 4, 5, 6] });
  });

  void test('weekday numbers start at Sunday', () => {
    assert.deepEqual(parseCron('cron(0 0 ? * 1,7 *)').dayOfWeek, {
      kind: 'weekdays',
      weekdays: [1, 7],
    });
    assert.deepEqual(parseCron('cron(0 0 ? * SUN,SAT *)').dayOfWeek, {
      kind: 'weekdays',
      weekdays: [1, 7],
    });
    assert.deepEqual(parseCron('cron(0 0 ? * * *)').dayOfWeek, {
      kind: 'weekdays',
      weekdays: [1, 2, 3, 4, 5, 6, 7],
    });
  });

  void test('day-of-month L and W', () => {
    assert.deepEqual(parseCron('cron(0 0 L * ? *)').dayOfMonth, { kind: 'last' });
    assert.deepEqual(parseCron('cron(0 0 l * ? *)').dayOfMonth, { kind: 'last' });
    assert.deepEqual(parseCron('cron(0 0 LW * ? *)').dayOfMonth, { kind: 'lastWeekday' });
    assert.deepEqual(parseCron('cron(0 0 15W * ? *)').dayOfMonth, {
      kind: 'nearestWeekday',
      day: 15,
    });
    assert.deepEqual(parseCron('cron(0 0 1w * ? *)').dayOfMonth, {
      kind: 'nearestWeekday',
      day: 1,
    });
  });

  void test('day-of-week L and #', () => {
    assert.deepEqual(parseCron('cron(0 0 ? * L *)').dayOfWeek, {
      kind: 'weekdays',
      weekdays: [7],
    });
    assert.deepEqual(parseCron('cron(0 0 ? * 6L *)').dayOfWeek, { kind: 'last', weekday: 6 });
    assert.deepEqual(parseCron('cron(0 0 ? * FRIL *)').dayOfWeek, { kind: 'last', weekday: 6 });
    assert.deepEqual(parseCron('cron(0 9 ? * 2#1 *)').dayOfWeek, {
      kind: 'nth',
      weekday: 2,
      occurrence: 1,
    });
    assert.deepEqual(parseCron('cron(0 9 ? * tue#5 *)').dayOfWeek, {
      kind: 'nth',
      weekday: 3,
      occurrence: 5,
    });
  });

  void test('month name JUL is not L', () => {
    assert.deepEqual(parseCron('cron(0 0 1 JUL ? *)').month.values, [7]);
  });

  void test('extra white space between fields', () => {
    const parsed = parseCron('cron( 0\t12  * * ? * )');
    assert.deepEqual(parsed.hours.values, [12]);
    assert.equal(parsed.expression, 'cron( 0\t12  * * ? * )');
  });
});

const PREFIX = 'Parameter ScheduleExpression is not valid: ';

// Each expression with the code, part and message it must be rejected with.
const REJECTED: ReadonlyArray<readonly [string, EventBridgeErrorCode, EventBridgePart, string]> = [
  [
    'every 5 minutes',
    'InvalidExpression',
    'expression',
    'invalid expression "every 5 minutes": expected cron(minutes hours day-of-month month day-of-week year) or rate(value unit)',
  ],
  [
    '',
    'InvalidExpression',
    'expression',
    'invalid expression "": expected cron(minutes hours day-of-month month day-of-week year) or rate(value unit)',
  ],
  [
    'at(2025-01-01T00:00:00)',
    'InvalidExpression',
    'expression',
    'invalid expression "at(2025-01-01T00:00:00)": expected cron(minutes hours day-of-month month day-of-week year) or rate(value unit)',
  ],
  [
    'CRON(0 12 * * ? *)',
    'InvalidExpression',
    'expression',
    'invalid expression "CRON(0 12 * * ? *)": expected cron(minutes hours day-of-month month day-of-week year) or rate(value unit)',
  ],
  [
    'cron(0 12 * * ? *',
    'MissingClosingParenthesis',
    'expression',
    'invalid expression "cron(0 12 * * ? *": expected ) as the last character',
  ],
  [
    'cron(',
    'MissingClosingParenthesis',
    'expression',
    'invalid expression "cron(": expected ) as the last character',
  ],
  [
    'rate(5 minutes) ',
    'MissingClosingParenthesis',
    'expression',
    'invalid expression "rate(5 minutes) ": expected ) as the last character',
  ],
  [
    'rate(5)',
    'InvalidRateFormat',
    'rate',
    'invalid rate "5" in rate(5): expected a value and a unit, such as rate(5 minutes), found 1 word',
  ],
  [
    'rate(5 minutes now)',
    'InvalidRateFormat',
    'rate',
    'invalid rate "5 minutes now" in rate(5 minutes now): expected a value and a unit, such as rate(5 minutes), found 3 words',
  ],
  [
    'rate(0 minutes)',
    'InvalidRateValue',
    'rate value',
    'invalid rate value "0" in rate(0 minutes): expected a positive integer, found 0',
  ],
  [
    'rate(-5 minutes)',
    'InvalidRateValue',
    'rate value',
    'invalid rate value "-5" in rate(-5 minutes): expected a positive integer, found -5',
  ],
  [
    'rate(1.5 hours)',
    'InvalidRateValue',
    'rate value',
    'invalid rate value "1.5" in rate(1.5 hours): expected a positive integer, found 1.5',
  ],
  [
    'rate(100000001 days)',
    'RateTooLarge',
    'rate value',
    'invalid rate value "100000001" in rate(100000001 days): expected at most 100000000 days (the span of JavaScript dates), found 100000001',
  ],
  [
    'rate(144000000001 minutes)',
    'RateTooLarge',
    'rate value',
    'invalid rate value "144000000001" in rate(144000000001 minutes): expected at most 144000000000 minutes (the span of JavaScript dates), found 144000000001',
  ],
  [
    'rate(5 seconds)',
    'InvalidRateUnit',
    'rate unit',
    'invalid rate unit "seconds" in rate(5 seconds): expected minute, minutes, hour, hours, day or days, found seconds',
  ],
  [
    'rate(5 Minutes)',
    'InvalidRateUnit',
    'rate unit',
    'invalid rate unit "Minutes" in rate(5 Minutes): expected minute, minutes, hour, hours, day or days, found Minutes',
  ],
  [
    'rate(1 minutes)',
    'RateUnitNotSingular',
    'rate unit',
    'invalid rate unit "minutes" in rate(1 minutes): expected minute because the value is 1',
  ],
  [
    'rate(1 hours)',
    'RateUnitNotSingular',
    'rate unit',
    'invalid rate unit "hours" in rate(1 hours): expected hour because the value is 1',
  ],
  [
    'rate(5 minute)',
    'RateUnitNotPlural',
    'rate unit',
    'invalid rate unit "minute" in rate(5 minute): expected minutes because the value is greater than 1',
  ],
  [
    'rate(2 day)',
    'RateUnitNotPlural',
    'rate unit',
    'invalid rate unit "day" in rate(2 day): expected days because the value is greater than 1',
  ],
  [
    'cron(0 12 * * ?)',
    'InvalidFieldCount',
    'cron fields',
    'invalid cron fields "0 12 * * ?" in cron(0 12 * * ?): expected 6 fields (minutes hours day-of-month month day-of-week year), found 5',
  ],
  [
    'cron(0 0 12 * * ? *)',
    'InvalidFieldCount',
    'cron fields',
    'invalid cron fields "0 0 12 * * ? *" in cron(0 0 12 * * ? *): expected 6 fields (minutes hours day-of-month month day-of-week year), found 7',
  ],
  [
    'cron()',
    'InvalidFieldCount',
    'cron fields',
    'invalid cron fields "" in cron(): expected 6 fields (minutes hours day-of-month month day-of-week year), found 0',
  ],
  [
    'cron(60 12 * * ? *)',
    'InvalidValue',
    'minutes',
    'invalid minutes field "60" in cron(60 12 * * ? *): expected 0-59, found 60',
  ],
  [
    'cron(0 24 * * ? *)',
    'InvalidValue',
    'hours',
    'invalid hours field "24" in cron(0 24 * * ? *): expected 0-23, found 24',
  ],
  [
    'cron(0 12 0 * ? *)',
    'InvalidValue',
    'day-of-month',
    'invalid day-of-month field "0" in cron(0 12 0 * ? *): expected 1-31, found 0',
  ],
  [
    'cron(0 12 32W * ? *)',
    'InvalidValue',
    'day-of-month',
    'invalid day-of-month field "32W" in cron(0 12 32W * ? *): expected 1-31, found 32',
  ],
  [
    'cron(0 12 5L * ? *)',
    'InvalidValue',
    'day-of-month',
    'invalid day-of-month field "5L" in cron(0 12 5L * ? *): expected 1-31, found 5L',
  ],
  [
    'cron(0 12 1 13 ? *)',
    'InvalidValue',
    'month',
    'invalid month field "13" in cron(0 12 1 13 ? *): expected 1-12 or JAN-DEC, found 13',
  ],
  [
    'cron(0 12 1 JANUARY ? *)',
    'InvalidValue',
    'month',
    'invalid month field "JANUARY" in cron(0 12 1 JANUARY ? *): expected 1-12 or JAN-DEC, found JANUARY',
  ],
  [
    'cron(0 12 ? * 8 *)',
    'InvalidValue',
    'day-of-week',
    'invalid day-of-week field "8" in cron(0 12 ? * 8 *): expected 1-7 or SUN-SAT (1 = Sunday), found 8',
  ],
  [
    'cron(0 12 ? * 0 *)',
    'InvalidValue',
    'day-of-week',
    'invalid day-of-week field "0" in cron(0 12 ? * 0 *): expected 1-7 or SUN-SAT (1 = Sunday), found 0',
  ],
  [
    'cron(0 12 ? * 8L *)',
    'InvalidValue',
    'day-of-week',
    'invalid day-of-week field "8L" in cron(0 12 ? * 8L *): expected 1-7 or SUN-SAT (1 = Sunday), found 8',
  ],
  [
    'cron(0 12 ? * 8#1 *)',
    'InvalidValue',
    'day-of-week',
    'invalid day-of-week field "8#1" in cron(0 12 ? * 8#1 *): expected 1-7 or SUN-SAT (1 = Sunday), found 8',
  ],
  [
    'cron(0 12 * * ? 1969)',
    'InvalidValue',
    'year',
    'invalid year field "1969" in cron(0 12 * * ? 1969): expected 1970-2199, found 1969',
  ],
  [
    'cron(0 12 * * ? 2025-2200)',
    'InvalidValue',
    'year',
    'invalid year field "2025-2200" in cron(0 12 * * ? 2025-2200): expected 1970-2199, found 2200',
  ],
  [
    'cron(1,,2 12 * * ? *)',
    'InvalidValue',
    'minutes',
    'invalid minutes field "1,,2" in cron(1,,2 12 * * ? *): expected 0-59 in every comma-separated item, found an empty item',
  ],
  [
    'cron(5- 12 * * ? *)',
    'InvalidValue',
    'minutes',
    'invalid minutes field "5-" in cron(5- 12 * * ? *): expected 0-59, found an empty value',
  ],
  [
    'cron(L 12 * * ? *)',
    'UnsupportedWildcard',
    'minutes',
    'invalid minutes field "L" in cron(L 12 * * ? *): expected only the wildcards , - * / in this field, found L',
  ],
  [
    'cron(0 ? * * ? *)',
    'UnsupportedWildcard',
    'hours',
    'invalid hours field "?" in cron(0 ? * * ? *): expected only the wildcards , - * / in this field, found ?',
  ],
  [
    'cron(0 12 1#2 * ? *)',
    'UnsupportedWildcard',
    'day-of-month',
    'invalid day-of-month field "1#2" in cron(0 12 1#2 * ? *): expected only the wildcards , - * ? / L W in this field, found #',
  ],
  [
    'cron(0 12 * L ? *)',
    'UnsupportedWildcard',
    'month',
    'invalid month field "L" in cron(0 12 * L ? *): expected only the wildcards , - * / in this field, found L',
  ],
  [
    'cron(0 12 ? * 1/2 *)',
    'UnsupportedWildcard',
    'day-of-week',
    'invalid day-of-week field "1/2" in cron(0 12 ? * 1/2 *): expected only the wildcards , - * ? L # in this field, found /',
  ],
  [
    'cron(0 12 ? * 15W *)',
    'UnsupportedWildcard',
    'day-of-week',
    'invalid day-of-week field "15W" in cron(0 12 ? * 15W *): expected only the wildcards , - * ? L # in this field, found W',
  ],
  [
    'cron(0 12 ? * LW *)',
    'UnsupportedWildcard',
    'day-of-week',
    'invalid day-of-week field "LW" in cron(0 12 ? * LW *): expected only the wildcards , - * ? L # in this field, found W',
  ],
  [
    'cron(0 12 * * ? ?)',
    'UnsupportedWildcard',
    'year',
    'invalid year field "?" in cron(0 12 * * ? ?): expected only the wildcards , - * / in this field, found ?',
  ],
  [
    'cron(0/0 12 * * ? *)',
    'InvalidStep',
    'minutes',
    'invalid minutes field "0/0" in cron(0/0 12 * * ? *): expected a positive integer step after /, found 0',
  ],
  [
    'cron(*/ 12 * * ? *)',
    'InvalidStep',
    'minutes',
    'invalid minutes field "*/" in cron(*/ 12 * * ? *): expected a positive integer step after /, found an empty value',
  ],
  [
    'cron(1/2/3 12 * * ? *)',
    'InvalidStep',
    'minutes',
    'invalid minutes field "1/2/3" in cron(1/2/3 12 * * ? *): expected a positive integer step after /, found 2/3',
  ],
  [
    'cron(0 12 L/2 * ? *)',
    'InvalidStep',
    'day-of-month',
    'invalid day-of-month field "L/2" in cron(0 12 L/2 * ? *): expected no step after L, found L/2',
  ],
  [
    'cron(30-10 12 * * ? *)',
    'ReversedRange',
    'minutes',
    'invalid minutes field "30-10" in cron(30-10 12 * * ? *): expected a range from the lower to the higher value, found 30-10',
  ],
  [
    'cron(0 12 ? * FRI-MON *)',
    'ReversedRange',
    'day-of-week',
    'invalid day-of-week field "FRI-MON" in cron(0 12 ? * FRI-MON *): expected a range from the lower to the higher value, found FRI-MON',
  ],
  [
    'cron(0 12 ? * 2#1,6#3 *)',
    'ItemNotAlone',
    'day-of-week',
    'invalid day-of-week field "2#1,6#3" in cron(0 12 ? * 2#1,6#3 *): expected 2#1 as the only item of the field, found 2#1,6#3',
  ],
  [
    'cron(0 12 ? * 2,6L *)',
    'ItemNotAlone',
    'day-of-week',
    'invalid day-of-week field "2,6L" in cron(0 12 ? * 2,6L *): expected 6L as the only item of the field, found 2,6L',
  ],
  [
    'cron(0 12 L,15 * ? *)',
    'ItemNotAlone',
    'day-of-month',
    'invalid day-of-month field "L,15" in cron(0 12 L,15 * ? *): expected L as the only item of the field, found L,15',
  ],
  [
    'cron(0 12 15W,20 * ? *)',
    'ItemNotAlone',
    'day-of-month',
    'invalid day-of-month field "15W,20" in cron(0 12 15W,20 * ? *): expected 15W as the only item of the field, found 15W,20',
  ],
  [
    'cron(0 12 ?,1 * ? *)',
    'ItemNotAlone',
    'day-of-month',
    'invalid day-of-month field "?,1" in cron(0 12 ?,1 * ? *): expected ? as the only item of the field, found ?,1',
  ],
  [
    'cron(0 12 ? * 2#6 *)',
    'InvalidOccurrence',
    'day-of-week',
    'invalid day-of-week field "2#6" in cron(0 12 ? * 2#6 *): expected an occurrence 1-5 after #, found 6',
  ],
  [
    'cron(0 12 ? * 2#0 *)',
    'InvalidOccurrence',
    'day-of-week',
    'invalid day-of-week field "2#0" in cron(0 12 ? * 2#0 *): expected an occurrence 1-5 after #, found 0',
  ],
  [
    'cron(0 12 ? * 2# *)',
    'InvalidOccurrence',
    'day-of-week',
    'invalid day-of-week field "2#" in cron(0 12 ? * 2# *): expected an occurrence 1-5 after #, found an empty value',
  ],
  [
    'cron(0 12 * * * *)',
    'MissingQuestionMark',
    'day fields',
    'invalid day fields "* *" in cron(0 12 * * * *): expected ? in exactly one of day-of-month and day-of-week, found ? in neither',
  ],
  [
    'cron(0 12 1 * MON *)',
    'MissingQuestionMark',
    'day fields',
    'invalid day fields "1 MON" in cron(0 12 1 * MON *): expected ? in exactly one of day-of-month and day-of-week, found ? in neither',
  ],
  [
    'cron(0 12 ? * ? *)',
    'QuestionMarkInBothDayFields',
    'day fields',
    'invalid day fields "? ?" in cron(0 12 ? * ? *): expected ? in exactly one of day-of-month and day-of-week, found ? in both',
  ],
];

void describe('EventBridge errors', () => {
  for (const [expression, code, part, message] of REJECTED) {
    void test(`rejects ${JSON.stringify(expression)}`, () => {
      const error = parseError(expression);
      assert.equal(error.message, PREFIX + message);
      assert.equal(error.code, code);
      assert.equal(error.part, part);
      assert.equal(error.expression, expression);
      assert.equal(error.name, 'EventBridgeExpressionError');
    });
  }

  void test('value is the failing part', () => {
    const error = parseError('cron(0 12 ? * 1,8 *)');
    assert.equal(error.value, '1,8');
    assert.equal(error.reason, 'expected 1-7 or SUN-SAT (1 = Sunday), found 8');
  });

  void test('first failing field wins', () => {
    const error = parseError('cron(60 24 * * * *)');
    assert.equal(error.part, 'minutes');
  });

  void test('every code has a test case', () => {
    const tested = new Set(REJECTED.map(([, code]) => code));
    assert.deepEqual(
      Object.keys(EVENTBRIDGE_ERROR_CATALOG).filter(
        (code) => !tested.has(code as EventBridgeErrorCode),
      ),
      [],
    );
  });

  for (const [code, entry] of Object.entries(EVENTBRIDGE_ERROR_CATALOG)) {
    void test(`catalog example for ${code}`, () => {
      assert.equal(parseError(entry.example).code, code);
    });
  }
});
