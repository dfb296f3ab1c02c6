import { UnknownTimeZoneError } from './errors.js';
import { EverySchedule } from './every.js';
import { CronFieldsSchedule } from './next.js';
import { parseStandard } from './parse.js';
import { isDstPolicy } from './types.js';
import type { DstPolicy, Schedule } from './types.js';
import { loadTimeZone, localTimeZone } from './zone.js';

/** Options of compileSchedule. */
export interface CompileOptions {
  /**
   * IANA zone the fields are evaluated in. Undefined means the process's local zone, as in
   * kube-controller-manager. A `TZ=`/`CRON_TZ=` prefix in the spec wins over it.
   */
  timeZone?: string | undefined;
  /** Defaults to `cron`. */
  dstPolicy?: DstPolicy | undefined;
}

/**
 * Parses `spec` with the robfig/cron v3 standard parser and compiles it for evaluation.
 * Throws ScheduleParseError for an invalid spec, UnknownTimeZoneError for a `timeZone` option
 * that does not load, and RangeError for an unknown `dstPolicy`.
 */
export function compileSchedule(spec: string, options: CompileOptions = {}): Schedule {
  const dstPolicy = options.dstPolicy ?? 'cron';
  if (!isDstPolicy(dstPolicy)) {
    throw new RangeError(
      `invalid dstPolicy ${JSON.stringify(dstPolicy)}: expected cron or kubernetes`,
    );
  }

  const parsed = parseStandard(spec);
  const timeZone = resolveTimeZone(parsed.timeZone ?? options.timeZone);
  return parsed.kind === 'every'
    ? new EverySchedule(parsed, timeZone, dstPolicy)
    : new CronFieldsSchedule(parsed, timeZone, dstPolicy);
}

function resolveTimeZone(name: string | undefined): string {
  if (name === undefined) return localTimeZone();
  const loaded = loadTimeZone(name);
  if (!loaded.ok) throw new UnknownTimeZoneError(loaded.message, name);
  return loaded.zone;
}

/** Returns up to `count` consecutive fire times after `from`, fewer when the schedule ends. */
export function nextTimes(schedule: Schedule, from: number, count: number): number[] {
  const times: number[] = [];
  let current = from;
  while (times.length < count) {
    const next = schedule.next(current);
    if (next === null) break;
    times.push(next);
    current = next;
  }
  return times;
}

/**
 * Returns up to `count` consecutive fire times before `before`, newest first, fewer when the
 * search horizon ends. Throws TypeError when the schedule does not compute previous fire times.
 */
export function previousTimes(schedule: Schedule, before: number, count: number): number[] {
  if (schedule.prev === undefined) {
    throw new TypeError('this schedule does not compute previous fire times');
  }
  const times: number[] = [];
  let current = before;
  while (times.length < count) {
    const previous = schedule.prev(current);
    if (previous === null) break;
    times.push(previous);
    current = previous;
  }
  return times;
}
