import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  UnknownTimeZoneError,
  compileSchedule,
  formatInZone,
  isKnownTimeZone,
  localTimeZone,
} from '../../src/schedule/index.js';
import type { DstPolicy } from '../../src/schedule/index.js';

void describe('isKnownTimeZone', () => {
  // Go's time.LoadLocation loads "", "UTC" and "Local" without the tz database.
  for (const zone of [
    'UTC',
    '',
    'Local',
    'America/New_York',
    'US/Pacific',
    'Asia/Kolkata',
    'Etc/GMT+5',
    'EST5EDT',
  ]) {
    void test(`accepts ${JSON.stringify(zone)}`, () => {
      assert.equal(isKnownTimeZone(zone), true);
    });
  }

  // The tz database is a case-sensitive file tree, so wrong case fails in Go as well.
  for (const zone of [
    'Foo/Bar',
    'america/new_york',
    'asia/kolkata',
    'us/pacific',
    'America',
    '../x',
    '/etc/x',
    '+05:00',
    ' UTC',
  ]) {
    void test(`rejects ${JSON.stringify(zone)}`, () => {
      assert.equal(isKnownTimeZone(zone), false);
    });
  }
});

void describe('formatInZone', () => {
  const instant = Date.parse('2016-05-19T10:00:00Z');

  void test('zone offsets', () => {
    assert.equal(formatInZone(instant, 'Europe/Rome'), '2016-05-19T12:00:00+02:00');
    assert.equal(formatInZone(instant, 'America/New_York'), '2016-05-19T06:00:00-04:00');
    assert.equal(formatInZone(instant, 'Asia/Kolkata'), '2016-05-19T15:30:00+05:30');
    assert.equal(formatInZone(instant, 'Pacific/Chatham'), '2016-05-19T22:45:00+12:45');
  });

  void test('UTC renders Z', () => {
    assert.equal(formatInZone(instant, 'UTC'), '2016-05-19T10:00:00Z');
    assert.equal(formatInZone(instant, undefined), '2016-05-19T10:00:00Z');
  });

  void test('drops fractions of a second', () => {
    assert.equal(formatInZone(instant + 999, 'UTC'), '2016-05-19T10:00:00Z');
  });

  void test('instants before 1970', () => {
    assert.equal(formatInZone(Date.parse('1969-12-31T23:59:59Z'), 'UTC'), '1969-12-31T23:59:59Z');
  });

  void test('rejects unknown zone', () => {
    assert.throws(() => formatInZone(instant, 'Foo/Bar'), {
      name: 'RangeError',
      message: 'cannot format in time zone Foo/Bar: unknown time zone Foo/Bar',
    });
  });
});

void describe('compileSchedule options', () => {
  void test('unknown timeZone option', () => {
    try {
      compileSchedule('0 0 * * *', { timeZone: 'Foo/Bar' });
      assert.fail('expected UnknownTimeZoneError');
    } catch (error) {
      assert.ok(error instanceof UnknownTimeZoneError);
      assert.equal(error.code, 'UnknownTimeZone');
      assert.equal(error.message, 'unknown time zone Foo/Bar');
      assert.equal(error.timeZone, 'Foo/Bar');
    }
  });

  void test('undefined zone is local zone', () => {
    assert.equal(compileSchedule('0 0 * * *').timeZone, localTimeZone());
  });

  void test('empty zone is UTC', () => {
    assert.equal(compileSchedule('0 0 * * *', { timeZone: '' }).timeZone, 'UTC');
    assert.equal(compileSchedule('TZ= 0 0 * * *').timeZone, 'UTC');
  });

  void test('default policy is cron', () => {
    assert.equal(compileSchedule('0 0 * * *', { timeZone: 'UTC' }).dstPolicy, 'cron');
  });

  void test('unknown policy rejected', () => {
    assert.throws(() => compileSchedule('0 0 * * *', { dstPolicy: 'vixie' as DstPolicy }), {
      name: 'RangeError',
      message: 'invalid dstPolicy "vixie": expected cron or kubernetes',
    });
  });

  void test('next rejects non-finite from', () => {
    const schedule = compileSchedule('0 0 * * *', { timeZone: 'UTC' });
    assert.throws(() => schedule.next(Number.NaN), { name: 'RangeError' });
  });
});
