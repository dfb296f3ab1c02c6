// Property tests of the Kubernetes-dialect engine over generated expressions, zones and
// instants, checked against the brute-force references of wall-clock-reference.ts. Each
// property runs a fixed number of cases from a fixed seed, so a failure reproduces; fast-check
// prints the seed and the shrunk counterexample.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import {
  compileSchedule,
  describeSchedule,
  nextTimes,
  parseStandard,
} from '../../src/schedule/index.js';
import type { CronFieldsSpec, Schedule } from '../../src/schedule/index.js';
import { caseArbitrary } from './schedule-arbitraries.js';
import type { ScheduleCase } from './schedule-arbitraries.js';
import {
  fieldsMatch,
  firesUnderCron,
  scanNext,
  scanNextCron,
  scanPrevious,
  wallClockAt,
} from './wall-clock-reference.js';

// Brute-force windows: long enough to cross a transition and its neighbouring days.
const WINDOW_MS = 36 * 3_600_000;
const MINUTE_MS = 60_000;

interface Compiled {
  spec: CronFieldsSpec;
  schedule: Schedule;
  /** True when the cron policy's fixed-time rule applies, so the reference must use it too. */
  cronRule: boolean;
}

function compile(testCase: ScheduleCase): Compiled {
  const spec = parseStandard(testCase.expression);
  if (spec.kind !== 'fields') throw new Error(`generated @every: ${testCase.expression}`);
  const schedule = compileSchedule(testCase.expression, {
    timeZone: testCase.zone,
    dstPolicy: testCase.policy,
  });
  const cronRule = testCase.policy === 'cron' && !spec.minute.wildcard && !spec.hour.wildcard;
  return { spec, schedule, cronRule };
}

function firesAt(compiled: Compiled, zone: string, minute: number): boolean {
  return compiled.cronRule
    ? firesUnderCron(compiled.spec, zone, minute)
    : fieldsMatch(compiled.spec, wallClockAt(minute, zone));
}

function referenceNext(compiled: Compiled, zone: string, from: number, until: number) {
  return compiled.cronRule
    ? scanNextCron(compiled.spec, zone, from, until)
    : scanNext(compiled.spec, zone, from, until);
}

function check(property: fc.IProperty<[ScheduleCase]>, seed: number, numRuns: number): void {
  fc.assert(property, { seed, numRuns });
}

void describe('schedule engine properties', () => {
  void test('fire times increase and match', () => {
    check(
      fc.property(caseArbitrary, (testCase) => {
        const compiled = compile(testCase);
        const times = nextTimes(compiled.schedule, testCase.instant, 8);
        let previous = testCase.instant;
        for (const time of times) {
          assert.equal(time > previous, true, `${time} after ${previous}`);
          assert.equal(time % MINUTE_MS, 0, `${time} is a whole minute`);
          assert.equal(firesAt(compiled, testCase.zone, time), true, `${time} matches`);
          previous = time;
        }
      }),
      20_241_103,
      1000,
    );
  });

  void test('nothing matches between fire times', () => {
    check(
      fc.property(caseArbitrary, (testCase) => {
        const compiled = compile(testCase);
        const times = nextTimes(compiled.schedule, testCase.instant, 3);
        let previous = testCase.instant;
        for (const time of times) {
          // The scan covers whole minutes in (previous, time); long gaps are left out for speed.
          if (time - previous <= WINDOW_MS) {
            const between = referenceNext(compiled, testCase.zone, previous, time - 1);
            assert.equal(between, null, `a fire time between ${previous} and ${time}`);
          }
          previous = time;
        }
      }),
      20_240_310,
      200,
    );
  });

  void test('next equals minute scan', () => {
    check(
      fc.property(caseArbitrary, (testCase) => {
        const compiled = compile(testCase);
        const from = testCase.instant;
        const until = from + WINDOW_MS;
        const engine = compiled.schedule.next(from);
        const expected = engine !== null && engine > until ? null : engine;
        assert.equal(referenceNext(compiled, testCase.zone, from, until), expected);
      }),
      20_241_006,
      300,
    );
  });

  void test('prev equals minute scan', () => {
    check(
      fc.property(caseArbitrary, (testCase) => {
        const compiled = compile(testCase);
        const before = testCase.instant;
        const since = before - WINDOW_MS;
        const engine = compiled.schedule.prev?.(before) ?? null;
        const expected = engine !== null && engine < since ? null : engine;
        const reference = scanPrevious(
          compiled.spec,
          testCase.zone,
          before,
          since,
          compiled.cronRule,
        );
        assert.equal(reference, expected);
      }),
      20_240_407,
      300,
    );
  });

  void test('prev and next round trip', () => {
    check(
      fc.property(caseArbitrary, (testCase) => {
        const { schedule } = compile(testCase);
        const instant = testCase.instant;

        const next = schedule.next(instant);
        if (next !== null) {
          const back = schedule.prev?.(next) ?? null;
          if (back !== null) {
            assert.equal(back <= instant, true, `prev(next(t)) = ${back} after t = ${instant}`);
            assert.equal(schedule.next(back), next);
          }
        }

        const previous = schedule.prev?.(instant) ?? null;
        if (previous !== null) {
          assert.equal(previous < instant, true, `prev(t) = ${previous} not before t = ${instant}`);
          const forward = schedule.next(previous);
          assert.equal(forward === null || forward >= instant, true, `next(prev(t)) = ${forward}`);
        }
      }),
      20_240_908,
      2000,
    );
  });

  void test('descriptions state the OR rule', () => {
    check(
      fc.property(caseArbitrary, (testCase) => {
        const spec = parseStandard(testCase.expression);
        if (spec.kind !== 'fields') return;
        const text = describeSchedule(testCase.expression, 'kubernetes');
        assert.match(text, /^[A-Z]/);
        const dayOfMonth = spec.dayOfMonth.values.length;
        const dayOfWeek = spec.dayOfWeek.values.length;
        const orRule =
          !spec.dayOfMonth.star &&
          !spec.dayOfWeek.star &&
          dayOfMonth > 0 &&
          dayOfMonth < 31 &&
          dayOfWeek > 0 &&
          dayOfWeek < 7;
        assert.equal(text.includes(' or on '), orRule, text);
      }),
      20_240_101,
      1000,
    );
  });
});
