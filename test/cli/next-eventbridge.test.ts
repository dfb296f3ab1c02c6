import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { runNext } from '../../src/cli/next.js';
import { runCli } from './harness.js';

const NOW = Date.parse('2025-03-08T00:00:00Z');

void describe('cronmesh next with EventBridge expressions', () => {
  void test('cron expression defaults to UTC', () => {
    // 2025-03-08 is a Saturday.
    const result = runNext({ expression: 'cron(0 12 ? * MON-FRI *)', count: 3 }, NOW);
    assert.equal(
      result.stdout,
      'At 12:00, Monday through Friday\n' +
        '2025-03-10T12:00:00Z\n' +
        '2025-03-11T12:00:00Z\n' +
        '2025-03-12T12:00:00Z\n',
    );
    assert.equal(result.stderr, '');
    assert.equal(result.exitCode, 0);
  });

  void test('rate counts from now', () => {
    const result = runNext({ expression: 'rate(5 minutes)', count: 2 }, NOW);
    assert.equal(result.stdout, 'Every 5 minutes\n2025-03-08T00:05:00Z\n2025-03-08T00:10:00Z\n');
    assert.equal(result.exitCode, 0);
  });

  void test('skipped local time is marked', () => {
    const result = runNext(
      { expression: 'cron(30 2 * * ? *)', timeZone: 'America/New_York', count: 3 },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 02:30, in time zone America/New_York\n' +
        '2025-03-08T02:30:00-05:00\n' +
        '2025-03-09T03:00:00-04:00  (02:30 does not exist on this day: moved to the first instant after the DST change)\n' +
        '2025-03-10T02:30:00-04:00\n',
    );
  });

  void test('json output names the dialect', () => {
    const result = runNext(
      {
        expression: 'cron(30 1 ? * 1#1 *)',
        timeZone: 'America/New_York',
        from: '2025-10-15T00:00:00Z',
        count: 3,
        dstPolicy: 'kubernetes',
        output: 'json',
      },
      NOW,
    );
    assert.deepEqual(JSON.parse(result.stdout), {
      expression: 'cron(30 1 ? * 1#1 *)',
      dialect: 'eventbridge',
      timeZone: 'America/New_York',
      dstPolicy: 'kubernetes',
      description: 'At 01:30, on the first Sunday of the month, in time zone America/New_York',
      next: ['2025-11-02T01:30:00-04:00', '2025-11-02T01:30:00-05:00', '2025-12-07T01:30:00-05:00'],
      marks: [
        {
          time: '2025-11-02T01:30:00-04:00',
          kind: 'repeated',
          note: '01:30 occurs twice on this day: this is the first of its two runs',
        },
        {
          time: '2025-11-02T01:30:00-05:00',
          kind: 'repeated',
          note: '01:30 occurs twice on this day: this is the second of its two runs',
        },
      ],
    });
    assert.equal(result.exitCode, 0);
  });

  void test('json zone is UTC when unset', () => {
    const result = runNext({ expression: 'cron(0 0 31 4 ? *)', output: 'json' }, NOW);
    assert.deepEqual(JSON.parse(result.stdout), {
      expression: 'cron(0 0 31 4 ? *)',
      dialect: 'eventbridge',
      timeZone: 'UTC',
      dstPolicy: 'cron',
      description:
        'At 00:00, on day 31 of the month, only in April (never fires: no listed month has such a day)',
      next: [],
      marks: [],
    });
  });

  void test('never firing text output', () => {
    const result = runNext({ expression: 'cron(0 0 31 4 ? *)' }, NOW);
    assert.equal(
      result.stderr,
      'schedule "cron(0 0 31 4 ? *)" does not fire after 2025-03-08T00:00:00Z up to the end of 2199\n',
    );
    assert.equal(result.exitCode, 0);
  });

  void test('invalid cron expression', () => {
    const result = runNext({ expression: 'cron(0 12 * * * *)' }, NOW);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'error: invalid schedule "cron(0 12 * * * *)": Parameter ScheduleExpression is not valid: ' +
        'invalid day fields "* *" in cron(0 12 * * * *): expected ? in exactly one of ' +
        'day-of-month and day-of-week, found ? in neither\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('invalid rate expression', () => {
    const result = runNext({ expression: 'rate(1 minutes)' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid schedule "rate(1 minutes)": Parameter ScheduleExpression is not valid: ' +
        'invalid rate unit "minutes" in rate(1 minutes): expected minute because the value is 1\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('six fields without wrapper are Kubernetes', () => {
    const result = runNext({ expression: '0 12 ? * MON-FRI *' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid schedule "0 12 ? * MON-FRI *": expected exactly 5 fields, found 6: [0 12 ? * MON-FRI *]\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('unknown time zone', () => {
    const result = runNext({ expression: 'cron(0 12 * * ? *)', timeZone: 'Foo/Bar' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid --time-zone value "Foo/Bar": unknown time zone Foo/Bar\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('command line run', async () => {
    const result = await runCli({ url: 'http://127.0.0.1:1' }, [
      'next',
      'cron(0 9 ? * 2#1 *)',
      '--from',
      '2025-01-30T00:00:00Z',
      '--time-zone',
      'Asia/Kolkata',
      '-n',
      '2',
    ]);
    assert.equal(
      result.stdout,
      'At 09:00, on the first Monday of the month, in time zone Asia/Kolkata\n' +
        '2025-02-03T09:00:00+05:30\n' +
        '2025-03-03T09:00:00+05:30\n',
    );
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });
});
