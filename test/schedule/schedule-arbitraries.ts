// fast-check arbitraries for the property tests: valid robfig/cron v3 expressions, zones with
// and without DST, and instants that favour the days around each zone's transitions.

import fc from 'fast-check';

import { wallClockAt } from './wall-clock-reference.js';

export const PROPERTY_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Santiago',
] as const;

interface FieldShape {
  min: number;
  max: number;
  names: readonly string[];
  /** Values picked more often, such as the hours that DST changes skip or repeat. */
  favourites: readonly number[];
  /** How often, out of 10, the whole field is a star. */
  starWeight: number;
}

const MINUTE: FieldShape = {
  min: 0,
  max: 59,
  names: [],
  favourites: [0, 15, 30, 45],
  starWeight: 1,
};
const HOUR: FieldShape = {
  min: 0,
  max: 23,
  names: [],
  favourites: [0, 1, 2, 3, 23],
  starWeight: 1,
};
const DAY_OF_MONTH: FieldShape = {
  min: 1,
  max: 31,
  names: [],
  favourites: [1, 7, 15, 28, 29, 30, 31],
  starWeight: 6,
};
const MONTH: FieldShape = {
  min: 1,
  max: 12,
  names: ['jan', 'Mar', 'APR', 'sep', 'Oct', 'nov'],
  favourites: [2, 3, 4, 9, 10, 11],
  starWeight: 6,
};
const DAY_OF_WEEK: FieldShape = {
  min: 0,
  max: 6,
  names: ['sun', 'MON', 'Sat'],
  favourites: [0, 1, 6],
  starWeight: 6,
};

function value(shape: FieldShape): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(...shape.favourites),
    fc.integer({ min: shape.min, max: shape.max }),
  );
}

function valueText(shape: FieldShape): fc.Arbitrary<string> {
  const numbers = value(shape).map(String);
  if (shape.names.length === 0) return numbers;
  return fc.oneof(
    { arbitrary: numbers, weight: 4 },
    { arbitrary: fc.constantFrom(...shape.names), weight: 1 },
  );
}

function item(shape: FieldShape): fc.Arbitrary<string> {
  const step = fc.integer({ min: 1, max: 12 });
  const bounds = fc
    .tuple(value(shape), value(shape))
    .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`);
  return fc.oneof(
    { arbitrary: valueText(shape), weight: 4 },
    { arbitrary: bounds, weight: 2 },
    { arbitrary: fc.tuple(bounds, step).map(([range, by]) => `${range}/${by}`), weight: 1 },
    { arbitrary: step.map((by) => `*/${by}`), weight: 1 },
    { arbitrary: fc.tuple(value(shape), step).map(([start, by]) => `${start}/${by}`), weight: 1 },
  );
}

function field(shape: FieldShape): fc.Arbitrary<string> {
  const list = fc
    .array(item(shape), { minLength: 1, maxLength: 3 })
    .map((items) => items.join(','));
  return fc.oneof(
    { arbitrary: fc.constantFrom('*', '?', '*/1'), weight: shape.starWeight },
    { arbitrary: list, weight: 10 - shape.starWeight },
  );
}

/** Valid five-field expressions, and now and then a descriptor. */
export const expressionArbitrary: fc.Arbitrary<string> = fc.oneof(
  {
    arbitrary: fc
      .tuple(field(MINUTE), field(HOUR), field(DAY_OF_MONTH), field(MONTH), field(DAY_OF_WEEK))
      .map((fields) => fields.join(' ')),
    weight: 12,
  },
  {
    arbitrary: fc.constantFrom('@hourly', '@daily', '@weekly', '@monthly', '@yearly'),
    weight: 1,
  },
);

const HOUR_MS = 3_600_000;

function offsetMinutes(ms: number, zone: string): number {
  return (wallClockAt(ms, zone).ms - Math.floor(ms / 60_000) * 60_000) / 60_000;
}

/** An instant (a whole minute) at which a zone's offset changes. */
interface Transition {
  at: number;
  /** Local hours whose wall-clock times the change skips or repeats. */
  hours: number[];
}

/**
 * Returns the transitions of `zone` in `fromYear` to `toYear`, found through Intl by sampling
 * every 6 hours and bisecting.
 */
export function transitionsOf(zone: string, fromYear: number, toYear: number): Transition[] {
  const found: Transition[] = [];
  const end = Date.UTC(toYear + 1, 0, 1);
  let low = Date.UTC(fromYear, 0, 1);
  let lowOffset = offsetMinutes(low, zone);
  while (low < end) {
    const high = low + 6 * HOUR_MS;
    const highOffset = offsetMinutes(high, zone);
    if (highOffset !== lowOffset) {
      let before = low;
      let after = high;
      while (after - before > 60_000) {
        const middle = before + Math.floor((after - before) / 120_000) * 60_000;
        if (offsetMinutes(middle, zone) === lowOffset) before = middle;
        else after = middle;
      }
      found.push({ at: after, hours: affectedHours(after, lowOffset, highOffset) });
    }
    low = high;
    lowOffset = highOffset;
  }
  return found;
}

// The wall-clock times between the two offsets' readings of the transition instant are skipped
// (forward change) or repeated (backward change).
function affectedHours(at: number, offsetBefore: number, offsetAfter: number): number[] {
  const hours = new Set<number>();
  const first = at + Math.min(offsetBefore, offsetAfter) * 60_000;
  const last = at + Math.max(offsetBefore, offsetAfter) * 60_000;
  for (let wallClock = first; wallClock < last; wallClock += 60_000) {
    hours.add(new Date(wallClock).getUTCHours());
  }
  return [...hours];
}

const TRANSITIONS = new Map<string, Transition[]>(
  PROPERTY_ZONES.map((zone) => [zone, transitionsOf(zone, 2023, 2026)]),
);

/** Instants near one of `zone`'s transitions in 2023-2026 (within two days) or anywhere in 1990-2060. */
export function instantArbitrary(zone: string): fc.Arbitrary<number> {
  const anywhere = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) });
  const transitions = (TRANSITIONS.get(zone) ?? []).map((transition) => transition.at);
  if (transitions.length === 0) return anywhere;
  const nearTransition = fc
    .tuple(
      fc.constantFrom(...transitions),
      fc.integer({ min: -48 * 60, max: 48 * 60 }),
      fc.constantFrom(0, 0, 0, 1, 999, 30_000),
    )
    .map(([transition, minutes, extra]) => transition + minutes * 60_000 + extra);
  return fc.oneof({ arbitrary: nearTransition, weight: 3 }, { arbitrary: anywhere, weight: 1 });
}

/** One generated case: an expression evaluated in a zone under a policy from an instant. */
export interface ScheduleCase {
  expression: string;
  zone: string;
  policy: 'cron' | 'kubernetes';
  instant: number;
}

const POLICY = fc.constantFrom('cron' as const, 'kubernetes' as const);

const anyCase: fc.Arbitrary<ScheduleCase> = fc
  .tuple(expressionArbitrary, fc.constantFrom(...PROPERTY_ZONES), POLICY)
  .chain(([expression, zone, policy]) =>
    instantArbitrary(zone).map((instant) => ({ expression, zone, policy, instant })),
  );

// Cases aimed at DST: the hour field lists hours that a nearby transition skips or repeats, and
// the other fields match most days.
const dstCase: fc.Arbitrary<ScheduleCase> = fc
  .tuple(fc.constantFrom(...PROPERTY_ZONES.filter((zone) => TRANSITIONS.get(zone)?.length)), POLICY)
  .chain(([zone, policy]) => {
    const transitions = TRANSITIONS.get(zone) ?? [];
    return fc.constantFrom(...transitions).chain((transition) => {
      const hours = fc
        .array(fc.constantFrom(...transition.hours, ...HOUR.favourites), {
          minLength: 1,
          maxLength: 3,
        })
        .map((items) => items.join(','));
      const days = fc.constantFrom('* * *', '* * *', '*/1 * ?', '1-28 * *', '* 3,4,9,10,11 *');
      const expression = fc
        .tuple(field({ ...MINUTE, starWeight: 0 }), hours, days)
        .map(([minute, hour, rest]) => `${minute} ${hour} ${rest}`);
      const instant = fc
        .tuple(fc.integer({ min: -30 * 60, max: 30 * 60 }), fc.constantFrom(0, 1, 30_000))
        .map(([minutes, extra]) => transition.at + minutes * 60_000 + extra);
      return fc
        .tuple(expression, instant)
        .map(([text, at]) => ({ expression: text, zone, policy, instant: at }));
    });
  });

/** Generated cases: a third aimed at the hours that DST changes skip or repeat. */
export const caseArbitrary: fc.Arbitrary<ScheduleCase> = fc.oneof(
  { arbitrary: anyCase, weight: 2 },
  { arbitrary: dstCase, weight: 1 },
);
