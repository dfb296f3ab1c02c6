// `cronmesh next EXPR [--time-zone TZ] [--from RFC3339 | --before RFC3339] [-n N]
// [--dst-policy cron|kubernetes] [-o json]`: prints a description of a schedule and its next
// (or previous) fire times without a server, marking the times that a DST change affected. An
// expression written as `cron(...)` or `rate(...)` is EventBridge, anything else the Kubernetes
// dialect.

import {
  EventBridgeExpressionError,
  ScheduleParseError,
  UnknownTimeZoneError,
  compileScheduleExpression,
  describeSchedule,
  formatInZone,
  isDstPolicy,
  nextWithMarks,
  parseStandard,
  previousWithMarks,
} from '../schedule/index.js';
import type { DstPolicy, Schedule, ScheduleDialect } from '../schedule/index.js';
import { fireTimeMarksJson, formatFireTimeLines } from './format/fire-times.js';
import type { FireTimeMarkJson } from './format/fire-times.js';

export interface NextArguments {
  expression: string;
  /**
   * IANA zone; unset means the process's local zone for the Kubernetes dialect, as
   * kube-controller-manager does, and UTC for EventBridge, as EventBridge Scheduler does.
   */
  timeZone?: string;
  /** RFC 3339 instant to count from; unset means `now`. */
  from?: string;
  /**
   * RFC 3339 instant; when set, the fire times before it are printed instead, newest first.
   * Cannot be combined with `from`.
   */
  before?: string;
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
 * named by `--time-zone` or a `TZ=`/`CRON_TZ=` prefix or is EventBridge's default UTC, and null
 * for the process's local zone. `next` is empty when the schedule never fires within robfig's
 * 5-year horizon, or for EventBridge up to the end of 2199.
 */
export interface NextJson {
  expression: string;
  dialect: ScheduleDialect;
  timeZone: string | null;
  dstPolicy: DstPolicy;
  /** The schedule in English, such as `At 00:00, on day 1 of the month or on Monday`. */
  description: string;
  /** Fire times after `--from`, ascending; absent with `--before`. */
  next?: string[];
  /** Fire times before `--before`, newest first; present only with `--before`. */
  previous?: string[];
  /** The DST marks of the listed fire times, in the order of the list. */
  marks: FireTimeMarkJson[];
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
  const before = argv.before === undefined ? undefined : parseRfc3339(argv.before);
  if (before === null) {
    return fail(
      `invalid --before value ${JSON.stringify(argv.before)}: expected an RFC 3339 time such as 2025-03-08T00:00:00Z`,
    );
  }
  if (before !== undefined && argv.from !== undefined) {
    return fail('--from and --before cannot be used together: give one of them');
  }

  let schedule: Schedule;
  let dialect: ScheduleDialect;
  try {
    ({ schedule, dialect } = compileScheduleExpression(argv.expression, {
      timeZone: argv.timeZone,
      dstPolicy,
    }));
  } catch (error) {
    if (error instanceof ScheduleParseError || error instanceof EventBridgeExpressionError) {
      return fail(`invalid schedule ${JSON.stringify(argv.expression)}: ${error.message}`);
    }
    if (error instanceof UnknownTimeZoneError) {
      return fail(`invalid --time-zone value ${JSON.stringify(argv.timeZone)}: ${error.message}`);
    }
    throw error;
  }

  if (before !== undefined && schedule.prev === undefined) {
    return fail(
      `--before is not supported for ${dialect} schedule ${JSON.stringify(argv.expression)}`,
    );
  }
  return printFireTimes({ argv, schedule, dialect, dstPolicy, from, before, count, output });
}

/** A `cronmesh next` request whose arguments are valid and whose schedule is compiled. */
interface CompiledRequest {
  argv: NextArguments;
  schedule: Schedule;
  dialect: ScheduleDialect;
  dstPolicy: DstPolicy;
  from: number;
  before: number | undefined;
  count: number;
  output: 'json' | 'text';
}

/** Computes the fire times of a compiled request and formats them after its description. */
function printFireTimes(request: CompiledRequest): CommandResult {
  const { argv, schedule, dialect, dstPolicy, from, before, count, output } = request;
  const marked =
    before === undefined
      ? nextWithMarks(schedule, from, count)
      : previousWithMarks(schedule, before, count);
  const description = describeSchedule(argv.expression, dialect, { timeZone: argv.timeZone });

  if (output === 'json') {
    const zoneNamed =
      argv.timeZone !== undefined ||
      dialect === 'eventbridge' ||
      parseStandard(argv.expression).timeZone !== undefined;
    const times = marked.map(({ time }) => formatInZone(time, schedule.timeZone));
    const result: NextJson = {
      expression: argv.expression,
      dialect,
      timeZone: zoneNamed ? schedule.timeZone : null,
      dstPolicy,
      description,
      ...(before === undefined ? { next: times } : { previous: times }),
      marks: fireTimeMarksJson(marked, schedule.timeZone),
    };
    return { stdout: `${JSON.stringify(result)}\n`, stderr: '', exitCode: 0 };
  }

  const stdout = `${description}\n${formatFireTimeLines(marked, schedule.timeZone)}`;
  if (marked.length > 0) return { stdout, stderr: '', exitCode: 0 };
  const schedulePart = `schedule ${JSON.stringify(argv.expression)} does not fire`;
  // The Kubernetes dialect searches robfig's 5-year horizon; EventBridge searches the years its
  // year field allows, 1970-2199.
  const fromText = formatInZone(from, schedule.timeZone);
  let window: string;
  if (before !== undefined) {
    const beforeText = formatInZone(before, schedule.timeZone);
    window =
      dialect === 'eventbridge'
        ? `before ${beforeText} back to the start of 1970`
        : `within 5 years before ${beforeText}`;
  } else {
    window =
      dialect === 'eventbridge'
        ? `after ${fromText} up to the end of 2199`
        : `within 5 years after ${fromText}`;
  }
  const stderr = `${schedulePart} ${window}\n`;
  return { stdout, stderr, exitCode: 0 };
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
