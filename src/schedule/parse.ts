// The robfig/cron v3.0.1 standard parser (cron.ParseStandard), which Kubernetes uses to validate
// and evaluate CronJob schedules. It accepts what robfig accepts, including its oddities
// (`*-5` means `*`, a field of only commas matches nothing), and rejects the rest with robfig's
// message text.

import { ScheduleParseError } from './errors.js';
import type { ScheduleField } from './errors.js';
import { parseGoDuration } from './go-duration.js';
import { goAtoi } from './go-strconv.js';
import { loadTimeZone } from './zone.js';

/** One parsed field of a five-field spec. */
export interface CronField {
  /** Values the field matches, ascending. Empty for a field such as `,`, which never matches. */
  readonly values: readonly number[];
  /**
   * robfig's "star bit": some comma item is `*` or `?` with a step of at most 1. When either
   * day field has it, a day must match both day fields, otherwise either one.
   */
  readonly star: boolean;
  /** True when some comma item starts with `*` or `?`, whatever its step. */
  readonly wildcard: boolean;
}

/** A five-field spec or a descriptor that stands for one, such as `@daily`. */
export interface CronFieldsSpec {
  readonly kind: 'fields';
  /** The spec as given, including any `TZ=`/`CRON_TZ=` prefix. */
  readonly spec: string;
  /** The zone name of a `TZ=`/`CRON_TZ=` prefix as written, or undefined without one. */
  readonly timeZone: string | undefined;
  readonly minute: CronField;
  readonly hour: CronField;
  readonly dayOfMonth: CronField;
  readonly month: CronField;
  readonly dayOfWeek: CronField;
}

/** An `@every <duration>` spec. */
export interface EverySpec {
  readonly kind: 'every';
  readonly spec: string;
  readonly timeZone: string | undefined;
  /** The duration truncated to whole seconds and raised to at least 1 s, as robfig does. */
  readonly intervalSeconds: number;
}

export type CronSpec = CronFieldsSpec | EverySpec;

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: ReadonlyMap<string, number>;
}

const MONTH_NAMES = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map(
    (name, index) => [name, index + 1],
  ),
);
const WEEKDAY_NAMES = new Map(
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((name, index) => [name, index]),
);

const FIELD_BOUNDS: ReadonlyArray<readonly [ScheduleField, Bounds]> = [
  ['minute', { min: 0, max: 59 }],
  ['hour', { min: 0, max: 23 }],
  ['dayOfMonth', { min: 1, max: 31 }],
  ['month', { min: 1, max: 12, names: MONTH_NAMES }],
  ['dayOfWeek', { min: 0, max: 6, names: WEEKDAY_NAMES }],
];

// Characters Go's unicode.IsSpace accepts, used by strings.Fields and strings.TrimSpace. This
// differs from JavaScript's \s, which lacks U+0085 and adds U+FEFF.
const GO_SPACE =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GO_SPACE_RUN = new RegExp(`[${GO_SPACE}]+`);
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g');

/**
 * Parses a schedule as robfig/cron v3's `ParseStandard` does: five fields or a descriptor,
 * optionally after a `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix. Throws ScheduleParseError whose
 * message is robfig's text.
 */
export function parseStandard(spec: string): CronSpec {
  const error = (message: string, field: ScheduleField | undefined) =>
    new ScheduleParseError(message, spec, field);
  if (spec.length === 0) throw error('empty spec string', undefined);

  let rest = spec;
  let timeZone: string | undefined;
  if (rest.startsWith('TZ=') || rest.startsWith('CRON_TZ=')) {
    const space = rest.indexOf(' ');
    // robfig v3.0.1 panics here (slice bounds out of range), so this message is cronmesh's own.
    if (space < 0)
      throw error(`missing space and schedule after time zone prefix: ${spec}`, 'timeZone');
    timeZone = rest.slice(rest.indexOf('=') + 1, space);
    const loaded = loadTimeZone(timeZone);
    if (!loaded.ok) throw error(`provided bad location ${timeZone}: ${loaded.message}`, 'timeZone');
    rest = rest.slice(space).replace(GO_TRIM, '');
  }

  if (rest.startsWith('@')) return parseDescriptor(rest, spec, timeZone);

  const fields = rest.split(GO_SPACE_RUN).filter((field) => field !== '');
  if (fields.length !== 5) {
    throw error(
      `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`,
      'fields',
    );
  }
  const parsed = FIELD_BOUNDS.map(([name, bounds], index) => {
    try {
      return parseField(fields[index] ?? '', bounds);
    } catch (cause) {
      if (cause instanceof FieldError) throw error(cause.message, name);
      throw cause;
    }
  });
  const [minute, hour, dayOfMonth, month, dayOfWeek] = parsed as [
    CronField,
    CronField,
    CronField,
    CronField,
    CronField,
  ];
  return { kind: 'fields', spec, timeZone, minute, hour, dayOfMonth, month, dayOfWeek };
}

function parseDescriptor(descriptor: string, spec: string, timeZone: string | undefined): CronSpec {
  const fixed = (value: number): CronField => ({ values: [value], star: false, wildcard: false });
  const every = (bounds: Bounds): CronField => ({
    values: range(bounds.min, bounds.max, 1),
    star: true,
    wildcard: true,
  });
  const [, hours, daysOfMonth, months, daysOfWeek] = FIELD_BOUNDS.map(([, bounds]) => bounds) as [
    Bounds,
    Bounds,
    Bounds,
    Bounds,
    Bounds,
  ];
  const fields = (hour: CronField, dayOfMonth: CronField, month: CronField, dayOfWeek: CronField) =>
    ({
      kind: 'fields',
      spec,
      timeZone,
      minute: fixed(0),
      hour,
      dayOfMonth,
      month,
      dayOfWeek,
    }) as const;

  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return fields(fixed(0), fixed(1), fixed(1), every(daysOfWeek));
    case '@monthly':
      return fields(fixed(0), fixed(1), every(months), every(daysOfWeek));
    case '@weekly':
      return fields(fixed(0), every(daysOfMonth), every(months), fixed(0));
    case '@daily':
    case '@midnight':
      return fields(fixed(0), every(daysOfMonth), every(months), every(daysOfWeek));
    case '@hourly':
      return fields(every(hours), every(daysOfMonth), every(months), every(daysOfWeek));
  }

  const everyPrefix = '@every ';
  if (descriptor.startsWith(everyPrefix)) {
    const duration = parseGoDuration(descriptor.slice(everyPrefix.length));
    if (!duration.ok) {
      const message = `failed to parse duration ${descriptor}: ${duration.message}`;
      throw new ScheduleParseError(message, spec, 'descriptor');
    }
    const nanoseconds = duration.nanoseconds;
    // robfig's Every raises durations under 1 s (negative ones too) to 1 s, then drops fractions.
    const intervalSeconds = nanoseconds < 1_000_000_000n ? 1 : Number(nanoseconds / 1_000_000_000n);
    return { kind: 'every', spec, timeZone, intervalSeconds };
  }
  throw new ScheduleParseError(`unrecognized descriptor: ${descriptor}`, spec, 'descriptor');
}

class FieldError extends Error {}

// A field is a comma-separated list of ranges. Empty items are dropped, as Go's FieldsFunc does.
function parseField(field: string, bounds: Bounds): CronField {
  const values = new Set<number>();
  let star = false;
  let wildcard = false;
  for (const item of field.split(',')) {
    if (item === '') continue;
    const parsed = parseRange(item, bounds);
    for (const value of parsed.values) values.add(value);
    star ||= parsed.star;
    wildcard ||= parsed.wildcard;
  }
  return { values: [...values].sort((a, b) => a - b), star, wildcard };
}

// A range is `*`, `?`, `N` or `N-M`, optionally followed by `/step`. The checks run in robfig's
// order, because the first failing check decides the message.
function parseRange(item: string, bounds: Bounds): CronField {
  const rangeAndStep = item.split('/');
  const lowAndHigh = (rangeAndStep[0] ?? '').split('-');
  const low = lowAndHigh[0] ?? '';
  let start: bigint;
  let end: bigint;
  let star = false;
  let wildcard = false;

  if (low === '*' || low === '?') {
    // robfig ignores whatever follows a `-` here, so `*-5` is `*`.
    start = BigInt(bounds.min);
    end = BigInt(bounds.max);
    star = true;
    wildcard = true;
  } else {
    start = parseIntOrName(low, bounds.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1] ?? '', bounds.names);
    else throw new FieldError(`too many hyphens: ${item}`);
  }

  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = parseNonNegativeInt(rangeAndStep[1] ?? '');
    // `N/step` means `N-max/step`.
    if (lowAndHigh.length === 1) end = BigInt(bounds.max);
    if (step > 1n) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new FieldError(`too many slashes: ${item}`);
  }

  if (start < bounds.min) {
    throw new FieldError(`beginning of range (${start}) below minimum (${bounds.min}): ${item}`);
  }
  if (end > bounds.max) {
    throw new FieldError(`end of range (${end}) above maximum (${bounds.max}): ${item}`);
  }
  if (start > end) {
    throw new FieldError(`beginning of range (${start}) beyond end of range (${end}): ${item}`);
  }
  if (step === 0n) throw new FieldError(`step of range should be a positive number: ${item}`);

  // A step beyond the field's span selects only the start, so clamping it keeps the arithmetic exact.
  const values = range(Number(start), Number(end), Number(step > 64n ? 64n : step));
  return { values, star, wildcard };
}

function parseIntOrName(text: string, names: ReadonlyMap<string, number> | undefined): bigint {
  const named = names?.get(text.toLowerCase());
  if (named !== undefined) return BigInt(named);
  return parseNonNegativeInt(text);
}

function parseNonNegativeInt(text: string): bigint {
  const parsed = goAtoi(text);
  if (!parsed.ok) throw new FieldError(`failed to parse int from ${text}: ${parsed.message}`);
  if (parsed.value < 0n)
    throw new FieldError(`negative number (${parsed.value}) not allowed: ${text}`);
  return parsed.value;
}

function range(start: number, end: number, step: number): number[] {
  const values: number[] = [];
  for (let value = start; value <= end; value += step) values.push(value);
  return values;
}
