import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  compileEventBridge,
  formatInZone,
  nextTimes,
  parseEventBridge,
} from '../../src/schedule/index.js';
import type { DstPolicy, EventBridgeCronSpec } from '../../src/schedule/index.js';
import { scanNextOncePerLocalTime, scanNextWallClock } from './eventbridge-reference.js';
import { Random } from './oracle-cases.js';

function fireTimes(
  expression: string,
  timeZone: string,
  from: string,
  count: number,
  dstPolicy: DstPolicy,
): string[] {
  const schedule = compileEventBridge(expression, { timeZone, dstPolicy });
  return nextTimes(schedule, Date.parse(from), count).map((time) => formatInZone(time, 'UTC'));
}

// New York moved from -05:00 to -04:00 at 2025-03-09T07:00Z and back at 2025-11-02T06:00Z.
// London moved from +00:00 to +01:00 at 2025-03-30T01:00Z and back at 2025-10-26T01:00Z.
void describe('EventBridge DST, fixed times', () => {
  void test('New York skipped 02:30', () => {
    assert.deepEqual(
      fireTimes('cron(30 2 * * ? *)', 'America/New_York', '2025-03-08T00:00:00Z', 3, 'cron'),
      ['2025-03-08T07:30:00Z', '2025-03-09T07:00:00Z', '2025-03-10T06:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('cron(30 2 * * ? *)', 'America/New_York', '2025-03-08T00:00:00Z', 2, 'kubernetes'),
      ['2025-03-08T07:30:00Z', '2025-03-10T06:30:00Z'],
    );
  });

  void test('New York repeated 01:30', () => {
    assert.deepEqual(
      fireTimes('cron(30 1 * * ? *)', 'America/New_York', '2025-11-01T12:00:00Z', 2, 'cron'),
      ['2025-11-02T05:30:00Z', '2025-11-03T06:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('cron(30 1 * * ? *)', 'America/New_York', '2025-11-01T12:00:00Z', 3, 'kubernetes'),
      ['2025-11-02T05:30:00Z', '2025-11-02T06:30:00Z', '2025-11-03T06:30:00Z'],
    );
  });

  void test('second Sunday of March at 02:00', () => {
    // The US changes clocks on the second Sunday of March, so 02:00 never occurs on that day,
    // and the kubernetes policy never fires in March.
    assert.deepEqual(
      fireTimes('cron(0 2 ? 3,4 1#2 *)', 'America/New_York', '2025-03-01T00:00:00Z', 2, 'cron'),
      ['2025-03-09T07:00:00Z', '2025-04-13T06:00:00Z'],
    );
    assert.deepEqual(
      fireTimes(
        'cron(0 2 ? 3,4 1#2 *)',
        'America/New_York',
        '2025-03-01T00:00:00Z',
        2,
        'kubernetes',
      ),
      ['2025-04-13T06:00:00Z', '2026-04-12T06:00:00Z'],
    );
  });

  void test('first Sunday of November at 01:30', () => {
    assert.deepEqual(
      fireTimes('cron(30 1 ? * 1#1 *)', 'America/New_York', '2025-10-15T00:00:00Z', 2, 'cron'),
      ['2025-11-02T05:30:00Z', '2025-12-07T06:30:00Z'],
    );
    assert.deepEqual(
      fireTimes(
        'cron(30 1 ? * 1#1 *)',
        'America/New_York',
        '2025-10-15T00:00:00Z',
        3,
        'kubernetes',
      ),
      ['2025-11-02T05:30:00Z', '2025-11-02T06:30:00Z', '2025-12-07T06:30:00Z'],
    );
  });

  void test('London last Sunday, spring', () => {
    assert.deepEqual(
      fireTimes('cron(30 1 ? * 1L *)', 'Europe/London', '2025-03-01T00:00:00Z', 2, 'cron'),
      ['2025-03-30T01:00:00Z', '2025-04-27T00:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('cron(30 1 ? * 1L *)', 'Europe/London', '2025-03-01T00:00:00Z', 2, 'kubernetes'),
      ['2025-04-27T00:30:00Z', '2025-05-25T00:30:00Z'],
    );
  });

  void test('London last Sunday, autumn', () => {
    assert.deepEqual(
      fireTimes('cron(30 1 ? * 1L *)', 'Europe/London', '2025-10-01T00:00:00Z', 2, 'cron'),
      ['2025-10-26T00:30:00Z', '2025-11-30T01:30:00Z'],
    );
    assert.deepEqual(
      fireTimes('cron(30 1 ? * 1L *)', 'Europe/London', '2025-10-01T00:00:00Z', 3, 'kubernetes'),
      ['2025-10-26T00:30:00Z', '2025-10-26T01:30:00Z', '2025-11-30T01:30:00Z'],
    );
  });

  void test('stepped minutes in a fixed hour', () => {
    // 0/15 is a start and a step, not a wildcard, so the cron policy treats it as fixed-time.
    assert.deepEqual(
      fireTimes('cron(0/15 2 * * ? *)', 'America/New_York', '2025-03-09T06:00:00Z', 2, 'cron'),
      ['2025-03-09T07:00:00Z', '2025-03-10T06:00:00Z'],
    );
    assert.deepEqual(
      fireTimes(
        'cron(0/15 2 * * ? *)',
        'America/New_York',
        '2025-03-09T06:00:00Z',
        1,
        'kubernetes',
      ),
      ['2025-03-10T06:00:00Z'],
    );
  });
});

void describe('EventBridge DST, wildcard schedules', () => {
  for (const policy of ['cron', 'kubernetes'] as const) {
    void test(`wildcard minutes skip the hour under ${policy}`, () => {
      assert.deepEqual(
        fireTimes('cron(*/15 2 * * ? *)', 'America/New_York', '2025-03-09T06:00:00Z', 2, policy),
        ['2025-03-10T06:00:00Z', '2025-03-10T06:15:00Z'],
      );
    });

    void test(`hourly through fall back under ${policy}`, () => {
      assert.deepEqual(
        fireTimes('cron(0 * * * ? *)', 'America/New_York', '2025-11-02T04:30:00Z', 3, policy),
        ['2025-11-02T05:00:00Z', '2025-11-02T06:00:00Z', '2025-11-02T07:00:00Z'],
      );
    });

    void test(`every 30 minutes through fall back under ${policy}`, () => {
      assert.deepEqual(
        fireTimes('cron(0/30 * * * ? *)', 'Europe/London', '2025-10-26T00:00:00Z', 4, policy),
        [
          '2025-10-26T00:30:00Z',
          '2025-10-26T01:00:00Z',
          '2025-10-26T01:30:00Z',
          '2025-10-26T02:00:00Z',
        ],
      );
    });
  }
});

// Random expressions whose day rules often select a transition day, started within a day and a
// half of a transition and compared with a minute-by-minute scan over the next 36 hours.
const MINUTES = ['0', '30', '*/15', '0/20', '5,35', '10-12', '45', '*'];
const HOURS = ['0', '1', '2', '1-3', '*/2', '0/6', '23', '1,2', '*'];
// Repeated entries make day rules that fire every day, and every month and year, more likely.
const DAY_FIELDS = [
  ['*', '?'],
  ['*', '?'],
  ['?', '*'],
  ['?', '*'],
  ['L', '?'],
  ['LW', '?'],
  ['1W', '?'],
  ['*/2', '?'],
  ['?', '*'],
  ['?', '1'],
  ['?', 'SAT,SUN'],
  ['?', '1L'],
  ['?', '1#1'],
  ['?', '1#2'],
  ['?', 'L'],
] as const;
const MONTHS = ['*', '*', '*', '3,4', '9-11', '*/2', 'OCT'];
const YEARS = ['*', '*', '2024-2026', '2024/2'];

const TRANSITIONS: ReadonlyArray<readonly [string, string]> = [
  ['America/New_York', '2024-03-10T07:00:00Z'],
  ['America/New_York', '2024-11-03T06:00:00Z'],
  ['Europe/London', '2024-03-31T01:00:00Z'],
  ['Europe/London', '2024-10-27T01:00:00Z'],
  ['Australia/Lord_Howe', '2024-04-06T15:00:00Z'],
  ['Australia/Lord_Howe', '2024-10-05T15:30:00Z'],
  ['America/Santiago', '2024-04-07T03:00:00Z'],
  ['America/Santiago', '2024-09-08T04:00:00Z'],
  ['Pacific/Chatham', '2025-04-05T14:00:00Z'],
  ['Pacific/Chatham', '2025-09-27T14:00:00Z'],
];

function randomExpression(random: Random): string {
  const [dayOfMonth, dayOfWeek] = random.pick(DAY_FIELDS);
  const fields = [
    random.pick(MINUTES),
    random.pick(HOURS),
    dayOfMonth,
    random.pick(MONTHS),
    dayOfWeek,
    random.pick(YEARS),
  ];
  return `cron(${fields.join(' ')})`;
}

void describe('EventBridge DST against minute scan', () => {
  const scanSpanMs = 36 * 3_600_000;
  for (const policy of ['cron', 'kubernetes'] as const) {
    void test(`${policy} policy, 150 random cases`, () => {
      const random = new Random(policy === 'cron' ? 20_250_309 : 20_251_102);
      for (let index = 0; index < 150; index++) {
        const expression = randomExpression(random);
        const spec = parseEventBridge(expression) as EventBridgeCronSpec;
        const [zone, transition] = random.pick(TRANSITIONS);
        const from = Date.parse(transition) + random.int(-24 * 60, 12 * 60) * 60_000;
        const until = from + scanSpanMs;

        const engine = compileEventBridge(expression, { timeZone: zone, dstPolicy: policy }).next(
          from,
        );
        const fixedTime = !spec.minutes.wildcard && !spec.hours.wildcard;
        const reference =
          policy === 'cron' && fixedTime
            ? scanNextOncePerLocalTime(spec, zone, from, until)
            : scanNextWallClock(spec, zone, from, until);
        const expected = engine !== null && engine > until ? null : engine;
        const label = `${expression} in ${zone} from ${new Date(from).toISOString()}`;
        assert.equal(reference, expected, label);
      }
    });
  }
});
