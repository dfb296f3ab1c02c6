/**
 * Rule for local times that daylight saving time skips or repeats.
 * - `cron`: like Vixie/ISC cron, a fixed-time schedule (no wildcard in the minute or hour
 *   field) fires once at the first instant after a skipped time, and only at the first
 *   occurrence of a repeated time.
 * - `kubernetes`: like robfig/cron v3 in Kubernetes, a skipped local time does not fire and a
 *   repeated one fires at both occurrences.
 * Schedules with a wildcard in the minute or hour field follow real time under both policies.
 */
export type DstPolicy = 'cron' | 'kubernetes';

export const DST_POLICIES: readonly DstPolicy[] = ['cron', 'kubernetes'];

/** Returns true when `value` is one of the DST policy names. */
export function isDstPolicy(value: unknown): value is DstPolicy {
  return value === 'cron' || value === 'kubernetes';
}

/** A compiled schedule. */
export interface Schedule {
  /**
   * Returns the first fire time strictly after `from` (ms since the epoch), in whole seconds,
   * or null when none falls within the dialect's horizon. For Kubernetes schedules that is
   * robfig's: the end of the fifth calendar year after the year of `from` in the schedule's
   * zone. EventBridge cron() searches up to the end of 2199. `@every` schedules always return
   * a time.
   */
  next(from: number): number | null;
  /**
   * Returns the last fire time strictly before `before` (ms since the epoch), in whole seconds,
   * or null when none falls within the horizon. For Kubernetes schedules the horizon mirrors
   * `next`: it starts at the fifth calendar year before the year of `before`. EventBridge cron()
   * searches back to 1970. `@every` and unanchored rate() schedules always return a time.
   */
  prev?(before: number): number | null;
  /**
   * Returns true when a local wall-clock time, given as ms since the epoch read as if it were
   * UTC, matches the schedule's fields. Absent on schedules without fields, such as `@every`.
   */
  matchesWallClock?(wallClock: number): boolean;
  /**
   * True when each matching local time fires exactly once even where DST skips or repeats it:
   * the `cron` policy on a fixed-time schedule. False means the schedule follows the wall-clock
   * rule, so a skipped local time does not fire and a repeated one fires twice. Absent on
   * schedules without fields, such as `@every`.
   */
  readonly oncePerLocalTime?: boolean;
  /** IANA name of the zone whose wall clock the fields are matched against. */
  readonly timeZone: string;
  readonly dstPolicy: DstPolicy;
}
