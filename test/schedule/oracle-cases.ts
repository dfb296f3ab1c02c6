// Seeded random schedules, zones and start instants for comparing the engine with robfig.

import { Random } from '../../bench/fuzz-random.js';
import type { OracleRequest, ZoneTransitions } from './robfig-oracle.js';

// The parser fuzz of the benchmarks draws from the same seeded generator (mulberry32), so a
// failing case reproduces from its seed in either place.
export { Random };

export const ORACLE_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/Santiago',
] as const;

const DESCRIPTORS = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
  '@every 1h',
  '@every 90m',
  '@every 1h30m',
  '@every 500ms',
  '@every 1m30.5s',
  '@every 2.5h',
  '@every -5s',
  '@every 0',
  '@every 1.5\u00b5s',
  '@reboot',
  '@every 5x',
  '@every',
  '@every ',
  '@every 1h 30m',
  '@every .s',
  '@every 99999999999999999999h',
  '@Daily',
  '@daily ',
];

const INVALID_ITEMS = [
  'L',
  'W',
  '1#2',
  'H',
  '5L',
  '60',
  '24',
  '0',
  '13',
  '7',
  '*/0',
  '5-2',
  '1-2-3',
  '1/2/3',
  '-1',
  '*/-1',
  '1-',
  '+3',
  '99999999999999999999',
  '9223372036854775808',
  '*-5',
  ',',
  '1,,2',
  '*/1',
];

interface FieldShape {
  min: number;
  max: number;
  names: readonly string[];
  favourites: readonly number[];
}

const MINUTE: FieldShape = { min: 0, max: 59, names: [], favourites: [0, 15, 30, 45, 59] };
const HOUR: FieldShape = { min: 0, max: 23, names: [], favourites: [0, 1, 2, 3, 23] };
const DAY_OF_MONTH: FieldShape = { min: 1, max: 31, names: [], favourites: [1, 7, 28, 29, 30, 31] };
const MONTH: FieldShape = {
  min: 1,
  max: 12,
  names: ['jan', 'FEB', 'Mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  favourites: [2, 3, 4, 9, 10, 11],
};
const DAY_OF_WEEK: FieldShape = {
  min: 0,
  max: 6,
  names: ['sun', 'MON', 'Tue', 'wed', 'thu', 'fri', 'sat'],
  favourites: [0, 1, 6],
};

function value(random: Random, shape: FieldShape): string {
  if (shape.names.length > 0 && random.chance(0.2)) return random.pick(shape.names);
  if (random.chance(0.5)) return String(random.pick(shape.favourites));
  return String(random.int(shape.min, shape.max));
}

function item(random: Random, shape: FieldShape): string {
  const kind = random.int(0, 9);
  if (kind === 0) return '*';
  if (kind === 1) return '?';
  if (kind === 2) return `*/${random.int(1, 20)}`;
  if (kind === 3) return `${value(random, shape)}/${random.int(1, 10)}`;
  if (kind <= 5) {
    const low = random.int(shape.min, shape.max);
    const high = random.int(low, shape.max);
    const step = random.chance(0.3) ? `/${random.int(1, 5)}` : '';
    return `${low}-${high}${step}`;
  }
  return value(random, shape);
}

function field(random: Random, shape: FieldShape, starWeight: number): string {
  if (random.chance(starWeight)) return random.pick(['*', '*', '?', '*/1']);
  const count = random.chance(0.7) ? 1 : random.int(2, 3);
  return Array.from({ length: count }, () => item(random, shape)).join(',');
}

// Specs with a zone prefix, and specs whose whitespace or prefix robfig treats specially.
const SPECIAL_SPECS = [
  'TZ=America/New_York 0 2 * * *',
  'CRON_TZ=Asia/Kolkata 30 5 * * *',
  'TZ=Europe/London 30 1 * * 0',
  'TZ=Foo/Bar 0 0 * * *',
  'TZ= 0 0 * * *',
  'TZ=UTC @daily',
  'TZ=UTC',
  'TZ=../x 0 0 * * *',
  'TZ=America 0 0 * * *',
  'TZ=asia/kolkata 0 0 * * *',
  'TZ=Asia/Kolkata\t0 0 * * *',
  'TZ=UTC   0 0 * * *  ',
  ' 0 0 * * *',
  '0 0 * * * ',
  ' @daily',
  '\u00850 0 * * *',
  '0 0 * * *\ufeff',
  '',
  ' ',
];

/** Returns a random schedule: mostly valid five-field specs, some descriptors, some invalid. */
export function randomExpression(random: Random): string {
  if (random.chance(0.03)) return random.pick(SPECIAL_SPECS);
  if (random.chance(0.08)) return random.pick(DESCRIPTORS);
  const fields = [
    field(random, MINUTE, 0.15),
    field(random, HOUR, 0.2),
    field(random, DAY_OF_MONTH, 0.6),
    field(random, MONTH, 0.7),
    field(random, DAY_OF_WEEK, 0.7),
  ];
  if (random.chance(0.08)) fields[random.int(0, 4)] = random.pick(INVALID_ITEMS);
  if (random.chance(0.02)) fields.push('*');
  if (random.chance(0.02)) fields.pop();
  const separator = random.chance(0.05) ? random.pick(['  ', '\t', ' \u00a0']) : ' ';
  return fields.join(separator);
}

/** Returns a random instant: half uniformly in 2020-2029, half within days of a transition. */
export function randomInstant(random: Random, transitions: readonly number[]): number {
  if (transitions.length === 0 || random.chance(0.5)) {
    const start = Date.UTC(2020, 0, 1);
    const end = Date.UTC(2030, 0, 1);
    const instant = start + Math.floor(random.next() * (end - start));
    return random.chance(0.7) ? instant - (instant % 60_000) : instant;
  }
  const transition = random.pick(transitions);
  if (random.chance(0.3))
    return transition + random.pick([-3_600_000, -1_000, -1, 0, 1_000, 1_800_000]);
  const shift = random.int(-3 * 24 * 60, 2 * 24 * 60) * 60_000;
  return transition + shift;
}

/** Builds `count` oracle requests from `seed`, each asking for `n` next times. */
export function generateRequests(
  seed: number,
  count: number,
  n: number,
  zoneTransitions: readonly ZoneTransitions[],
): OracleRequest[] {
  const random = new Random(seed);
  const transitionsByZone = new Map(
    zoneTransitions.map((zone) => [
      zone.tz,
      zone.transitions.map((transition) => Date.parse(transition.at)),
    ]),
  );
  const requests: OracleRequest[] = [];
  for (let index = 0; index < count; index++) {
    const zone = random.pick(ORACLE_ZONES);
    const expr = randomExpression(random);
    const from = randomInstant(random, transitionsByZone.get(zone) ?? []);
    requests.push({ expr, tz: zone, from: new Date(from).toISOString(), n });
  }
  return requests;
}
