import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { formatFieldError } from '../../src/api/field-error.js';
import { validateResource } from '../../src/api/validate.js';
import {
  EventBridgeExpressionError,
  ScheduleParseError,
  compileScheduleExpression,
  formatInZone,
  localTimeZone,
  nextTimes,
  parseScheduleExpression,
  parseStandard,
  scheduleDialectOf,
} from '../../src/schedule/index.js';
import { cronJob } from '../api/helpers.js';

function robfigError(spec: string): ScheduleParseError {
  try {
    parseStandard(spec);
  } catch (error) {
    assert.ok(
      error instanceof ScheduleParseError,
      `expected ScheduleParseError, got ${String(error)}`,
    );
    return error;
  }
  assert.fail(`expected ${JSON.stringify(spec)} to be rejected`);
}

void describe('CronJob schedules stay Kubernetes', () => {
  // A CronJob's schedule is always parsed by robfig's standard parser, which splits the wrapper
  // into fields like any other text.
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['cron(0 12 ? * MON-FRI *)', 'expected exactly 5 fields, found 6: [cron(0 12 ? * MON-FRI *)]'],
    ['rate(5 minutes)', 'expected exactly 5 fields, found 2: [rate(5 minutes)]'],
    [
      'cron(0 12 * * ?)',
      'failed to parse int from cron(0: strconv.Atoi: parsing "cron(0": invalid syntax',
    ],
  ];

  for (const [schedule, message] of cases) {
    void test(`parseStandard rejects ${schedule}`, () => {
      assert.equal(robfigError(schedule).message, message);
    });

    void test(`CronJob validation rejects ${schedule}`, () => {
      const errors = validateResource(cronJob('hello', schedule), { operation: 'create' });
      assert.deepEqual(errors.map(formatFieldError), [
        `spec.schedule: Invalid value: ${JSON.stringify(schedule)}: ${message}`,
      ]);
    });
  }
});

void describe('schedule dialect chooser', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['cron(0 12 ? * MON-FRI *)', 'eventbridge'],
    ['rate(5 minutes)', 'eventbridge'],
    ['cron(', 'eventbridge'],
    ['0 12 * * 1-5', 'kubernetes'],
    ['@every 5m', 'kubernetes'],
    [' cron(0 12 * * ? *)', 'kubernetes'],
    ['CRON(0 12 * * ? *)', 'kubernetes'],
    ['TZ=UTC cron(0 12 * * ? *)', 'kubernetes'],
    ['', 'kubernetes'],
  ];
  for (const [expression, dialect] of cases) {
    void test(`${JSON.stringify(expression)} is ${dialect}`, () => {
      assert.equal(scheduleDialectOf(expression), dialect);
    });
  }

  void test('parses EventBridge', () => {
    const parsed = parseScheduleExpression('rate(5 minutes)');
    assert.equal(parsed.dialect, 'eventbridge');
    assert.equal(parsed.spec.kind, 'rate');
  });

  void test('parses Kubernetes', () => {
    const parsed = parseScheduleExpression('@every 5m');
    assert.equal(parsed.dialect, 'kubernetes');
    assert.equal(parsed.spec.kind, 'every');
  });

  void test('no fallback between dialects', () => {
    assert.throws(() => parseScheduleExpression('cron(0 12 * * * *)'), EventBridgeExpressionError);
    assert.throws(() => parseScheduleExpression('0 12 * * ? *'), ScheduleParseError);
  });

  void test('EventBridge defaults to UTC', () => {
    const compiled = compileScheduleExpression('cron(0 12 * * ? *)');
    assert.equal(compiled.dialect, 'eventbridge');
    assert.equal(compiled.schedule.timeZone, 'UTC');
  });

  void test('Kubernetes defaults to the local zone', () => {
    const compiled = compileScheduleExpression('0 12 * * *');
    assert.equal(compiled.dialect, 'kubernetes');
    assert.equal(compiled.schedule.timeZone, localTimeZone());
  });

  void test('rate anchor passes through', () => {
    const compiled = compileScheduleExpression('rate(1 hour)', {
      anchor: Date.parse('2025-01-01T00:30:00Z'),
    });
    assert.equal(
      compiled.schedule.next(Date.parse('2025-01-01T05:00:00Z')),
      Date.parse('2025-01-01T05:30:00Z'),
    );
  });

  void test('same schedule in both dialects', () => {
    // EventBridge numbers weekdays from 1 = Sunday, robfig from 0 = Sunday.
    const options = { timeZone: 'Europe/Berlin', dstPolicy: 'kubernetes' as const };
    const from = Date.parse('2025-03-27T00:00:00Z');
    const times = (expression: string) =>
      nextTimes(compileScheduleExpression(expression, options).schedule, from, 6).map((time) =>
        formatInZone(time, 'Europe/Berlin'),
      );
    const expected = [
      '2025-03-27T12:00:00+01:00',
      '2025-03-28T12:00:00+01:00',
      '2025-03-31T12:00:00+02:00',
      '2025-04-01T12:00:00+02:00',
      '2025-04-02T12:00:00+02:00',
      '2025-04-03T12:00:00+02:00',
    ];
    assert.deepEqual(times('cron(0 12 ? * 2-6 *)'), expected);
    assert.deepEqual(times('0 12 * * 1-5'), expected);
  });
});
