/** The part of a schedule that an error concerns. */
export type ScheduleField =
  'timeZone' | 'descriptor' | 'fields' | 'minute' | 'hour' | 'dayOfMonth' | 'month' | 'dayOfWeek';

/**
 * Rejection of a schedule by the robfig/cron v3 standard parser. The message is robfig's text
 * verbatim, because Kubernetes shows that text in API errors and events.
 */
export class ScheduleParseError extends Error {
  readonly code = 'ScheduleParseError';

  constructor(
    message: string,
    /** The whole schedule as given, including any `TZ=`/`CRON_TZ=` prefix. */
    readonly spec: string,
    /** The part of the schedule that failed, or undefined when the spec as a whole is wrong. */
    readonly field: ScheduleField | undefined,
  ) {
    super(message);
    this.name = 'ScheduleParseError';
  }
}

/**
 * Failure to load a time zone given outside the schedule text (`spec.timeZone`). The message
 * is the text Go's `time.LoadLocation` returns, such as `unknown time zone Foo/Bar`.
 */
export class UnknownTimeZoneError extends Error {
  readonly code = 'UnknownTimeZone';

  constructor(
    message: string,
    readonly timeZone: string,
  ) {
    super(message);
    this.name = 'UnknownTimeZoneError';
  }
}
