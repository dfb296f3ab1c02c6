import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  compileSchedule,
  compileScheduleExpression,
  formatInZone,
  previousTimes,
} from '../../src/schedule/index.js';
import type { DstPolicy } from '../../src/schedule/index.js';

function previous(
  spec: string,
  timeZone: string,
  before: string,
  count: number,
  dstPolicy: DstPolicy = 'cron',
): string[] {
  const schedule = compileSchedule(spec, { timeZone, dstPolicy });
  return previousTimes(schedule, Date.parse(before), count).map((time) =>
    formatInZone(time, 'UTC'),
  );
}

void describe('previous fire times', () => {
  void test('daily schedule in UTC', () => {
    assert.deepEqual(previous('0 12 * * *', 'UTC', '2024-01-03T12:00:00Z', 3), [
      '2024-01-02T12:00:00Z',
      '2024-01-01T12:00:00Z',
      '2023-12-31T12:00:00Z',
    ]);
  });

  void test('strictly before a fraction', () => {
    assert.deepEqual(previous('0 12 * * *', 'UTC', '2024-01-03T12:00:00.001Z', 1), [
      '2024-01-03T12:00:00Z',
    ]);
    assert.deepEqual(previous('* * * * *', 'UTC', '2024-01-03T12:00:59.999Z', 2), [
      '2024-01-03T12:00:00Z',
      '2024-01-03T11:59:00Z',
    ]);
  });

  void test('leap day schedule', () => {
    assert.deepEqual(previous('0 0 29 2 *', 'UTC', '2025-01-01T00:00:00Z', 2), [
      '2024-02-29T00:00:00Z',
      '2020-02-29T00:00:00Z',
    ]);
  });

  void test('horizon is five years back', () => {
    // 2100 is not a leap year, so 2096-02-29 lies more than five calendar years before 2104.
    assert.deepEqual(previous('0 0 29 2 *', 'UTC', '2104-01-01T00:00:00Z', 1), []);
    assert.deepEqual(previous('0 0 29 2 *', 'UTC', '2101-01-01T00:00:00Z', 1), [
      '2096-02-29T00:00:00Z',
    ]);
  });

  void test('impossible date returns null', () => {
    const schedule = compileSchedule('0 0 30 2 *', { timeZone: 'UTC' });
    assert.equal(schedule.prev?.(Date.parse('2025-01-01T00:00:00Z')), null);
  });

  void test('empty field returns null', () => {
    const schedule = compileSchedule('0 0 , * ,', { timeZone: 'UTC' });
    assert.equal(schedule.prev?.(Date.parse('2025-01-01T00:00:00Z')), null);
  });

  void test('day-of-month or day-of-week', () => {
    // Both fields restricted: January 1-7 and every Monday match.
    assert.deepEqual(previous('0 0 1-7 * 1', 'UTC', '2024-01-16T00:00:00Z', 4), [
      '2024-01-15T00:00:00Z',
      '2024-01-08T00:00:00Z',
      '2024-01-07T00:00:00Z',
      '2024-01-06T00:00:00Z',
    ]);
  });

  void test('month and year boundaries', () => {
    assert.deepEqual(previous('30 23 31 * *', 'UTC', '2024-05-01T00:00:00Z', 3), [
      '2024-03-31T23:30:00Z',
      '2024-01-31T23:30:00Z',
      '2023-12-31T23:30:00Z',
    ]);
  });

  void test('half-hour offset zone', () => {
    assert.deepEqual(previous('0 9 * * 1-5', 'Asia/Kolkata', '2024-06-10T03:30:00Z', 2), [
      '2024-06-07T03:30:00Z',
      '2024-06-06T03:30:00Z',
    ]);
  });

  void test('time zone prefix wins', () => {
    assert.deepEqual(
      previous('TZ=Asia/Tokyo 0 9 * * *', 'America/New_York', '2024-06-10T00:00:00Z', 1),
      ['2024-06-09T00:00:00Z'],
    );
  });

  void test('invalid instant is rejected', () => {
    const schedule = compileSchedule('0 0 * * *', { timeZone: 'UTC' });
    assert.throws(() => schedule.prev?.(Number.NaN), {
      name: 'RangeError',
      message: /^before must be a finite instant within ±\d+ ms, got NaN$/,
    });
  });
});

void describe('previous fire times across DST', () => {
  void test('spring forward, US/Pacific 02:00', () => {
    assert.deepEqual(previous('0 2 * * *', 'US/Pacific', '2025-03-10T12:00:00Z', 3, 'cron'), [
      '2025-03-10T09:00:00Z',
      '2025-03-09T10:00:00Z',
      '2025-03-08T10:00:00Z',
    ]);
    assert.deepEqual(previous('0 2 * * *', 'US/Pacific', '2025-03-10T12:00:00Z', 2, 'kubernetes'), [
      '2025-03-10T09:00:00Z',
      '2025-03-08T10:00:00Z',
    ]);
  });

  void test('fall back, New York 01:30', () => {
    assert.deepEqual(
      previous('30 1 * * *', 'America/New_York', '2021-11-08T12:00:00Z', 3, 'cron'),
      ['2021-11-08T06:30:00Z', '2021-11-07T05:30:00Z', '2021-11-06T05:30:00Z'],
    );
    assert.deepEqual(
      previous('30 1 * * *', 'America/New_York', '2021-11-08T12:00:00Z', 3, 'kubernetes'),
      ['2021-11-08T06:30:00Z', '2021-11-07T06:30:00Z', '2021-11-07T05:30:00Z'],
    );
  });

  void test('between the two occurrences', () => {
    // 2021-11-07T06:00Z is 01:00 EST, after the first 01:30 (EDT) and before the second.
    assert.deepEqual(
      previous('30 1 * * *', 'America/New_York', '2021-11-07T06:00:00Z', 1, 'kubernetes'),
      ['2021-11-07T05:30:00Z'],
    );
    assert.deepEqual(
      previous('30 1 * * *', 'America/New_York', '2021-11-07T06:45:00Z', 1, 'cron'),
      ['2021-11-07T05:30:00Z'],
    );
  });

  void test('two skipped times fire once', () => {
    assert.deepEqual(
      previous('0,30 2 * * *', 'America/New_York', '2021-03-15T07:00:00Z', 3, 'cron'),
      ['2021-03-15T06:30:00Z', '2021-03-15T06:00:00Z', '2021-03-14T07:00:00Z'],
    );
  });

  void test('just after the shifted run', () => {
    assert.deepEqual(
      previous('30 2 * * *', 'America/New_York', '2021-03-14T07:00:01Z', 1, 'cron'),
      ['2021-03-14T07:00:00Z'],
    );
    assert.deepEqual(
      previous('30 2 * * *', 'America/New_York', '2021-03-14T07:00:00Z', 1, 'cron'),
      ['2021-03-13T07:30:00Z'],
    );
  });

  void test('wildcard hours follow real time', () => {
    for (const policy of ['cron', 'kubernetes'] as const) {
      assert.deepEqual(
        previous('0 * * * *', 'America/New_York', '2021-11-07T07:30:00Z', 3, policy),
        ['2021-11-07T07:00:00Z', '2021-11-07T06:00:00Z', '2021-11-07T05:00:00Z'],
        policy,
      );
    }
  });

  void test('Lord Howe half-hour changes', () => {
    // 2024-10-06 02:00 +10:30 becomes 02:30 +11:00 at 2024-10-05T15:30Z.
    assert.deepEqual(
      previous('15 2 * * *', 'Australia/Lord_Howe', '2024-10-07T00:00:00Z', 3, 'cron'),
      ['2024-10-06T15:15:00Z', '2024-10-05T15:30:00Z', '2024-10-04T15:45:00Z'],
    );
    // 2024-04-07 02:00 +11:00 becomes 01:30 +10:30 at 2024-04-06T15:00Z.
    assert.deepEqual(
      previous('45 1 * * *', 'Australia/Lord_Howe', '2024-04-08T00:00:00Z', 3, 'kubernetes'),
      ['2024-04-07T15:15:00Z', '2024-04-06T15:15:00Z', '2024-04-06T14:45:00Z'],
    );
  });

  void test('Santiago skipped and repeated midnight hour', () => {
    // 2024-09-08 00:00 -04:00 becomes 01:00 -03:00 at 2024-09-08T04:00Z.
    assert.deepEqual(previous('0 0 * * *', 'America/Santiago', '2024-09-10T00:00:00Z', 3, 'cron'), [
      '2024-09-09T03:00:00Z',
      '2024-09-08T04:00:00Z',
      '2024-09-07T04:00:00Z',
    ]);
    assert.deepEqual(
      previous('0 0 * * *', 'America/Santiago', '2024-09-10T00:00:00Z', 2, 'kubernetes'),
      ['2024-09-09T03:00:00Z', '2024-09-07T04:00:00Z'],
    );
    // 2024-04-07 00:00 -03:00 becomes 2024-04-06 23:00 -04:00 at 2024-04-07T03:00Z.
    assert.deepEqual(
      previous('30 23 * * *', 'America/Santiago', '2024-04-09T00:00:00Z', 3, 'kubernetes'),
      ['2024-04-08T03:30:00Z', '2024-04-07T03:30:00Z', '2024-04-07T02:30:00Z'],
    );
  });
});

void describe('previous fire times of @every', () => {
  void test('anchored on before', () => {
    assert.deepEqual(previous('@every 90s', 'UTC', '2024-01-01T00:00:00.750Z', 2), [
      '2023-12-31T23:58:30Z',
      '2023-12-31T23:57:00Z',
    ]);
  });

  void test('round trip with next', () => {
    const schedule = compileSchedule('@every 1h30m', { timeZone: 'UTC' });
    const start = Date.parse('2024-01-01T00:00:00Z');
    const next = schedule.next(start);
    assert.equal(next, start + 5_400_000);
    assert.equal(schedule.prev?.(next), start);
  });
});

void describe('previous fire times per dialect', () => {
  void test('EventBridge rates count back by periods', () => {
    const { schedule } = compileScheduleExpression('rate(5 minutes)');
    assert.deepEqual(previousTimes(schedule, 600_000, 2), [300_000, 0]);
  });
});
