// The catalog of errors for EventBridge schedule expressions. AWS itself rejects every invalid
// expression with the bare message "Parameter ScheduleExpression is not valid.", so the detail
// after that prefix is cronmesh's own. Every message has the form
//
//   Parameter ScheduleExpression is not valid: invalid <part> "<value>" in <expression>: <reason>
//
// where a field's part reads `<field> field` (`day-of-week field`) and the reason says what would
// be valid and what was found. When the part is the whole expression, ` in <expression>` is left
// out.

/** The six fields of an EventBridge cron expression, named as the AWS documentation does. */
export type EventBridgeField =
  'minutes' | 'hours' | 'day-of-month' | 'month' | 'day-of-week' | 'year';

/** The part of an expression that an error concerns. */
export type EventBridgePart =
  | 'expression'
  | 'rate'
  | 'rate value'
  | 'rate unit'
  | 'cron fields'
  | 'day fields'
  | EventBridgeField;

/** Stable codes of EventBridgeExpressionError, each documented in EVENTBRIDGE_ERROR_CATALOG. */
export type EventBridgeErrorCode =
  | 'InvalidExpression'
  | 'MissingClosingParenthesis'
  | 'InvalidRateFormat'
  | 'InvalidRateValue'
  | 'RateTooLarge'
  | 'InvalidRateUnit'
  | 'RateUnitNotSingular'
  | 'RateUnitNotPlural'
  | 'InvalidFieldCount'
  | 'InvalidValue'
  | 'UnsupportedWildcard'
  | 'InvalidStep'
  | 'ReversedRange'
  | 'ItemNotAlone'
  | 'InvalidOccurrence'
  | 'MissingQuestionMark'
  | 'QuestionMarkInBothDayFields';

/** One entry of the error catalog. */
export interface EventBridgeErrorEntry {
  /** The part of the expression that the code concerns. */
  readonly part: string;
  /** Description of the rejected values. */
  readonly rejects: string;
  /** The values that would be valid instead. */
  readonly valid: string;
  /** An expression rejected with this code. */
  readonly example: string;
}

/** Every error code with the part it concerns, the values it rejects and what is valid. */
export const EVENTBRIDGE_ERROR_CATALOG: Readonly<
  Record<EventBridgeErrorCode, EventBridgeErrorEntry>
> = {
  InvalidExpression: {
    part: 'expression',
    rejects: 'text that starts with neither cron( nor rate(',
    valid: 'cron(minutes hours day-of-month month day-of-week year) or rate(value unit)',
    example: 'every 5 minutes',
  },
  MissingClosingParenthesis: {
    part: 'expression',
    rejects: 'cron( or rate( without ) as the last character',
    valid: 'the expression closed by ) at its end',
    example: 'cron(0 12 * * ? *',
  },
  InvalidRateFormat: {
    part: 'rate',
    rejects: 'a rate with other than two space-separated words inside the parentheses',
    valid: 'rate(value unit), such as rate(5 minutes)',
    example: 'rate(5)',
  },
  InvalidRateValue: {
    part: 'rate value',
    rejects: 'a value that is not a positive integer written in digits',
    valid: 'a positive integer',
    example: 'rate(0 minutes)',
  },
  RateTooLarge: {
    part: 'rate value',
    rejects: 'a period longer than the span of JavaScript dates (8.64e15 ms)',
    valid: 'at most 144000000000 minutes, 2400000000 hours or 100000000 days',
    example: 'rate(100000001 days)',
  },
  InvalidRateUnit: {
    part: 'rate unit',
    rejects: 'a unit other than the six AWS accepts, which are lower case',
    valid: 'minute, minutes, hour, hours, day or days',
    example: 'rate(5 seconds)',
  },
  RateUnitNotSingular: {
    part: 'rate unit',
    rejects: 'a plural unit after the value 1',
    valid: 'minute, hour or day',
    example: 'rate(1 minutes)',
  },
  RateUnitNotPlural: {
    part: 'rate unit',
    rejects: 'a singular unit after a value greater than 1',
    valid: 'minutes, hours or days',
    example: 'rate(5 minute)',
  },
  InvalidFieldCount: {
    part: 'cron fields',
    rejects: 'a cron expression with other than six space-separated fields',
    valid: 'six fields: minutes hours day-of-month month day-of-week year',
    example: 'cron(0 12 * * ?)',
  },
  InvalidValue: {
    part: 'any cron field',
    rejects: 'a number outside the field range, an unknown name, or an empty list item',
    valid:
      'minutes 0-59, hours 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, ' +
      'day-of-week 1-7 or SUN-SAT (1 = Sunday), year 1970-2199',
    example: 'cron(0 12 ? * 8 *)',
  },
  UnsupportedWildcard: {
    part: 'any cron field',
    rejects: 'a wildcard character that the field does not allow',
    valid:
      'minutes, hours, month and year: , - * /; day-of-month: , - * ? / L W; ' +
      'day-of-week: , - * ? L #',
    example: 'cron(L 12 * * ? *)',
  },
  InvalidStep: {
    part: 'any cron field that allows /',
    rejects: 'a step after / that is not a positive integer',
    valid: 'a positive integer, such as 0/15',
    example: 'cron(0/0 12 * * ? *)',
  },
  ReversedRange: {
    part: 'any cron field',
    rejects: 'a range whose start comes after its end',
    valid: 'a range from the lower to the higher value, such as MON-FRI',
    example: 'cron(0 12 ? * FRI-MON *)',
  },
  ItemNotAlone: {
    part: 'day-of-month or day-of-week',
    rejects: '?, L, LW, nW, nL or n#k combined with other items in one field',
    valid: 'that item as the whole field',
    example: 'cron(0 12 ? * 2#1,6#3 *)',
  },
  InvalidOccurrence: {
    part: 'day-of-week',
    rejects: 'an occurrence after # outside 1-5',
    valid: 'an occurrence 1-5, such as 2#1 for the first Monday',
    example: 'cron(0 12 ? * 2#6 *)',
  },
  MissingQuestionMark: {
    part: 'day fields',
    rejects: 'neither day-of-month nor day-of-week is ?',
    valid: '? in exactly one of day-of-month and day-of-week',
    example: 'cron(0 12 * * MON *)',
  },
  QuestionMarkInBothDayFields: {
    part: 'day fields',
    rejects: 'both day-of-month and day-of-week are ?',
    valid: '? in exactly one of day-of-month and day-of-week',
    example: 'cron(0 12 ? * ? *)',
  },
};

const MESSAGE_PREFIX = 'Parameter ScheduleExpression is not valid';

const FIELD_PARTS: ReadonlySet<EventBridgePart> = new Set<EventBridgePart>([
  'minutes',
  'hours',
  'day-of-month',
  'month',
  'day-of-week',
  'year',
]);

/**
 * Rejection of an EventBridge schedule expression. The message names the part, the value and the
 * expression, then states what would be valid. The file header shows its form.
 */
export class EventBridgeExpressionError extends Error {
  constructor(
    readonly code: EventBridgeErrorCode,
    /** The whole expression as given. */
    readonly expression: string,
    /** The part of the expression that failed. */
    readonly part: EventBridgePart,
    /** The text of that part as written. */
    readonly value: string,
    /** The valid form and the text found, such as `expected 1-7 ..., found 8`. */
    readonly reason: string,
  ) {
    const label = FIELD_PARTS.has(part) ? `${part} field` : part;
    const location = part === 'expression' ? '' : ` in ${expression}`;
    super(`${MESSAGE_PREFIX}: invalid ${label} ${JSON.stringify(value)}${location}: ${reason}`);
    this.name = 'EventBridgeExpressionError';
  }
}
