// Next-fire computations per second. Every task runs a warm-up, then the timed rounds of all
// tasks alternate, so that slow drift of the machine (frequency, other load) spreads over all
// libraries instead of favouring the one measured first. Each round is bounded in passes and
// time, and the report uses the median round.

import { performance } from 'node:perf_hooks';

import type { CorpusEntry } from './corpus.js';
import { TIMES_PER_ENTRY } from './correctness.js';
import type { Library, LibraryName } from './libraries.js';

/**
 * `next`: compile every entry once, outside the timing, then time chains of next-time calls.
 * `parse+next`: time parsing an entry and computing its first next time, together.
 */
export type SpeedMode = 'next' | 'parse+next';

/** One measured loop over a set of corpus entries. */
export interface SpeedTask {
  readonly library: LibraryName;
  readonly mode: SpeedMode;
  /** Name of the entry set the task runs over, such as `all agree`. */
  readonly entrySet: string;
  readonly entryCount: number;
  /** True when each pass moves the start instants, so no result repeats between passes. */
  readonly movedStarts: boolean;
  /** Runs one pass over the entries and returns how many next times it computed. */
  runPass(passIndex: number): number;
}

export interface SpeedOptions {
  readonly warmupMs: number;
  readonly rounds: number;
  readonly roundMs: number;
  /** Upper bound on passes per round and per warm-up, whatever the time. */
  readonly maxPassesPerRound: number;
}

export interface SpeedResult {
  readonly task: SpeedTask;
  /** Median over the rounds, in next-time computations per second. */
  readonly medianPerSecond: number;
  readonly roundsPerSecond: readonly number[];
}

// Results flow into this value so that no computation is dead code to the compiler.
let sink = 0;

/** Returns a value that depends on every measured result, so callers can print it. */
export function resultChecksum(): number {
  return sink;
}

/**
 * Builds a `next` task. With `movedStarts`, pass `k` starts each chain `k mod 4000` days and
 * `7k + 1` seconds after the entry's start instant, so neither the instants nor the local days
 * of one pass repeat in the next. That defeats caches keyed by instant, such as cronmesh's
 * zone-offset cache, which the unmoved passes hit every time.
 */
export function nextTask(
  library: Library<unknown>,
  entries: readonly CorpusEntry[],
  entrySet: string,
  movedStarts = false,
): SpeedTask {
  const compiled = entries.map((entry) => library.compile(entry.expression, entry.timeZone));
  const starts = entries.map((entry) => entry.start);
  const out = new Float64Array(TIMES_PER_ENTRY);
  return {
    library: library.name,
    mode: 'next',
    entrySet,
    entryCount: entries.length,
    movedStarts,
    runPass(passIndex) {
      const shift = movedStarts ? ((passIndex % 4000) * 86_400 + passIndex * 7 + 1) * 1000 : 0;
      let computed = 0;
      for (let index = 0; index < compiled.length; index++) {
        const start = (starts[index] ?? 0) + shift;
        computed += library.nextTimes(compiled[index], start, TIMES_PER_ENTRY, out);
        sink += out[0] ?? 0;
      }
      return computed;
    },
  };
}

/** Builds a `parse+next` task: each computation parses the entry and finds its first next time. */
export function parseAndNextTask(
  library: Library<unknown>,
  entries: readonly CorpusEntry[],
  entrySet: string,
): SpeedTask {
  const out = new Float64Array(1);
  return {
    library: library.name,
    mode: 'parse+next',
    entrySet,
    entryCount: entries.length,
    movedStarts: false,
    runPass() {
      let computed = 0;
      for (const entry of entries) {
        const compiled = library.compile(entry.expression, entry.timeZone);
        computed += library.nextTimes(compiled, entry.start, 1, out);
        sink += out[0] ?? 0;
      }
      return computed;
    },
  };
}

/** Warms up every task, then runs `options.rounds` rounds of all tasks in turn. */
export function measureInterleaved(
  tasks: readonly SpeedTask[],
  options: SpeedOptions,
): SpeedResult[] {
  const passCounters = tasks.map(() => 0);
  const runFor = (taskIndex: number, durationMs: number): number => {
    const task = tasks[taskIndex];
    if (task === undefined) return 0;
    let computed = 0;
    let passes = 0;
    const startedAt = performance.now();
    let elapsedMs = 0;
    do {
      computed += task.runPass(passCounters[taskIndex] ?? 0);
      passCounters[taskIndex] = (passCounters[taskIndex] ?? 0) + 1;
      passes += 1;
      elapsedMs = performance.now() - startedAt;
    } while (elapsedMs < durationMs && passes < options.maxPassesPerRound);
    return (computed / elapsedMs) * 1000;
  };

  tasks.forEach((_, taskIndex) => runFor(taskIndex, options.warmupMs));

  const rounds: number[][] = tasks.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    tasks.forEach((_, taskIndex) => rounds[taskIndex]?.push(runFor(taskIndex, options.roundMs)));
  }

  return tasks.map((task, taskIndex) => {
    const roundsPerSecond = rounds[taskIndex] ?? [];
    return { task, medianPerSecond: median(roundsPerSecond), roundsPerSecond };
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
