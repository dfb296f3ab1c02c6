import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  compileEventBridge,
  formatInZone,
  nextTimes,
  parseEventBridge,
} from '../../src/schedule/index.js';
import type { EventBridgeCronSpec } from '../../src/schedule/index.js';
import { dayMatches, wallClockMatches } from './eventbridge-reference.js';
import { Random } from './oracle-cases.js';

// Random day, month and year fields at 12:00 UTC. The reference walks the calendar month by
// month and decides each day with its own Date arithmetic.
const DAY_OF_MONTH = [
  '*',
  'L',
  'LW',
  '1W',
  '15W',
  '30W',
  '31W',
  '1',
  '29',
  '31',
  '1-7',
  '*/3',
  '10/7',
];
const DAY_OF_WEEK = ['*', 'L', '1', '2-6', 'SAT,SUN', '1L', '6L', '7L', '2#1', '6#3', '3#5', '1#4'];
const MONTHS = ['*', '2', '2,4', '1-6', '*/3', 'FEB-MAR', 'DEC'];
const YEARS = ['*', '2024', '2028-2040', '2030/7', '2196-2199', '2100'];

function randomExpression(random: Random): string {
  const restrictMonthDay = random.int(0, 1) === 0;
  const dayOfMonth = restrictMonthDay ? random.pick(DAY_OF_MONTH) : '?';
  const dayOfWeek = restrictMonthDay ? '?' : random.pick(DAY_OF_WEEK);
  return `cron(0 12 ${dayOfMonth} ${random.pick(MONTHS)} ${dayOfWeek} ${random.pick(YEARS)})`;
}

/** Returns up to `count` matching days at 12:00 UTC from the day after `fromDay` (`YYYY-MM-DD`). */
function referenceDays(spec: EventBridgeCronSpec, fromDay: string, count: number): string[] {
  const days: string[] = [];
  const start = new Date(`${fromDay}T00:00:00Z`);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let firstDay = start.getUTCDate() + 1;
  while (days.length < count && year <= 2199) {
    if (spec.year.values.includes(year) && spec.month.values.includes(month)) {
      const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
      for (let day = firstDay; day <= length && days.length < count; day++) {
        if (dayMatches(spec, year, month, day)) {
          days.push(formatInZone(Date.UTC(year, month - 1, day, 12), 'UTC'));
        }
      }
    }
    firstDay = 1;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return days;
}

void describe('EventBridge day rules against calendar walk', () => {
  void test('400 random day rules', () => {
    const random = new Random(20_250_131);
    for (let index = 0; index < 400; index++) {
      const expression = randomExpression(random);
      const spec = parseEventBridge(expression) as EventBridgeCronSpec;
      const fromDay = `${random.int(2020, 2030)}-${String(random.int(1, 12)).padStart(2, '0')}-15`;
      // Starting at 12:00 on the 15th excludes that day, as the reference does.
      const from = Date.parse(`${fromDay}T12:00:00Z`);
      const engine = nextTimes(compileEventBridge(expression), from, 12).map((time) =>
        formatInZone(time, 'UTC'),
      );
      assert.deepEqual(engine, referenceDays(spec, fromDay, 12), `${expression} from ${fromDay}`);
    }
  });
});

void describe('EventBridge fire time properties', () => {
  // In zones with DST, each fire time must match the expression on the local wall clock, and the
  // times must strictly increase.
  const zones = ['UTC', 'America/New_York', 'Europe/London', 'Asia/Kolkata'];
  void test('matching and increasing', () => {
    const random = new Random(20_250_201);
    for (let index = 0; index < 100; index++) {
      const expression = randomExpression(random).replace(
        'cron(0 12',
        `cron(${random.int(0, 59)} ${random.int(0, 23)}`,
      );
      const spec = parseEventBridge(expression) as EventBridgeCronSpec;
      const zone = random.pick(zones);
      const schedule = compileEventBridge(expression, { timeZone: zone, dstPolicy: 'kubernetes' });
      const times = nextTimes(schedule, Date.parse('2024-01-01T00:00:00Z'), 20);
      for (const [position, time] of times.entries()) {
        const label = `${expression} in ${zone}, fire ${position}`;
        const wallClock = time + offsetOf(time, zone);
        assert.equal(wallClockMatches(spec, wallClock), true, label);
        assert.equal(position === 0 || time > (times[position - 1] ?? 0), true, label);
      }
    }
  });
});

void describe('EventBridge matchesWallClock', () => {
  void test('agrees with the reference', () => {
    const random = new Random(20_250_202);
    for (let index = 0; index < 200; index++) {
      const minute = random.int(0, 59);
      const hour = random.int(0, 23);
      const expression = randomExpression(random).replace('cron(0 12', `cron(${minute} ${hour}`);
      const spec = parseEventBridge(expression) as EventBridgeCronSpec;
      const schedule = compileEventBridge(expression);
      const firstFire = schedule.next(Date.parse('2020-01-01T00:00:00Z'));
      // Half of the probes are fire times, so both results occur often.
      const probes = [
        Date.UTC(random.int(1960, 2210), random.int(0, 11), random.int(1, 31), hour, minute),
        firstFire ?? Date.UTC(2030, 0, 1, hour, minute),
      ];
      for (const wallClock of probes) {
        assert.equal(
          schedule.matchesWallClock?.(wallClock),
          wallClockMatches(spec, wallClock),
          `${expression} at ${new Date(wallClock).toISOString()}`,
        );
      }
    }
  });

  void test('only whole minutes match', () => {
    const schedule = compileEventBridge('cron(* * * * ? *)');
    assert.equal(schedule.matchesWallClock?.(Date.parse('2025-01-01T00:00:00Z')), true);
    assert.equal(schedule.matchesWallClock?.(Date.parse('2025-01-01T00:00:30Z')), false);
    assert.equal(schedule.matchesWallClock?.(Number.NaN), false);
  });

  void test('once per local time only when fixed', () => {
    const fixed = compileEventBridge('cron(30 2 * * ? *)');
    const stepped = compileEventBridge('cron(*/15 2 * * ? *)');
    const wallClockRule = compileEventBridge('cron(30 2 * * ? *)', { dstPolicy: 'kubernetes' });
    assert.equal(fixed.oncePerLocalTime, true);
    assert.equal(stepped.oncePerLocalTime, false);
    assert.equal(wallClockRule.oncePerLocalTime, false);
  });
});

function offsetOf(instant: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(instant);
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  const wallClock = Date.UTC(
    field('year'),
    field('month') - 1,
    field('day'),
    field('hour'),
    field('minute'),
  );
  return wallClock - Math.floor(instant / 60_000) * 60_000;
}
