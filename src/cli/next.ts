// `cronmesh next EXPR [--time-zone TZ] [--from RFC3339] [-n N] [--dst-policy cron|kubernetes]
// [-o json]`: prints the next fire times of a schedule without a server.

import {
  ScheduleParseError,
  UnknownTimeZoneError,
  compileSchedule,
  formatInZone,
  isDstPolicy,
  nextTimes,
  parseStandard,
} from '../schedule/index.js';
import type { DstPolicy, Schedule } from '../schedule/index.js';

export interface NextArguments {
  expression: string;
  /** IANA zone; unset means the process's local zone, as kube-controller-manager does. */
  timeZone?: string;
  /** RFC 3339 instant to count from; unset means `now`. */
  from?: string;
  /** How many fire times to print, 1 to MAX_COUNT, or the text of `-n`; default 5. */
  count?: number | string;
  /** `cron` (default) or `kubernetes`. */
  dstPolicy?: string;
  output?: 'json' | 'text';
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/**
 * The object `-o json` prints. `timeZone` is the zone the times were computed in when one was
 * named by `--time-zone` or a `TZ=`/`CRON_TZ=` prefix, and null for the process's local zone.
 * `next` is empty when the schedule never fires within robfig's 5-year horizon.
 */
export interface NextJson {
  expression: string;
  timeZone: string | null;
  dstPolicy: DstPolicy;
  next: string[];
}

export const DEFAULT_COUNT = 5;
export const MAX_COUNT = 1000;

// RFC 3339 date-time: the date, `T`, the time with optional fraction, and `Z` or an offset.
// The seconds may be left out (`2018-11-05T00:00Z`), which RFC 3339 itself does not allow, and
// then no fraction may follow.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Runs `cronmesh next` with parsed arguments; `now` (ms since the epoch) is the default start. */
export function runNext(argv: NextArguments, now: number): CommandResult {
  const fail = (message: string): CommandResult => ({
    stdout: '',
    stderr: `error: ${message}\n`,
    exitCode: 1,
  });

  const requested = argv.count ?? DEFAULT_COUNT;
  // Number() would accept `0x10`, `1e2` and an empty string, and turn other text into NaN.
  const count =
    typeof requested === 'number' || !/^\d+$/.test(requested) ? requested : Number(requested);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    const shown = typeof requested === 'string' ? JSON.stringify(requested) : String(requested);
    return fail(`invalid -n value ${shown}: expected an integer from 1 to ${MAX_COUNT}`);
  }
  const dstPolicy = argv.dstPolicy ?? 'cron';
  if (!isDstPolicy(dstPolicy)) {
    return fail(
      `invalid --dst-policy value ${JSON.stringify(dstPolicy)}: expected cron or kubernetes`,
    );
  }
  const output = argv.output ?? 'text';
  if (output !== 'text' && output !== 'json') {
    return fail(`invalid -o value ${JSON.stringify(output)}: expected json or text`);
  }
  const from = argv.from === undefined ? now : parseRfc3339(argv.from);
  if (from === null) {
    return fail(
      `invalid --from value ${JSON.stringify(argv.from)}: expected an RFC 3339 time such as 2025-03-08T00:00:00Z`,
    );
  }

  let schedule: Schedule;
  try {
    schedule = compileSchedule(argv.expression, { timeZone: argv.timeZone, dstPolicy });
  } catch (error) {
    if (error instanceof ScheduleParseError) {
      return fail(`invalid schedule ${JSON.stringify(argv.expression)}: ${error.message}`);
    }
    if (error instanceof UnknownTimeZoneError) {
      return fail(`invalid --time-zone value ${JSON.stringify(argv.timeZone)}: ${error.message}`);
    }
    throw error;
  }

  const times = nextTimes(schedule, from, count).map((time) =>
    formatInZone(time, schedule.timeZone),
  );
  if (output === 'json') {
    const zoneNamed =
      argv.timeZone !== undefined || parseStandard(argv.expression).timeZone !== undefined;
    const result: NextJson = {
      expression: argv.expression,
      timeZone: zoneNamed ? schedule.timeZone : null,
      dstPolicy,
      next: times,
    };
    return { stdout: `${JSON.stringify(result)}\n`, stderr: '', exitCode: 0 };
  }

  const stderr =
    times.length === 0
      ? `schedule ${JSON.stringify(argv.expression)} does not fire within 5 years after ${formatInZone(from, schedule.timeZone)}\n`
      : '';
  return { stdout: times.map((time) => `${time}\n`).join(''), stderr, exitCode: 0 };
}

/**
 * Parses an RFC 3339 date-time, with or without seconds, into ms since the epoch. Returns null
 * when the text is not such a date-time or names a day or time that does not exist.
 */
export function parseRfc3339(text: string): number | null {
  const match = RFC3339.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute] = match.map(Number);
  const second = Number(match[6] ?? 0);
  const ms = Date.parse(text.toUpperCase());
  if (Number.isNaN(ms)) return null;

  // Date.parse rolls invalid dates over (February 30 becomes March 2), so the fields must
  // survive a round trip through the stated offset.
  const offset = match[8]?.toUpperCase() === 'Z' ? 0 : offsetMinutes(match[8] ?? '+00:00');
  const local = new Date(ms + offset * 60_000);
  const roundTrips =
    local.getUTCFullYear() === year &&
    local.getUTCMonth() + 1 === month &&
    local.getUTCDate() === day &&
    local.getUTCHours() === hour &&
    local.getUTCMinutes() === minute &&
    local.getUTCSeconds() === second;
  return roundTrips ? ms : null;
}

function offsetMinutes(offset: string): number {
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}
