// Inputs of the parser fuzz. Input `i` depends only on the seed and `i`, so a report can name an
// input by its index and anyone can regenerate it with fuzzCase(seed, i).

import type { DstPolicy } from '../src/schedule/index.js';
import {
  CODE_POINT_RANGES,
  DESCRIPTORS,
  DURATION_UNITS,
  FAR_MS,
  FIELD_MAX,
  FIELD_MIN,
  MINUTE_MS,
  MONTHS,
  OPTION_ZONES,
  PREFIX_ZONES,
  TOKENS,
  TRANSITIONS,
  WEEKDAYS,
  YEAR_1970_TO_2100_MS,
} from './fuzz-alphabet.js';
import { Random, mixSeed } from './fuzz-random.js';

/** Kinds of generated input, each aimed at a different part of the parser. */
export const FUZZ_KINDS = [
  'valid',
  'mutated',
  'tokens',
  'bytes',
  'unicode',
  'numbers',
  'huge-list',
  'deep-step',
  'long',
  'descriptor',
  'time-zone',
] as const;

export type FuzzKind = (typeof FUZZ_KINDS)[number];

/** One fuzz input: the spec and the arguments of compileSchedule and next. */
export interface FuzzCase {
  readonly kind: FuzzKind;
  readonly spec: string;
  readonly timeZone: string;
  readonly dstPolicy: DstPolicy;
  /** First `from` of the next() chain, in ms since the epoch. */
  readonly from: number;
}

// Weights in per mille. Long inputs and huge lists are rarer because each one costs far more.
const KIND_WEIGHTS: ReadonlyArray<readonly [FuzzKind, number]> = [
  ['valid', 150],
  ['mutated', 260],
  ['tokens', 140],
  ['bytes', 90],
  ['unicode', 90],
  ['numbers', 60],
  ['huge-list', 20],
  ['deep-step', 50],
  ['long', 20],
  ['descriptor', 60],
  ['time-zone', 60],
];

/** Generates input number `index` of the fuzz run with `seed`. */
export function fuzzCase(seed: number, index: number): FuzzCase {
  const random = new Random(mixSeed(seed, index));
  const kind = pickKind(random);
  return {
    kind,
    spec: generateSpec(random, kind),
    timeZone: random.pick(OPTION_ZONES),
    dstPolicy: random.chance(0.5) ? 'cron' : 'kubernetes',
    from: generateFrom(random),
  };
}

function pickKind(random: Random): FuzzKind {
  let roll = random.int(0, 999);
  for (const [kind, weight] of KIND_WEIGHTS) {
    if (roll < weight) return kind;
    roll -= weight;
  }
  return 'valid';
}

function generateSpec(random: Random, kind: FuzzKind): string {
  switch (kind) {
    case 'valid':
      return validSpec(random);
    case 'mutated':
      return mutate(random, validSpec(random));
    case 'tokens':
      return tokenSoup(random, random.int(1, 30));
    case 'bytes':
      return randomBytes(random, random.int(0, 48));
    case 'unicode':
      return unicodeSpec(random);
    case 'numbers':
      return numberSpec(random);
    case 'huge-list':
      return hugeListSpec(random);
    case 'deep-step':
      return deepStepSpec(random);
    case 'long':
      return longSpec(random);
    case 'descriptor':
      return descriptorSpec(random);
    case 'time-zone':
      return timeZoneSpec(random);
  }
}

function timeZoneSpec(random: Random): string {
  const prefix = random.pick(['TZ=', 'TZ=', 'CRON_TZ=', 'CRON_TZ=', 'TZ', 'CRON_TZ=TZ=']);
  const zone = random.pick(PREFIX_ZONES);
  const separator = random.pick([' ', '', '  ', '\t']);
  const rest = random.chance(0.8) ? validSpec(random) : tokenSoup(random, 5);
  return `${prefix}${zone}${separator}${rest}`;
}

function validSpec(random: Random): string {
  if (random.chance(0.08)) return random.pick(DESCRIPTORS);
  const fields = FIELD_MAX.map((max, field) =>
    validField(random, FIELD_MIN[field] ?? 0, max, field),
  );
  const spec = fields.join(random.chance(0.9) ? ' ' : random.pick(['  ', '\t', ' \u00a0']));
  return random.chance(0.1) ? `TZ=${random.pick(OPTION_ZONES)} ${spec}` : spec;
}

function validField(random: Random, min: number, max: number, field: number): string {
  const items: string[] = [];
  const count = random.chance(0.8) ? 1 : random.int(2, 4);
  for (let item = 0; item < count; item++) {
    const roll = random.next();
    const low = random.int(min, max);
    const high = random.int(low, max);
    if (roll < 0.3) items.push(random.chance(0.9) ? '*' : '?');
    else if (roll < 0.45) items.push(`*/${random.int(1, max + 2)}`);
    else if (roll < 0.6) items.push(`${low}-${high}`);
    else if (roll < 0.7) items.push(`${low}-${high}/${random.int(1, max)}`);
    else if (roll < 0.75) items.push(`${low}/${random.int(1, max)}`);
    else if (roll < 0.85 && field === 3) items.push(random.pick(MONTHS));
    else if (roll < 0.85 && field === 4) items.push(random.pick(WEEKDAYS));
    else items.push(String(low));
  }
  return items.join(',');
}

function mutate(random: Random, spec: string): string {
  let text = spec;
  const mutations = random.int(1, 4);
  for (let step = 0; step < mutations; step++) {
    const position = random.int(0, text.length);
    const roll = random.next();
    if (roll < 0.25) {
      text = text.slice(0, position) + random.pick(TOKENS) + text.slice(position);
    } else if (roll < 0.45) {
      text = text.slice(0, position) + text.slice(position + random.int(1, 3));
    } else if (roll < 0.6) {
      text = text.slice(0, position) + randomCodePoint(random) + text.slice(position + 1);
    } else if (roll < 0.7) {
      const fields = text.split(' ');
      const index = random.int(0, fields.length - 1);
      fields.splice(index, 0, fields[index] ?? '*');
      text = fields.join(' ');
    } else if (roll < 0.8) {
      text = text.replace(
        /\d+/,
        random.pick(['99999999999999999999', '-1', '0', '1e3', '0x1F', '٣']),
      );
    } else if (roll < 0.9) {
      text = text.toLowerCase() === text ? text.toUpperCase() : text.toLowerCase();
    } else {
      text = text.split(' ').reverse().join(' ');
    }
  }
  return text;
}

function tokenSoup(random: Random, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += random.pick(TOKENS);
  return text;
}

function randomBytes(random: Random, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) text += String.fromCharCode(random.int(0, 255));
  return text;
}

function randomCodePoint(random: Random): string {
  const [low, high] = random.pick(CODE_POINT_RANGES);
  const codePoint = random.int(low, high);
  // Lone surrogates are code units, which String.fromCodePoint accepts as they are.
  return String.fromCodePoint(codePoint);
}

function unicodeSpec(random: Random): string {
  if (random.chance(0.5)) {
    let text = '';
    const length = random.int(1, 24);
    for (let index = 0; index < length; index++) text += randomCodePoint(random);
    return text;
  }
  // Valid fields joined by or padded with non-ASCII characters.
  const fields = validSpec(random).split(' ');
  return fields
    .map((field) => (random.chance(0.4) ? field + randomCodePoint(random) : field))
    .join(random.pick([' ', '\u2003', '\u3000', '\u0085', '\u00a0', '\u200b']));
}

function numberSpec(random: Random): string {
  const numbers = [
    '0',
    '00',
    '-0',
    '+5',
    '0x1F',
    '1e2',
    '1_0',
    '٣',
    '５',
    '9007199254740993',
    '18446744073709551616',
    '99999999999999999999999999999999',
    '-9223372036854775808',
    '2147483648',
    '4294967296',
    '60',
    '24',
    '32',
    '13',
    '7',
    ' 5',
    '5 ',
    '0005',
    '1.5',
  ];
  const fields: string[] = [];
  for (let field = 0; field < 5; field++) {
    const roll = random.next();
    const number = random.pick(numbers);
    if (roll < 0.3) fields.push(number);
    else if (roll < 0.5) fields.push(`*/${number}`);
    else if (roll < 0.7) fields.push(`${random.pick(numbers)}-${number}`);
    else if (roll < 0.8) fields.push(`${random.pick(numbers)}-${number}/${random.pick(numbers)}`);
    else fields.push('*');
  }
  return fields.join(' ');
}

function hugeListSpec(random: Random): string {
  const items: string[] = [];
  const count = random.int(500, 4000);
  const field = random.int(0, 4);
  const min = FIELD_MIN[field] ?? 0;
  const max = FIELD_MAX[field] ?? 59;
  // Most huge lists stay in range, so they reach compileSchedule and next(), not only the parser.
  const highest = random.chance(0.7) ? max : max + 1;
  for (let index = 0; index < count; index++) {
    const roll = random.next();
    if (roll < 0.6) items.push(String(random.int(min, highest)));
    else if (roll < 0.8) items.push(`${random.int(min, max)}-${max}/${random.int(1, 5)}`);
    else if (roll < 0.9) items.push('');
    else items.push('*/1');
  }
  const fields = ['0', '0', '1', '*', '*'];
  fields[field] = items.join(',');
  return fields.join(' ');
}

function deepStepSpec(random: Random): string {
  const depth = random.int(2, 300);
  const roll = random.next();
  let field: string;
  if (roll < 0.3) field = '*' + '/1'.repeat(depth);
  else if (roll < 0.5)
    field = Array.from({ length: depth }, (_, index) => String(index % 60)).join('-');
  else if (roll < 0.7) field = `*/${'9'.repeat(depth)}`;
  else if (roll < 0.85) field = `0-59/${'1'.repeat(Math.min(depth, 30))}`;
  else field = '*/'.repeat(depth) + '5';
  const fields = ['*', '*', '*', '*', '*'];
  fields[random.int(0, 4)] = field;
  return fields.join(' ');
}

function longSpec(random: Random): string {
  const length = 10_000;
  const roll = random.next();
  if (roll < 0.2) return ' '.repeat(length - 9) + '* * * * *';
  if (roll < 0.4) return '*'.repeat(length);
  if (roll < 0.55) return `@every ${'1h'.repeat(Math.floor((length - 7) / 2))}`;
  if (roll < 0.7) return `TZ=${'A'.repeat(length)} * * * * *`;
  if (roll < 0.85) return `0 0 ${'1,'.repeat(length / 2)}1 * *`;
  return tokenSoup(random, length / 2).slice(0, length);
}

function descriptorSpec(random: Random): string {
  const roll = random.next();
  if (roll < 0.3)
    return (
      random.pick(DESCRIPTORS) + (random.chance(0.3) ? random.pick([' ', 'x', ' * * * * *']) : '')
    );
  if (roll < 0.4) return '@' + randomBytes(random, random.int(0, 10));
  const parts: string[] = [];
  const count = random.int(0, 4);
  for (let index = 0; index < count; index++) {
    const number = random.pick([
      String(random.int(0, 10_000)),
      `${random.int(0, 99)}.${random.int(0, 99999)}`,
      '9223372036854775807',
      '9223372036854775808',
      '.5',
      '5.',
      '.',
      '0.000000000000000000001',
      '1' + '0'.repeat(random.int(10, 40)),
    ]);
    parts.push(number + random.pick(DURATION_UNITS));
  }
  const sign = random.pick(['', '', '-', '+']);
  return `@every ${sign}${parts.join('')}`;
}

function generateFrom(random: Random): number {
  const roll = random.next();
  if (roll < 0.7) return Math.floor(random.next() * YEAR_1970_TO_2100_MS);
  if (roll < 0.85)
    return random.pick(TRANSITIONS) + random.int(-120, 120) * MINUTE_MS + random.int(0, 999);
  if (roll < 0.95) return Math.floor((random.next() * 2 - 1) * FAR_MS);
  return random.pick([0, -1, 1, 951_782_400_000, -62_135_596_800_000, 253_402_300_799_999]);
}
