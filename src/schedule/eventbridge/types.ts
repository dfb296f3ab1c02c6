// Parsed forms of EventBridge schedule expressions: `rate(value unit)` and the six-field
// `cron(minutes hours day-of-month month day-of-week year)`.

/** The unit of a rate expression, without the plural `s`. */
export type RateUnit = 'minute' | 'hour' | 'day';

/** A parsed `rate(value unit)` expression. */
export interface RateSpec {
  readonly kind: 'rate';
  /** The expression as given. */
  readonly expression: string;
  readonly value: number;
  readonly unit: RateUnit;
  /**
   * The period in milliseconds. A day is always 24 hours, as AWS documents for EventBridge
   * Scheduler, so daylight saving time does not change it.
   */
  readonly periodMs: number;
}

/** A parsed field that lists plain values: minutes, hours, month or year. */
export interface ValuesField {
  /** Values the field matches, ascending and never empty. */
  readonly values: readonly number[];
  /**
   * True when some comma item starts with `*`, with or without a step. A schedule with a wildcard
   * in the minutes or hours field follows real time under both DST policies.
   */
  readonly wildcard: boolean;
}

/** The day-of-month field. */
export type DayOfMonthRule =
  /** `?`: the day-of-week field decides. */
  | { readonly kind: 'any' }
  /** Listed days 1-31, ascending; `*` lists them all. A day a month lacks does not fire. */
  | { readonly kind: 'days'; readonly days: readonly number[] }
  /** `L`: the last day of the month. */
  | { readonly kind: 'last' }
  /** `LW`: the last weekday (Monday to Friday) of the month. */
  | { readonly kind: 'lastWeekday' }
  /** `nW`: the weekday nearest to day n, within the same month. */
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** The day-of-week field. Weekdays use AWS numbering: 1 = Sunday to 7 = Saturday. */
export type DayOfWeekRule =
  /** `?`: the day-of-month field decides. */
  | { readonly kind: 'any' }
  /** Listed weekdays, ascending; `*` lists them all and a lone `L` means Saturday (7). */
  | { readonly kind: 'weekdays'; readonly weekdays: readonly number[] }
  /** `nL`: the last such weekday of the month, such as `6L` for the last Friday. */
  | { readonly kind: 'last'; readonly weekday: number }
  /** `n#k`: the k-th such weekday of the month, such as `2#1` for the first Monday. */
  | { readonly kind: 'nth'; readonly weekday: number; readonly occurrence: number };

/** A parsed `cron(...)` expression. Exactly one of the two day rules has kind `any`. */
export interface EventBridgeCronSpec {
  readonly kind: 'cron';
  /** The expression as given. */
  readonly expression: string;
  readonly minutes: ValuesField;
  readonly hours: ValuesField;
  readonly dayOfMonth: DayOfMonthRule;
  /** Months 1-12. */
  readonly month: ValuesField;
  readonly dayOfWeek: DayOfWeekRule;
  /** Years 1970-2199. */
  readonly year: ValuesField;
}

export type EventBridgeSpec = RateSpec | EventBridgeCronSpec;
