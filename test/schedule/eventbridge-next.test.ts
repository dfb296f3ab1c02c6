import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  EventBridgeExpressionError,
  UnknownTimeZoneError,
  compileEventBridge,
  formatInZone,
  nextTimes,
} from '../../src/schedule/index.js';
import type { EventBridgeCompileOptions } from '../../src/schedule/index.js';

function fireTimes(
  expression: string,
  from: string,
  count: number,
  options: EventBridgeCompileOptions = {},
): string[] {
  const schedule = compileEventBridge(expression, options);
  return nextTimes(schedule, Date.parse(from), count).map((time) => formatInZone(time, 'UTC'));
}

function nextTime(expression: string, from: string, options: EventBridgeCompileOptions = {}) {
  const next = compileEventBridge(expression, options).next(Date.parse(from));
  return next === null ? null : formatInZone(next, 'UTC');
}

// Expected times were worked out from a calendar: 2025-01-30 is a Thursday, 2025-01-31 a Friday.
void describe('EventBridge AWS examples', () => {
  void test('10:00 every day', () => {
    assert.deepEqual(fireTimes('cron(0 10 * * ? *)', '2025-01-30T12:00:00Z', 3), [
      '2025-01-31T10:00:00Z',
      '2025-02-01T10:00:00Z',
      '2025-02-02T10:00:00Z',
    ]);
  });

  void test('12:15 every day', () => {
    assert.deepEqual(fireTimes('cron(15 12 * * ? *)', '2025-01-30T12:00:00Z', 3), [
      '2025-01-30T12:15:00Z',
      '2025-01-31T12:15:00Z',
      '2025-02-01T12:15:00Z',
    ]);
  });

  void test('18:00 Monday to Friday', () => {
    assert.deepEqual(fireTimes('cron(0 18 ? * MON-FRI *)', '2025-01-31T12:00:00Z', 3), [
      '2025-01-31T18:00:00Z',
      '2025-02-03T18:00:00Z',
      '2025-02-04T18:00:00Z',
    ]);
  });

  void test('08:00 on the first of the month', () => {
    assert.deepEqual(fireTimes('cron(0 8 1 * ? *)', '2025-01-30T12:00:00Z', 3), [
      '2025-02-01T08:00:00Z',
      '2025-03-01T08:00:00Z',
      '2025-04-01T08:00:00Z',
    ]);
  });

  void test('every 15 minutes across midnight', () => {
    assert.deepEqual(fireTimes('cron(0/15 * * * ? *)', '2025-01-31T23:50:00Z', 3), [
      '2025-02-01T00:00:00Z',
      '2025-02-01T00:15:00Z',
      '2025-02-01T00:30:00Z',
    ]);
  });

  void test('every 10 minutes on weekdays', () => {
    assert.deepEqual(fireTimes('cron(0/10 * ? * MON-FRI *)', '2025-01-31T23:45:00Z', 3), [
      '2025-01-31T23:50:00Z',
      '2025-02-03T00:00:00Z',
      '2025-02-03T00:10:00Z',
    ]);
  });

  void test('every 5 minutes in office hours', () => {
    assert.deepEqual(fireTimes('cron(0/5 8-17 ? * MON-FRI *)', '2025-01-31T17:52:00Z', 3), [
      '2025-01-31T17:55:00Z',
      '2025-02-03T08:00:00Z',
      '2025-02-03T08:05:00Z',
    ]);
  });

  void test('first Monday of the month', () => {
    assert.deepEqual(fireTimes('cron(0 9 ? * 2#1 *)', '2025-01-30T12:00:00Z', 6), [
      '2025-02-03T09:00:00Z',
      '2025-03-03T09:00:00Z',
      '2025-04-07T09:00:00Z',
      '2025-05-05T09:00:00Z',
      '2025-06-02T09:00:00Z',
      '2025-07-07T09:00:00Z',
    ]);
  });
});

void describe('EventBridge L, W and #', () => {
  void test('last day of the month', () => {
    assert.deepEqual(fireTimes('cron(0 0 L * ? *)', '2024-01-15T00:00:00Z', 4), [
      '2024-01-31T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2024-03-31T00:00:00Z',
      '2024-04-30T00:00:00Z',
    ]);
  });

  void test('last Friday of the month', () => {
    assert.deepEqual(fireTimes('cron(0 0 ? * 6L *)', '2025-01-01T00:00:00Z', 6), [
      '2025-01-31T00:00:00Z',
      '2025-02-28T00:00:00Z',
      '2025-03-28T00:00:00Z',
      '2025-04-25T00:00:00Z',
      '2025-05-30T00:00:00Z',
      '2025-06-27T00:00:00Z',
    ]);
  });

  void test('last weekday of the month', () => {
    // May 31 is a Saturday, August 31 and November 30 are Sundays.
    assert.deepEqual(fireTimes('cron(0 0 LW * ? *)', '2025-05-01T00:00:00Z', 7), [
      '2025-05-30T00:00:00Z',
      '2025-06-30T00:00:00Z',
      '2025-07-31T00:00:00Z',
      '2025-08-29T00:00:00Z',
      '2025-09-30T00:00:00Z',
      '2025-10-31T00:00:00Z',
      '2025-11-28T00:00:00Z',
    ]);
  });

  void test('weekday nearest the 15th', () => {
    // February, March and November 15 are Saturdays, June 15 is a Sunday.
    assert.deepEqual(fireTimes('cron(0 0 15W * ? *)', '2025-01-01T00:00:00Z', 12), [
      '2025-01-15T00:00:00Z',
      '2025-02-14T00:00:00Z',
      '2025-03-14T00:00:00Z',
      '2025-04-15T00:00:00Z',
      '2025-05-15T00:00:00Z',
      '2025-06-16T00:00:00Z',
      '2025-07-15T00:00:00Z',
      '2025-08-15T00:00:00Z',
      '2025-09-15T00:00:00Z',
      '2025-10-15T00:00:00Z',
      '2025-11-14T00:00:00Z',
      '2025-12-15T00:00:00Z',
    ]);
  });

  void test('1W stays in the month', () => {
    // February 1 and March 1 are Saturdays, June 1 is a Sunday.
    assert.deepEqual(fireTimes('cron(0 0 1W * ? *)', '2024-12-31T00:00:00Z', 7), [
      '2025-01-01T00:00:00Z',
      '2025-02-03T00:00:00Z',
      '2025-03-03T00:00:00Z',
      '2025-04-01T00:00:00Z',
      '2025-05-01T00:00:00Z',
      '2025-06-02T00:00:00Z',
      '2025-07-01T00:00:00Z',
    ]);
  });

  void test('31W skips shorter months', () => {
    // May 31 is a Saturday and August 31 a Sunday, so both move back to the Friday.
    assert.deepEqual(fireTimes('cron(0 0 31W * ? *)', '2025-01-01T00:00:00Z', 7), [
      '2025-01-31T00:00:00Z',
      '2025-03-31T00:00:00Z',
      '2025-05-30T00:00:00Z',
      '2025-07-31T00:00:00Z',
      '2025-08-29T00:00:00Z',
      '2025-10-31T00:00:00Z',
      '2025-12-31T00:00:00Z',
    ]);
  });

  void test('fifth Tuesday skips months', () => {
    assert.deepEqual(fireTimes('cron(0 0 ? * 3#5 *)', '2025-01-01T00:00:00Z', 4), [
      '2025-04-29T00:00:00Z',
      '2025-07-29T00:00:00Z',
      '2025-09-30T00:00:00Z',
      '2025-12-30T00:00:00Z',
    ]);
  });

  void test('lone L is Saturday', () => {
    assert.deepEqual(fireTimes('cron(0 0 ? 2 L 2025)', '2025-01-01T00:00:00Z', 5), [
      '2025-02-01T00:00:00Z',
      '2025-02-08T00:00:00Z',
      '2025-02-15T00:00:00Z',
      '2025-02-22T00:00:00Z',
    ]);
  });

  void test('29 February in leap years only', () => {
    assert.deepEqual(fireTimes('cron(0 0 29 2 ? *)', '2025-01-30T00:00:00Z', 3), [
      '2028-02-29T00:00:00Z',
      '2032-02-29T00:00:00Z',
      '2036-02-29T00:00:00Z',
    ]);
  });
});

void describe('EventBridge year field', () => {
  void test('last year of the range', () => {
    assert.deepEqual(fireTimes('cron(0 0 1 1 ? 2199)', '2198-06-01T00:00:00Z', 2), [
      '2199-01-01T00:00:00Z',
    ]);
  });

  void test('last minute of 2199', () => {
    assert.equal(nextTime('cron(59 23 31 12 ? *)', '2199-12-31T23:58:59Z'), '2199-12-31T23:59:00Z');
    assert.equal(nextTime('cron(59 23 31 12 ? *)', '2199-12-31T23:59:00Z'), null);
  });

  void test('nothing after 2199', () => {
    assert.equal(nextTime('cron(0/5 * * * ? *)', '2200-01-01T00:00:00Z'), null);
    assert.equal(compileEventBridge('cron(0/5 * * * ? *)').next(8e15), null);
  });

  void test('local end of 2199 in +14:00', () => {
    assert.equal(
      nextTime('cron(0 0 31 12 ? 2199)', '2199-01-01T00:00:00Z', {
        timeZone: 'Pacific/Kiritimati',
      }),
      '2199-12-30T10:00:00Z',
    );
  });

  void test('first year of the range', () => {
    assert.equal(nextTime('cron(0 0 1 1 ? 1970)', '1960-01-01T00:00:00Z'), '1970-01-01T00:00:00Z');
    assert.equal(
      nextTime('cron(0 0 1 1 ? 1970)', '1960-01-01T00:00:00Z', { timeZone: 'America/New_York' }),
      '1970-01-01T05:00:00Z',
    );
  });

  void test('from long before 1970', () => {
    assert.equal(compileEventBridge('cron(0 0 1 1 ? 1970)').next(-8e15), 0);
  });

  void test('year step', () => {
    assert.deepEqual(fireTimes('cron(0 0 1 1 ? 2025/100)', '2024-01-01T00:00:00Z', 3), [
      '2025-01-01T00:00:00Z',
      '2125-01-01T00:00:00Z',
    ]);
  });

  void test('year range in the past', () => {
    assert.equal(nextTime('cron(0 12 * * ? 2020-2022)', '2025-01-01T00:00:00Z'), null);
  });
});

void describe('EventBridge impossible schedules', () => {
  for (const expression of [
    'cron(0 0 31 4 ? *)',
    'cron(0 0 30 2 ? *)',
    'cron(0 0 31 2,4,6,9,11 ? *)',
    'cron(0 0 30W 2 ? *)',
    'cron(0 0 29 2 ? 2100)',
    'cron(0 0 ? 2 3#5 2025-2027)',
  ]) {
    void test(`${expression} never fires`, () => {
      const schedule = compileEventBridge(expression);
      assert.equal(schedule.next(Date.parse('1970-01-01T00:00:00Z')), null);
      assert.equal(schedule.next(Date.parse('2025-06-01T00:00:00Z')), null);
    });
  }

  void test('invalid from', () => {
    const schedule = compileEventBridge('cron(0 0 * * ? *)');
    assert.throws(() => schedule.next(Number.NaN), {
      name: 'RangeError',
      message: 'from must be a finite instant, got NaN',
    });
  });
});

void describe('EventBridge rate anchoring', () => {
  const anchor = Date.parse('2025-01-01T00:00:00Z');

  void test('counts from the instant asked about', () => {
    assert.deepEqual(fireTimes('rate(5 minutes)', '2025-01-01T00:07:30.250Z', 3), [
      '2025-01-01T00:12:30Z',
      '2025-01-01T00:17:30Z',
      '2025-01-01T00:22:30Z',
    ]);
  });

  void test('anchored on the start time', () => {
    assert.deepEqual(fireTimes('rate(5 minutes)', '2025-01-01T00:07:30Z', 3, { anchor }), [
      '2025-01-01T00:10:00Z',
      '2025-01-01T00:15:00Z',
      '2025-01-01T00:20:00Z',
    ]);
  });

  void test('fire time itself is excluded', () => {
    assert.equal(
      nextTime('rate(5 minutes)', '2025-01-01T00:10:00Z', { anchor }),
      '2025-01-01T00:15:00Z',
    );
  });

  void test('first fire is the anchor', () => {
    assert.equal(
      nextTime('rate(2 hours)', '2024-12-31T20:00:00Z', { anchor }),
      '2025-01-01T00:00:00Z',
    );
    assert.equal(
      nextTime('rate(2 hours)', '2024-12-31T23:59:59.999Z', { anchor }),
      '2025-01-01T00:00:00Z',
    );
  });

  void test('anchor drops its fraction', () => {
    assert.equal(
      nextTime('rate(1 minute)', '2025-01-01T00:00:30Z', { anchor: anchor + 750 }),
      '2025-01-01T00:01:00Z',
    );
  });

  void test('far from the anchor', () => {
    // 2025-01-01 and 2125-03-07 are both Wednesdays, 5227 weeks apart.
    assert.equal(
      nextTime('rate(7 days)', '2125-03-04T05:06:07Z', { anchor }),
      '2125-03-07T00:00:00Z',
    );
  });

  void test('a day is 24 hours across DST', () => {
    // New York moves from -05:00 to -04:00 on 2025-03-09.
    const options = { anchor: Date.parse('2025-03-08T12:00:00Z'), timeZone: 'America/New_York' };
    assert.deepEqual(fireTimes('rate(1 day)', '2025-03-08T12:00:00Z', 2, options), [
      '2025-03-09T12:00:00Z',
      '2025-03-10T12:00:00Z',
    ]);
  });

  void test('nothing beyond the Date range', () => {
    const schedule = compileEventBridge('rate(100000000 days)', { anchor: 0 });
    assert.equal(schedule.next(8.64e15 - 1), 8.64e15);
    assert.equal(schedule.next(8.64e15), null);
  });

  void test('time zone and policy are kept', () => {
    const schedule = compileEventBridge('rate(1 hour)', {
      timeZone: 'Europe/Berlin',
      dstPolicy: 'kubernetes',
    });
    assert.equal(schedule.timeZone, 'Europe/Berlin');
    assert.equal(schedule.dstPolicy, 'kubernetes');
  });
});

void describe('compileEventBridge options', () => {
  void test('defaults to UTC and cron', () => {
    const schedule = compileEventBridge('cron(0 12 * * ? *)');
    assert.equal(schedule.timeZone, 'UTC');
    assert.equal(schedule.dstPolicy, 'cron');
  });

  void test('evaluates in the zone', () => {
    assert.equal(
      nextTime('cron(0 9 ? * 2#1 *)', '2025-01-30T00:00:00Z', { timeZone: 'Asia/Kolkata' }),
      '2025-02-03T03:30:00Z',
    );
  });

  void test('unknown time zone', () => {
    assert.throws(() => compileEventBridge('cron(0 12 * * ? *)', { timeZone: 'Foo/Bar' }), {
      name: 'UnknownTimeZoneError',
      message: 'unknown time zone Foo/Bar',
    });
    assert.throws(
      () => compileEventBridge('cron(0 12 * * ? *)', { timeZone: 'Foo/Bar' }),
      UnknownTimeZoneError,
    );
  });

  void test('unknown DST policy', () => {
    assert.throws(
      () => compileEventBridge('cron(0 12 * * ? *)', { dstPolicy: 'vixie' as 'cron' }),
      { name: 'RangeError', message: 'invalid dstPolicy "vixie": expected cron or kubernetes' },
    );
  });

  void test('anchor must be finite', () => {
    assert.throws(() => compileEventBridge('rate(1 hour)', { anchor: Number.NaN }), {
      name: 'RangeError',
      message: 'invalid anchor NaN: expected a finite instant in ms since the epoch',
    });
  });

  void test('invalid expression', () => {
    assert.throws(() => compileEventBridge('rate(1 minutes)'), EventBridgeExpressionError);
  });
});
