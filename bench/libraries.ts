// The libraries under comparison, each behind the same two calls: compile an expression for a
// zone, then compute chained next fire times from an instant. Each adapter uses the library's
// own public API for "next time after a given date" and the option settings that come closest
// to robfig/cron v3, as the library documents them.

import { createRequire } from 'node:module';

import { Cron } from 'croner';
import { CronExpressionParser } from 'cron-parser';
import type { CronExpression } from 'cron-parser';
import { CronosExpression } from 'cronosjs';

import { compileSchedule } from '../src/schedule/index.js';
import type { Schedule } from '../src/schedule/index.js';

/** One library behind the benchmark's calls. `Compiled` is the library's parsed form. */
export interface Library<Compiled> {
  readonly name: LibraryName;
  readonly version: string;
  /** The options passed to the library, for the report. */
  readonly settings: string;
  /** Parses `expression` for evaluation in `timeZone`. Throws what the library throws. */
  compile(expression: string, timeZone: string): Compiled;
  /**
   * Writes up to `count` consecutive fire times after `from` (ms since the epoch) into `out`,
   * each one computed from the one before. Returns how many it wrote, fewer when the library
   * reports no further time.
   */
  nextTimes(compiled: Compiled, from: number, count: number, out: Float64Array): number;
}

export type LibraryName = 'cronmesh' | 'croner' | 'cron-parser' | 'cronosjs';

const require = createRequire(import.meta.url);

function packageVersion(name: string): string {
  const manifest = require(`${name}/package.json`) as { version: string };
  return manifest.version;
}

const cronmesh: Library<Schedule> = {
  name: 'cronmesh',
  version: (require('../../package.json') as { version: string }).version,
  settings: "dstPolicy: 'kubernetes' (robfig's DST behaviour)",
  compile: (expression, timeZone) =>
    compileSchedule(expression, { timeZone, dstPolicy: 'kubernetes' }),
  nextTimes(schedule, from, count, out) {
    let current = from;
    for (let index = 0; index < count; index++) {
      const next = schedule.next(current);
      if (next === null) return index;
      out[index] = next;
      current = next;
    }
    return count;
  },
};

// Without a callback, a croner job starts no timer, so the object only evaluates the pattern.
const croner: Library<Cron> = {
  name: 'croner',
  version: packageVersion('croner'),
  settings: 'timezone (day-of-month OR day-of-week is the default)',
  compile: (expression, timeZone) => new Cron(expression, { timezone: timeZone }),
  nextTimes(job, from, count, out) {
    let current = new Date(from);
    for (let index = 0; index < count; index++) {
      const next = job.nextRun(current);
      if (next === null) return index;
      out[index] = next.getTime();
      current = next;
    }
    return count;
  },
};

// cron-parser evaluates from an iterator position, so `reset` moves it to `from` and each
// `next()` advances it by one fire time.
const cronParser: Library<CronExpression> = {
  name: 'cron-parser',
  version: packageVersion('cron-parser'),
  settings: 'tz',
  compile: (expression, timeZone) => CronExpressionParser.parse(expression, { tz: timeZone }),
  nextTimes(expression, from, count, out) {
    expression.reset(new Date(from));
    for (let index = 0; index < count; index++) out[index] = expression.next().getTime();
    return count;
  },
};

// skipRepeatedHour: false and missingHour: 'skip' are cronosjs's settings for robfig's rule:
// a repeated local time fires at both occurrences, a skipped one does not fire.
const cronosjs: Library<CronosExpression> = {
  name: 'cronosjs',
  version: packageVersion('cronosjs'),
  settings: "timezone, skipRepeatedHour: false, missingHour: 'skip'",
  compile: (expression, timeZone) =>
    CronosExpression.parse(expression, {
      timezone: timeZone,
      skipRepeatedHour: false,
      missingHour: 'skip',
    }),
  nextTimes(expression, from, count, out) {
    let current = new Date(from);
    for (let index = 0; index < count; index++) {
      const next = expression.nextDate(current);
      if (next === null) return index;
      out[index] = next.getTime();
      current = next;
    }
    return count;
  },
};

/** All libraries, cronmesh first. */
export const LIBRARIES: readonly Library<unknown>[] = [cronmesh, croner, cronParser, cronosjs];

/** The libraries cronmesh is compared with. */
export const PEERS: readonly Library<unknown>[] = LIBRARIES.slice(1);

/** Returns the library called `name`. Throws RangeError for an unknown name. */
export function libraryNamed(name: string): Library<unknown> {
  const library = LIBRARIES.find((candidate) => candidate.name === name);
  if (library === undefined) {
    const names = LIBRARIES.map((candidate) => candidate.name).join(', ');
    throw new RangeError(`unknown library ${JSON.stringify(name)}: expected one of ${names}`);
  }
  return library;
}
