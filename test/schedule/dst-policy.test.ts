import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  compileSchedule,
  formatInZone,
  nextTimes,
  parseStandard,
} from '../../src/schedule/index.js';
import type { CronFieldsSpec, DstPolicy } from '../../src/schedule/index.js';
import { ORACLE_ZONES, Random, randomExpression } from './oracle-cases.js';
import { scanNext, scanNextCron } from './wall-clock-reference.js';

function fireTimes(
  spec: string,
  timeZone: string,
  from: string,
  count: number,
  dstPolicy: DstPolicy,
): string[] {
  const schedule = compileSchedule(spec, { timeZone, dstPolicy });
  return nextTimes(schedule, Date.parse(from), count).map((time) => formatInZone(time, 'UTC'));
}

void describe('DST policies, whole-hour zones', () => {
  void test('spring forward, US/Pacific 02:00', () => {
    assert.deepEqual(fireTimes('0 2 * * *', 'US/Pacific', '2025-03-08T00:00:00Z', 3, 'cron'), [
      '2025-03-08T10:00:00Z',
      '2025-03-09T10:00:00Z',
      '2025-03-10T09:00:00Z',
    ]);
    assert.deepEqual(
      fireTimes('0 2 * * *', 'US/Pacific', '2025-03-08T00:00:00Z', 2, 'kubernetes'),
      ['2025-03-08T10:00:00Z', '2025-03-10T09:00:00Z'],
    );
  });

  void test('fall back, New York 01:30', () => {
    assert.deepEqual(
      fireTimes('30 1 * * *', 'America/New_York', '2021-11-06T12:00:00Z', 2, 'cron'),
      ['2021-11-07T05:30:00Z', '2021-11-08T06:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('30 1 * * *', 'America/New_York', '2021-11-06T12:00:00Z', 3, 'kubernetes'),
      ['2021-11-07T05:30:00Z', '2021-11-07T06:30:00Z', '2021-11-08T06:30:00Z'],
    );
  });

  void test('spring forward, New York 02:30', () => {
    assert.deepEqual(
      fireTimes('30 2 * * *', 'America/New_York', '2021-03-14T06:00:00Z', 2, 'cron'),
      ['2021-03-14T07:00:00Z', '2021-03-15T06:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('30 2 * * *', 'America/New_York', '2021-03-14T06:00:00Z', 1, 'kubernetes'),
      ['2021-03-15T06:30:00Z'],
    );
  });

  void test('New York 2024 under kubernetes', () => {
    assert.deepEqual(
      fireTimes('30 2 * * *', 'America/New_York', '2024-03-09T00:00:00Z', 2, 'kubernetes'),
      ['2024-03-09T07:30:00Z', '2024-03-11T06:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('30 1 * * *', 'America/New_York', '2024-11-03T00:00:00Z', 2, 'kubernetes'),
      ['2024-11-03T05:30:00Z', '2024-11-03T06:30:00Z'],
    );
  });

  void test('two skipped times fire once', () => {
    assert.deepEqual(
      fireTimes('0,30 2 * * *', 'America/New_York', '2021-03-13T12:00:00Z', 3, 'cron'),
      ['2021-03-14T07:00:00Z', '2021-03-15T06:00:00Z', '2021-03-15T06:30:00Z'],
    );
  });

  void test('hour list skips second 01:00', () => {
    assert.deepEqual(
      fireTimes('0 1,2 * * *', 'America/New_York', '2021-11-07T00:00:00Z', 3, 'cron'),
      ['2021-11-07T05:00:00Z', '2021-11-07T07:00:00Z', '2021-11-08T06:00:00Z'],
    );
    assert.deepEqual(
      fireTimes('0 1,2 * * *', 'America/New_York', '2021-11-07T00:00:00Z', 3, 'kubernetes'),
      ['2021-11-07T05:00:00Z', '2021-11-07T06:00:00Z', '2021-11-07T07:00:00Z'],
    );
  });

  void test('London spring forward and fall back', () => {
    assert.deepEqual(fireTimes('30 1 * * *', 'Europe/London', '2024-03-29T12:00:00Z', 3, 'cron'), [
      '2024-03-30T01:30:00Z',
      '2024-03-31T01:00:00Z',
      '2024-04-01T00:30:00Z',
    ]);
    assert.deepEqual(fireTimes('30 1 * * *', 'Europe/London', '2024-10-26T12:00:00Z', 3, 'cron'), [
      '2024-10-27T00:30:00Z',
      '2024-10-28T01:30:00Z',
      '2024-10-29T01:30:00Z',
    ]);
    assert.deepEqual(
      fireTimes('30 1 * * *', 'Europe/London', '2024-10-26T12:00:00Z', 3, 'kubernetes'),
      ['2024-10-27T00:30:00Z', '2024-10-27T01:30:00Z', '2024-10-28T01:30:00Z'],
    );
  });
});

void describe('DST policies, wildcard schedules', () => {
  const halfHours = [
    '2024-04-06T14:30:00Z',
    '2024-04-06T15:00:00Z',
    '2024-04-06T15:30:00Z',
    '2024-04-06T16:00:00Z',
    '2024-04-06T16:30:00Z',
    '2024-04-06T17:00:00Z',
  ];
  for (const policy of ['cron', 'kubernetes'] as const) {
    void test(`Melbourne */30 under ${policy}`, () => {
      assert.deepEqual(
        fireTimes('*/30 * * * *', 'Australia/Melbourne', '2024-04-06T14:00:00Z', 6, policy),
        halfHours,
      );
    });

    void test(`New York hourly under ${policy}`, () => {
      assert.deepEqual(
        fireTimes('0 * * * *', 'America/New_York', '2021-11-07T04:30:00Z', 3, policy),
        ['2021-11-07T05:00:00Z', '2021-11-07T06:00:00Z', '2021-11-07T07:00:00Z'],
      );
    });

    void test(`hour step over wildcard under ${policy}`, () => {
      assert.deepEqual(
        fireTimes('15 */2 * * *', 'America/New_York', '2021-03-14T05:00:00Z', 3, policy),
        ['2021-03-14T05:15:00Z', '2021-03-14T08:15:00Z', '2021-03-14T10:15:00Z'],
      );
    });
  }
});

void describe('DST policies, irregular transitions', () => {
  void test('Lord Howe half-hour spring forward', () => {
    // 2024-10-06 02:00 +10:30 becomes 02:30 +11:00 at 2024-10-05T15:30Z.
    assert.deepEqual(
      fireTimes('15 2 * * *', 'Australia/Lord_Howe', '2024-10-04T00:00:00Z', 3, 'cron'),
      ['2024-10-04T15:45:00Z', '2024-10-05T15:30:00Z', '2024-10-06T15:15:00Z'],
    );
    assert.deepEqual(
      fireTimes('15 2 * * *', 'Australia/Lord_Howe', '2024-10-04T00:00:00Z', 3, 'kubernetes'),
      ['2024-10-04T15:45:00Z', '2024-10-06T15:15:00Z', '2024-10-07T15:15:00Z'],
    );
  });

  void test('Lord Howe half-hour fall back', () => {
    // 2024-04-07 02:00 +11:00 becomes 01:30 +10:30 at 2024-04-06T15:00Z.
    assert.deepEqual(
      fireTimes('45 1 * * *', 'Australia/Lord_Howe', '2024-04-06T00:00:00Z', 2, 'cron'),
      ['2024-04-06T14:45:00Z', '2024-04-07T15:15:00Z'],
    );
    assert.deepEqual(
      fireTimes('45 1 * * *', 'Australia/Lord_Howe', '2024-04-06T00:00:00Z', 3, 'kubernetes'),
      ['2024-04-06T14:45:00Z', '2024-04-06T15:15:00Z', '2024-04-07T15:15:00Z'],
    );
  });

  void test('Chatham 02:45 spring forward', () => {
    // 2024-09-29 02:45 +12:45 becomes 03:45 +13:45 at 2024-09-28T14:00Z.
    assert.deepEqual(fireTimes('0 3 * * *', 'Pacific/Chatham', '2024-09-27T00:00:00Z', 3, 'cron'), [
      '2024-09-27T14:15:00Z',
      '2024-09-28T14:00:00Z',
      '2024-09-29T13:15:00Z',
    ]);
    assert.deepEqual(
      fireTimes('0 3 * * *', 'Pacific/Chatham', '2024-09-27T00:00:00Z', 2, 'kubernetes'),
      ['2024-09-27T14:15:00Z', '2024-09-29T13:15:00Z'],
    );
  });

  void test('Chatham 03:45 fall back', () => {
    // 2024-04-07 03:45 +13:45 becomes 02:45 +12:45 at 2024-04-06T14:00Z.
    assert.deepEqual(fireTimes('0 3 * * *', 'Pacific/Chatham', '2024-04-06T00:00:00Z', 2, 'cron'), [
      '2024-04-06T13:15:00Z',
      '2024-04-07T14:15:00Z',
    ]);
    assert.deepEqual(
      fireTimes('0 3 * * *', 'Pacific/Chatham', '2024-04-06T00:00:00Z', 3, 'kubernetes'),
      ['2024-04-06T13:15:00Z', '2024-04-06T14:15:00Z', '2024-04-07T14:15:00Z'],
    );
  });

  void test('Santiago skipped midnight', () => {
    // 2024-09-08 00:00 -04:00 becomes 01:00 -03:00 at 2024-09-08T04:00Z.
    for (const spec of ['0 0 * * *', '@daily']) {
      assert.deepEqual(fireTimes(spec, 'America/Santiago', '2024-09-06T12:00:00Z', 3, 'cron'), [
        '2024-09-07T04:00:00Z',
        '2024-09-08T04:00:00Z',
        '2024-09-09T03:00:00Z',
      ]);
      assert.deepEqual(
        fireTimes(spec, 'America/Santiago', '2024-09-06T12:00:00Z', 2, 'kubernetes'),
        ['2024-09-07T04:00:00Z', '2024-09-09T03:00:00Z'],
      );
    }
  });

  void test('Santiago repeated 23:30', () => {
    // 2024-04-07 00:00 -03:00 becomes 2024-04-06 23:00 -04:00 at 2024-04-07T03:00Z.
    assert.deepEqual(
      fireTimes('30 23 * * *', 'America/Santiago', '2024-04-06T12:00:00Z', 2, 'cron'),
      ['2024-04-07T02:30:00Z', '2024-04-08T03:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('30 23 * * *', 'America/Santiago', '2024-04-06T12:00:00Z', 3, 'kubernetes'),
      ['2024-04-07T02:30:00Z', '2024-04-07T03:30:00Z', '2024-04-08T03:30:00Z'],
    );
  });
});

void describe('DST policies against minute scan', () => {
  // Random fixed-time schedules started within a day and a half of a transition, compared with
  // brute-force references that step through every minute.
  const transitions = [
    '2024-03-10T07:00:00Z',
    '2024-11-03T06:00:00Z',
    '2024-03-31T01:00:00Z',
    '2024-10-27T01:00:00Z',
    '2024-04-06T15:00:00Z',
    '2024-10-05T15:30:00Z',
    '2024-04-06T14:00:00Z',
    '2024-09-28T14:00:00Z',
    '2024-04-07T03:00:00Z',
    '2024-09-08T04:00:00Z',
  ].map(Date.parse);
  const zones = ORACLE_ZONES.filter((zone) => zone !== 'UTC' && zone !== 'Asia/Kolkata');
  const scanSpanMs = 36 * 3_600_000;

  for (const policy of ['cron', 'kubernetes'] as const) {
    void test(`${policy} policy, 120 random cases`, () => {
      const random = new Random(policy === 'cron' ? 20_240_406 : 20_241_005);
      let checked = 0;
      while (checked < 120) {
        const expression = randomExpression(random);
        let spec: CronFieldsSpec;
        try {
          const parsed = parseStandard(expression);
          if (parsed.kind !== 'fields' || parsed.timeZone !== undefined) continue;
          spec = parsed;
        } catch {
          continue;
        }
        const zone = random.pick(zones);
        const from = random.pick(transitions) + random.int(-24 * 60, 12 * 60) * 60_000;
        const until = from + scanSpanMs;
        const engine = compileSchedule(expression, { timeZone: zone, dstPolicy: policy }).next(
          from,
        );
        const fixedTime = !spec.minute.wildcard && !spec.hour.wildcard;
        const reference =
          policy === 'cron' && fixedTime
            ? scanNextCron(spec, zone, from, until)
            : scanNext(spec, zone, from, until);
        const expected = engine !== null && engine > until ? null : engine;
        const label = `${JSON.stringify(expression)} in ${zone} from ${new Date(from).toISOString()}`;
        assert.equal(reference, expected, label);
        checked++;
      }
    });
  }
});
