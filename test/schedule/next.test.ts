import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { compileSchedule, formatInZone, nextTimes } from '../../src/schedule/index.js';
import type { DstPolicy } from '../../src/schedule/index.js';

/** Returns `count` fire times after `from` as RFC 3339 UTC strings. */
function fireTimes(
  spec: string,
  timeZone: string,
  from: string,
  count: number,
  dstPolicy: DstPolicy = 'cron',
): string[] {
  const schedule = compileSchedule(spec, { timeZone, dstPolicy });
  return nextTimes(schedule, Date.parse(from), count).map((time) => formatInZone(time, 'UTC'));
}

void describe('next fire times', () => {
  void test('leap day every four years', () => {
    assert.deepEqual(fireTimes('0 0 29 2 *', 'UTC', '2018-11-05T00:00:00Z', 3), [
      '2020-02-29T00:00:00Z',
      '2024-02-29T00:00:00Z',
      '2028-02-29T00:00:00Z',
    ]);
  });

  void test('impossible date returns null fast', () => {
    const schedule = compileSchedule('0 0 31 4 *', { timeZone: 'UTC' });
    const started = performance.now();
    const next = schedule.next(Date.parse('2018-11-05T00:00:00Z'));
    const elapsed = performance.now() - started;
    assert.equal(next, null);
    assert.ok(elapsed < 50, `took ${elapsed} ms`);
  });

  void test('field of only commas never fires', () => {
    assert.deepEqual(fireTimes(', * * * *', 'UTC', '2024-01-01T00:00:00Z', 1), []);
  });

  void test('horizon ends five years on', () => {
    // robfig stops after the fifth calendar year following the local year it starts in.
    assert.deepEqual(fireTimes('0 0 29 2 *', 'UTC', '2099-01-01T00:00:00Z', 1), [
      '2104-02-29T00:00:00Z',
    ]);
    assert.deepEqual(fireTimes('0 0 29 2 *', 'UTC', '2098-12-31T23:59:58Z', 1), []);
    assert.deepEqual(fireTimes('0 0 29 2 *', 'America/New_York', '2099-01-01T04:59:59Z', 1), [
      '2104-02-29T05:00:00Z',
    ]);
    assert.deepEqual(fireTimes('0 0 29 2 *', 'America/New_York', '2099-01-01T04:59:58Z', 1), []);
  });

  void test('strictly after from', () => {
    assert.deepEqual(fireTimes('0 * * * *', 'UTC', '2024-01-01T10:00:00Z', 1), [
      '2024-01-01T11:00:00Z',
    ]);
    assert.deepEqual(fireTimes('0 * * * *', 'UTC', '2024-01-01T09:59:59.999Z', 1), [
      '2024-01-01T10:00:00Z',
    ]);
  });

  void test('results are whole seconds', () => {
    const schedule = compileSchedule('* * * * *', { timeZone: 'UTC' });
    assert.equal(
      schedule.next(Date.parse('2024-01-01T10:00:30.250Z')),
      Date.parse('2024-01-01T10:01:00Z'),
    );
  });

  void test('day-of-month OR day-of-week', () => {
    assert.deepEqual(fireTimes('0 0 1-7 * 1', 'UTC', '2024-01-01T00:00:00Z', 3), [
      '2024-01-02T00:00:00Z',
      '2024-01-03T00:00:00Z',
      '2024-01-04T00:00:00Z',
    ]);
  });

  void test('step 2 day field is not a star', () => {
    // Odd days or Mondays: January 2024 starts on a Monday.
    assert.deepEqual(fireTimes('0 0 */2 * 1', 'UTC', '2024-01-01T00:00:00Z', 5), [
      '2024-01-03T00:00:00Z',
      '2024-01-05T00:00:00Z',
      '2024-01-07T00:00:00Z',
      '2024-01-08T00:00:00Z',
      '2024-01-09T00:00:00Z',
    ]);
  });

  void test('step 1 day field is a star', () => {
    assert.deepEqual(fireTimes('0 0 */1 * 1', 'UTC', '2024-01-01T00:00:00Z', 3), [
      '2024-01-08T00:00:00Z',
      '2024-01-15T00:00:00Z',
      '2024-01-22T00:00:00Z',
    ]);
  });

  void test('descriptors', () => {
    const from = '2024-05-15T10:20:30Z';
    assert.deepEqual(fireTimes('@yearly', 'UTC', from, 1), ['2025-01-01T00:00:00Z']);
    assert.deepEqual(fireTimes('@annually', 'UTC', from, 1), ['2025-01-01T00:00:00Z']);
    assert.deepEqual(fireTimes('@monthly', 'UTC', from, 1), ['2024-06-01T00:00:00Z']);
    assert.deepEqual(fireTimes('@weekly', 'UTC', from, 1), ['2024-05-19T00:00:00Z']);
    assert.deepEqual(fireTimes('@daily', 'UTC', from, 1), ['2024-05-16T00:00:00Z']);
    assert.deepEqual(fireTimes('@midnight', 'UTC', from, 1), ['2024-05-16T00:00:00Z']);
    assert.deepEqual(fireTimes('@hourly', 'UTC', from, 1), ['2024-05-15T11:00:00Z']);
  });

  void test('@every 500ms is one second', () => {
    assert.deepEqual(fireTimes('@every 500ms', 'UTC', '2024-01-01T00:00:00.700Z', 3), [
      '2024-01-01T00:00:01Z',
      '2024-01-01T00:00:02Z',
      '2024-01-01T00:00:03Z',
    ]);
  });

  void test('@every 1m30.5s is 90 seconds', () => {
    assert.deepEqual(fireTimes('@every 1m30.5s', 'UTC', '2024-01-01T00:00:00Z', 2), [
      '2024-01-01T00:01:30Z',
      '2024-01-01T00:03:00Z',
    ]);
  });

  void test('@every anchors on from', () => {
    const schedule = compileSchedule('@every 1h', { timeZone: 'UTC' });
    assert.equal(
      schedule.next(Date.parse('2024-01-01T08:59:12.345Z')),
      Date.parse('2024-01-01T09:59:12Z'),
    );
  });

  void test('time zone option', () => {
    assert.deepEqual(fireTimes('0 2 * * *', 'Asia/Shanghai', '2024-01-01T00:00:00Z', 1), [
      '2024-01-01T18:00:00Z',
    ]);
    // 05:30 in Kolkata (+05:30) is midnight UTC, and the run at `from` itself is not after it.
    assert.deepEqual(fireTimes('30 5 * * *', 'Asia/Kolkata', '2024-01-01T00:00:00Z', 1), [
      '2024-01-02T00:00:00Z',
    ]);
  });

  void test('TZ prefix wins over option', () => {
    const schedule = compileSchedule('TZ=Asia/Tokyo 0 9 * * *', { timeZone: 'America/New_York' });
    assert.equal(schedule.timeZone, 'Asia/Tokyo');
    assert.equal(
      schedule.next(Date.parse('2024-01-01T00:00:00Z')),
      Date.parse('2024-01-02T00:00:00Z'),
    );
  });

  void test('names in fields', () => {
    assert.deepEqual(fireTimes('0 12 * FEB SUN', 'UTC', '2024-01-01T00:00:00Z', 2), [
      '2024-02-04T12:00:00Z',
      '2024-02-11T12:00:00Z',
    ]);
  });
});
