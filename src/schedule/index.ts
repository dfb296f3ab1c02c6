// Public contract of the schedule engine. The implementation lives in the sibling files.
// CONTRACT (kept stable for other layers):
//
//   export type DstPolicy = 'cron' | 'kubernetes';
//
//   /** robfig/cron v3 ParseStandard; throws ScheduleParseError whose message is robfig's text. */
//   export function parseStandard(spec: string): CronSpec;
//
//   export interface Schedule {
//     /** First fire time strictly after `from` (ms since epoch), or null if none within 5 years. */
//     next(from: number): number | null;
//   }
//
//   /**
//    * Compiles a spec for evaluation. `timeZone` is an IANA name (undefined = the process's
//    * local zone, as kube-controller-manager does). A `TZ=`/`CRON_TZ=` prefix inside the spec
//    * wins over `timeZone`, as in robfig. Throws ScheduleParseError.
//    */
//   export function compileSchedule(
//     spec: string,
//     options?: { timeZone?: string; dstPolicy?: DstPolicy },
//   ): Schedule;
//
//   /** Returns true when `zone` names a zone the runtime can load. */
//   export function isKnownTimeZone(zone: string): boolean;
//
// Additions beyond the contract: Schedule also carries `timeZone` and `dstPolicy`, and
// compileSchedule throws UnknownTimeZoneError for a `timeZone` option that does not load.
// formatInZone renders RFC 3339 in a zone, and nextTimes lists consecutive fire times.
// Schedules of the Kubernetes dialect also compute previous fire times (`prev`, previousTimes).
// describeSchedule writes a schedule in English, and nextWithMarks/previousWithMarks mark the
// fire times that a DST change moved, merged, repeated or preceded by a skipped time.

export { compileSchedule, nextTimes, previousTimes } from './compile.js';
export type { CompileOptions } from './compile.js';
export { describeSchedule } from './describe.js';
export type { DescribeOptions } from './describe.js';
export { markFireTimes, nextWithMarks, previousWithMarks } from './dst-marks.js';
export type { DstMark, DstMarkKind, MarkedTime } from './dst-marks.js';
export { ScheduleParseError, UnknownTimeZoneError } from './errors.js';
export type { ScheduleField } from './errors.js';
export { parseStandard } from './parse.js';
export type { CronField, CronFieldsSpec, CronSpec, EverySpec } from './parse.js';
export { DST_POLICIES, isDstPolicy } from './types.js';
export type { DstPolicy, Schedule } from './types.js';
export { formatInZone, isKnownTimeZone, localTimeZone } from './zone.js';

// EventBridge schedule expressions (`rate(...)` and six-field `cron(...)`), and the chooser
// between the two dialects for places that accept both.
export { compileEventBridge } from './eventbridge/compile.js';
export type { EventBridgeCompileOptions } from './eventbridge/compile.js';
export {
  compileScheduleExpression,
  parseScheduleExpression,
  scheduleDialectOf,
} from './eventbridge/dialect.js';
export type {
  CompiledScheduleExpression,
  ParsedScheduleExpression,
  ScheduleDialect,
} from './eventbridge/dialect.js';
export { EVENTBRIDGE_ERROR_CATALOG, EventBridgeExpressionError } from './eventbridge/errors.js';
export type {
  EventBridgeErrorCode,
  EventBridgeErrorEntry,
  EventBridgeField,
  EventBridgePart,
} from './eventbridge/errors.js';
export { hasEventBridgeSyntax, parseEventBridge } from './eventbridge/parse.js';
export type {
  DayOfMonthRule,
  DayOfWeekRule,
  EventBridgeCronSpec,
  EventBridgeSpec,
  RateSpec,
  RateUnit,
  ValuesField,
} from './eventbridge/types.js';
