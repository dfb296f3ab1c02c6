// The six fields of an EventBridge `cron(...)` expression, as the AWS EventBridge documentation
// ("Cron expressions reference") describes them: minutes 0-59, hours 0-23, day-of-month 1-31,
// month 1-12 or JAN-DEC, day-of-week 1-7 or SUN-SAT (1 = Sunday) and year 1970-2199, with the
// wildcards each field allows. Names and the letters L and W are accepted in any case.
// NOTE: the AWS documentation does not say how EventBridge treats lower case, extra white space
// between the fields, ranges such as FRI-MON that wrap around, or L and W items in a list. This
// parser accepts the first two and rejects the others. Only # in a list is documented as invalid.

import { EventBridgeExpressionError } from './errors.js';
import type { EventBridgeErrorCode, EventBridgeField, EventBridgePart } from './errors.js';
import type { DayOfMonthRule, DayOfWeekRule, EventBridgeCronSpec, ValuesField } from './types.js';

type Fail = (
  code: EventBridgeErrorCode,
  part: EventBridgePart,
  value: string,
  reason: string,
) => never;

interface FieldSyntax {
  readonly field: EventBridgeField;
  readonly min: number;
  readonly max: number;
  /** Upper-case names and their values. */
  readonly names?: ReadonlyMap<string, number>;
  /** The wildcard characters the field allows, as the AWS documentation lists them. */
  readonly wildcards: string;
  /** The valid values, as messages show them. */
  readonly range: string;
  /** Returns the wildcard of an item that must be the whole field, such as `L`, or null. */
  readonly specialOf: (upperItem: string) => string | null;
}

const MONTH_NAMES = new Map(
  ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'].map(
    (name, index) => [name, index + 1],
  ),
);
const WEEKDAY_NAMES = new Map(
  ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'].map((name, index) => [name, index + 1]),
);
const SATURDAY = 7;
const MAX_OCCURRENCE = 5;

const noSpecialItems = (): null => null;

const MINUTES: FieldSyntax = {
  field: 'minutes',
  min: 0,
  max: 59,
  wildcards: ', - * /',
  range: '0-59',
  specialOf: noSpecialItems,
};
const HOURS: FieldSyntax = {
  field: 'hours',
  min: 0,
  max: 23,
  wildcards: ', - * /',
  range: '0-23',
  specialOf: noSpecialItems,
};
const DAY_OF_MONTH: FieldSyntax = {
  field: 'day-of-month',
  min: 1,
  max: 31,
  wildcards: ', - * ? / L W',
  range: '1-31',
  specialOf: (item) => {
    if (item === '?') return '?';
    if (item === 'L' || item === 'LW') return item;
    return /^[0-9]+W$/.test(item) ? 'W' : null;
  },
};
const MONTH: FieldSyntax = {
  field: 'month',
  min: 1,
  max: 12,
  names: MONTH_NAMES,
  wildcards: ', - * /',
  range: '1-12 or JAN-DEC',
  specialOf: noSpecialItems,
};
const DAY_OF_WEEK: FieldSyntax = {
  field: 'day-of-week',
  min: 1,
  max: 7,
  names: WEEKDAY_NAMES,
  wildcards: ', - * ? L #',
  range: '1-7 or SUN-SAT (1 = Sunday)',
  specialOf: (item) => {
    if (item === '?') return '?';
    if (item.includes('#')) return '#';
    return item.endsWith('L') ? 'L' : null;
  },
};
const YEAR: FieldSyntax = {
  field: 'year',
  min: 1970,
  max: 2199,
  wildcards: ', - * /',
  range: '1970-2199',
  specialOf: noSpecialItems,
};

// Fields are separated by runs of ASCII white space.
const FIELD_SEPARATOR = /[ \t\n\v\f\r]+/;

/**
 * Parses the text between `cron(` and `)`. Throws EventBridgeExpressionError naming the first
 * field that fails, checked from left to right, then the rule that exactly one day field is `?`.
 */
export function parseCronFields(expression: string, inner: string): EventBridgeCronSpec {
  const fail: Fail = (code, part, value, reason) => {
    throw new EventBridgeExpressionError(code, expression, part, value, reason);
  };

  const fields = inner.split(FIELD_SEPARATOR).filter((field) => field !== '');
  if (fields.length !== 6) {
    fail(
      'InvalidFieldCount',
      'cron fields',
      inner,
      `expected 6 fields (minutes hours day-of-month month day-of-week year), found ${fields.length}`,
    );
  }
  const [minutesText, hoursText, dayOfMonthText, monthText, dayOfWeekText, yearText] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];

  const minutes = parseValuesField(minutesText, MINUTES, fail);
  const hours = parseValuesField(hoursText, HOURS, fail);
  const dayOfMonth = parseDayOfMonth(dayOfMonthText, fail);
  const month = parseValuesField(monthText, MONTH, fail);
  const dayOfWeek = parseDayOfWeek(dayOfWeekText, fail);
  const year = parseValuesField(yearText, YEAR, fail);

  // EventBridge rejects an expression that restricts both day fields or neither.
  const dayFields = `${dayOfMonthText} ${dayOfWeekText}`;
  if (dayOfMonth.kind === 'any' && dayOfWeek.kind === 'any') {
    fail(
      'QuestionMarkInBothDayFields',
      'day fields',
      dayFields,
      'expected ? in exactly one of day-of-month and day-of-week, found ? in both',
    );
  }
  if (dayOfMonth.kind !== 'any' && dayOfWeek.kind !== 'any') {
    fail(
      'MissingQuestionMark',
      'day fields',
      dayFields,
      'expected ? in exactly one of day-of-month and day-of-week, found ? in neither',
    );
  }
  return { kind: 'cron', expression, minutes, hours, dayOfMonth, month, dayOfWeek, year };
}

function parseDayOfMonth(text: string, fail: Fail): DayOfMonthRule {
  checkWildcardCharacters(text, DAY_OF_MONTH, fail);
  const upper = text.toUpperCase();
  if (upper === '?') return { kind: 'any' };
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  if (DAY_OF_MONTH.specialOf(upper) === 'W') {
    const day = parseValue(text.slice(0, -1), DAY_OF_MONTH, text, fail);
    return { kind: 'nearestWeekday', day };
  }
  return { kind: 'days', days: parseValuesField(text, DAY_OF_MONTH, fail).values };
}

function parseDayOfWeek(text: string, fail: Fail): DayOfWeekRule {
  checkWildcardCharacters(text, DAY_OF_WEEK, fail);
  const upper = text.toUpperCase();
  const special = text.includes(',') ? null : DAY_OF_WEEK.specialOf(upper);
  if (special === '?') return { kind: 'any' };
  // A lone L is the last day of the week.
  if (upper === 'L') return { kind: 'weekdays', weekdays: [SATURDAY] };
  if (special === 'L') {
    const weekday = parseValue(text.slice(0, -1), DAY_OF_WEEK, text, fail);
    return { kind: 'last', weekday };
  }
  if (special === '#') {
    const hash = text.indexOf('#');
    const weekday = parseValue(text.slice(0, hash), DAY_OF_WEEK, text, fail);
    const occurrenceText = text.slice(hash + 1);
    const occurrence = /^[0-9]+$/.test(occurrenceText) ? Number(occurrenceText) : Number.NaN;
    if (!(occurrence >= 1 && occurrence <= MAX_OCCURRENCE)) {
      fail(
        'InvalidOccurrence',
        'day-of-week',
        text,
        `expected an occurrence 1-${MAX_OCCURRENCE} after #, found ${describeToken(occurrenceText)}`,
      );
    }
    return { kind: 'nth', weekday, occurrence };
  }
  return { kind: 'weekdays', weekdays: parseValuesField(text, DAY_OF_WEEK, fail).values };
}

// Rejects the wildcards `?`, `/` and `#` in fields that do not allow them. The letters L and W
// are checked per value, because names such as JUL and WED contain them.
function checkWildcardCharacters(text: string, syntax: FieldSyntax, fail: Fail): void {
  for (const character of ['?', '/', '#']) {
    if (text.includes(character) && !syntax.wildcards.includes(character)) {
      failUnsupported(text, syntax, character, fail);
    }
  }
}

function failUnsupported(text: string, syntax: FieldSyntax, wildcard: string, fail: Fail): never {
  return fail(
    'UnsupportedWildcard',
    syntax.field,
    text,
    `expected only the wildcards ${syntax.wildcards} in this field, found ${wildcard}`,
  );
}

// A comma-separated list of `*`, values and ranges, each optionally followed by `/step`.
function parseValuesField(text: string, syntax: FieldSyntax, fail: Fail): ValuesField {
  checkWildcardCharacters(text, syntax, fail);
  // selected[v - min] is 1 for each value v the field matches.
  const selected = new Uint8Array(syntax.max - syntax.min + 1);
  let wildcard = false;

  for (const item of text.split(',')) {
    if (item === '') {
      fail(
        'InvalidValue',
        syntax.field,
        text,
        `expected ${syntax.range} in every comma-separated item, found an empty item`,
      );
    }
    const slash = item.indexOf('/');
    const base = slash < 0 ? item : item.slice(0, slash);
    const stepText = slash < 0 ? undefined : item.slice(slash + 1);

    if (syntax.specialOf(base.toUpperCase()) !== null) {
      if (stepText !== undefined) {
        fail('InvalidStep', syntax.field, text, `expected no step after ${base}, found ${item}`);
      }
      fail(
        'ItemNotAlone',
        syntax.field,
        text,
        `expected ${item} as the only item of the field, found ${text}`,
      );
    }

    let start: number;
    let end: number;
    if (base === '*') {
      start = syntax.min;
      end = syntax.max;
      wildcard = true;
    } else {
      const dash = base.indexOf('-');
      start = parseValue(dash < 0 ? base : base.slice(0, dash), syntax, text, fail);
      end = dash < 0 ? start : parseValue(base.slice(dash + 1), syntax, text, fail);
      if (start > end) {
        fail(
          'ReversedRange',
          syntax.field,
          text,
          `expected a range from the lower to the higher value, found ${base}`,
        );
      }
    }

    let step = 1;
    if (stepText !== undefined) {
      step = /^[0-9]+$/.test(stepText) ? Number(stepText) : 0;
      if (step < 1) {
        fail(
          'InvalidStep',
          syntax.field,
          text,
          `expected a positive integer step after /, found ${describeToken(stepText)}`,
        );
      }
      // `n/step` runs from n to the end of the field.
      if (!base.includes('-')) end = syntax.max;
    }

    // A step longer than the field selects only the start, so clamping keeps the loop short.
    const boundedStep = Math.min(step, syntax.max - syntax.min + 1);
    for (let value = start; value <= end; value += boundedStep) selected[value - syntax.min] = 1;
  }

  const values: number[] = [];
  for (const [offset, isSelected] of selected.entries()) {
    if (isSelected === 1) values.push(syntax.min + offset);
  }
  return { values, wildcard };
}

function parseValue(token: string, syntax: FieldSyntax, text: string, fail: Fail): number {
  const upper = token.toUpperCase();
  const named = syntax.names?.get(upper);
  if (named !== undefined) return named;
  if (/^[0-9]+$/.test(token)) {
    const value = Number(token);
    if (value >= syntax.min && value <= syntax.max) return value;
  } else if (/^[0-9]*[LW]$|^LW$/.test(upper)) {
    // The shape of an L or W item in a field that does not allow that letter.
    const letter = upper.includes('L') && !syntax.wildcards.includes('L') ? 'L' : 'W';
    if (!syntax.wildcards.includes(letter)) failUnsupported(text, syntax, letter, fail);
  }
  return fail(
    'InvalidValue',
    syntax.field,
    text,
    `expected ${syntax.range}, found ${describeToken(token)}`,
  );
}

function describeToken(token: string): string {
  return token === '' ? 'an empty value' : token;
}
