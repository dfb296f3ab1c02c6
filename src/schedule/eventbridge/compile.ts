import { UnknownTimeZoneError } from '../errors.js';
import { isDstPolicy } from '../types.js';
import type { DstPolicy, Schedule } from '../types.js';
import { loadTimeZone } from '../zone.js';
import { EventBridgeCronSchedule } from './next.js';
import { parseEventBridge } from './parse.js';
import { RateSchedule } from './rate.js';

/** Options of compileEventBridge. */
export interface EventBridgeCompileOptions {
  /** IANA zone a cron expression is evaluated in. Defaults to UTC, as in EventBridge Scheduler. */
  timeZone?: string | undefined;
  /**
   * Defaults to `cron`.
   * NOTE: EventBridge Scheduler itself follows neither policy exactly. The AWS knowledge center
   * article on adjusting EventBridge schedules for daylight saving time states that it skips a
   * local time that a forward jump removes and runs only once at a local time that repeats.
   */
  dstPolicy?: DstPolicy | undefined;
  /**
   * Start of a rate expression (ms since the epoch), such as the schedule's creation time. Fire
   * times are `anchor + k × period`. Without it, a rate counts from the instant asked about.
   * Cron expressions ignore it.
   */
  anchor?: number | undefined;
}

/**
 * Parses an EventBridge `rate(...)` or `cron(...)` expression and compiles it for evaluation.
 * Throws EventBridgeExpressionError for an invalid expression, UnknownTimeZoneError for a
 * `timeZone` that does not load, and RangeError for an unknown `dstPolicy` or an anchor that is
 * not a finite number.
 */
export function compileEventBridge(
  expression: string,
  options: EventBridgeCompileOptions = {},
): Schedule {
  const dstPolicy = options.dstPolicy ?? 'cron';
  if (!isDstPolicy(dstPolicy)) {
    throw new RangeError(
      `invalid dstPolicy ${JSON.stringify(dstPolicy)}: expected cron or kubernetes`,
    );
  }
  const anchor = options.anchor;
  if (anchor !== undefined && !Number.isFinite(anchor)) {
    throw new RangeError(
      `invalid anchor ${anchor}: expected a finite instant in ms since the epoch`,
    );
  }

  const spec = parseEventBridge(expression);
  const zoneName = options.timeZone ?? 'UTC';
  const loaded = loadTimeZone(zoneName);
  if (!loaded.ok) throw new UnknownTimeZoneError(loaded.message, zoneName);

  return spec.kind === 'rate'
    ? new RateSchedule(spec, loaded.zone, dstPolicy, anchor)
    : new EventBridgeCronSchedule(spec, loaded.zone, dstPolicy);
}
