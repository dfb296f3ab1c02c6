// Parser fuzz: a fixed number of generated and mutated inputs through parseStandard and
// compileSchedule(...).next(...), reporting crashes (exceptions other than ScheduleParseError)
// and hangs (calls over the hang threshold). The inputs run in a worker thread. When the worker
// stops reporting for WATCHDOG_MS, the main thread terminates it, counts a hang for the input
// it was on, and starts a new worker after that input. The whole run is bounded in time.
//
// Run alone: `node dist/bench/fuzz-parser.js [--inputs N] [--seed S]`.

import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

import { addCounts, emptyCounts, previewSpec, recordFinding } from './fuzz-counts.js';
import type { FuzzCounts } from './fuzz-counts.js';
import { fuzzCase } from './fuzz-inputs.js';
import type { FuzzWorkerData, FuzzWorkerMessage } from './fuzz-worker.js';
import { formatCount } from './table.js';

export interface FuzzOptions {
  readonly inputs: number;
  readonly seed: number;
  /** A call that takes longer counts as a hang. */
  readonly hangMs: number;
  /** Time after which no further inputs start; the report then shows fewer inputs. */
  readonly timeBudgetMs: number;
}

export const DEFAULT_FUZZ_OPTIONS: FuzzOptions = {
  inputs: 1_000_000,
  seed: 20_240_310,
  hangMs: 100,
  timeBudgetMs: 150_000,
};

export interface FuzzReport {
  readonly options: FuzzOptions;
  readonly counts: FuzzCounts;
  readonly elapsedMs: number;
  /** True when the time budget ran out before all inputs ran. */
  readonly stoppedByTime: boolean;
  /** Workers the watchdog terminated. */
  readonly workersStopped: number;
}

// A worker reports every 5,000 inputs, which takes well under a second unless a call hangs.
const WATCHDOG_MS = 10_000;
const MAX_WORKERS_STOPPED = 5;
const WORKER_PATH = new URL('./fuzz-worker.js', import.meta.url);

/** Runs the fuzz and returns its counts. */
export async function runFuzz(options: FuzzOptions = DEFAULT_FUZZ_OPTIONS): Promise<FuzzReport> {
  const startedAt = performance.now();
  const counts = emptyCounts();
  const skip: number[] = [];
  let nextIndex = 0;
  let workersStopped = 0;

  while (nextIndex < options.inputs) {
    const remainingMs = options.timeBudgetMs - (performance.now() - startedAt);
    if (remainingMs <= 0) break;
    const outcome = await runWorker(options, nextIndex, skip, remainingMs, counts);
    nextIndex = outcome.nextIndex;
    if (outcome.stoppedAt === null) break;

    workersStopped += 1;
    counts.inputs += 1;
    counts.hangs += 1;
    const spec = fuzzCase(options.seed, outcome.stoppedAt).spec;
    recordFinding(counts, {
      index: outcome.stoppedAt,
      operation: 'worker',
      detail: `hang: no progress for ${WATCHDOG_MS} ms, worker terminated`,
      spec: previewSpec(spec),
    });
    skip.push(outcome.stoppedAt);
    if (workersStopped >= MAX_WORKERS_STOPPED) break;
  }

  return {
    options,
    counts,
    elapsedMs: performance.now() - startedAt,
    stoppedByTime: nextIndex < options.inputs && workersStopped < MAX_WORKERS_STOPPED,
    workersStopped,
  };
}

interface WorkerOutcome {
  /** The first index the worker did not report. */
  nextIndex: number;
  /** The input the worker was on when the watchdog terminated it, or null when it finished. */
  stoppedAt: number | null;
}

function runWorker(
  options: FuzzOptions,
  startIndex: number,
  skip: readonly number[],
  timeBudgetMs: number,
  total: FuzzCounts,
): Promise<WorkerOutcome> {
  const currentIndex = new SharedArrayBuffer(4);
  const data: FuzzWorkerData = {
    seed: options.seed,
    startIndex,
    endIndex: options.inputs,
    skip: [...skip],
    hangMs: options.hangMs,
    timeBudgetMs,
    currentIndex,
  };
  const worker = new Worker(WORKER_PATH, { workerData: data });

  return new Promise((resolve, reject) => {
    let reported = startIndex;
    let settled = false;
    const finish = (outcome: WorkerOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(watchdog);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const onTimeout = () => {
      const stoppedAt = Atomics.load(new Int32Array(currentIndex), 0);
      void worker.terminate();
      // The inputs between the last report and the stuck one ran but were not counted, so the
      // next worker runs them again.
      finish({ nextIndex: reported, stoppedAt });
    };
    let watchdog = setTimeout(onTimeout, WATCHDOG_MS);

    worker.on('message', (message: FuzzWorkerMessage) => {
      addCounts(total, message.counts);
      reported = message.nextIndex;
      clearTimeout(watchdog);
      if (message.type === 'done') {
        finish({ nextIndex: message.nextIndex, stoppedAt: null });
        return;
      }
      watchdog = setTimeout(onTimeout, WATCHDOG_MS);
    });
    worker.on('error', (error) => finish(error));
    worker.on('exit', (code) => {
      if (code !== 0) finish(new Error(`fuzz worker exited with code ${code}`));
    });
  });
}

/** Formats the report as the lines the benchmark prints. */
export function formatFuzzReport(report: FuzzReport): string {
  const { counts } = report;
  const lines = [
    `inputs ${formatCount(counts.inputs)}, parse errors ${formatCount(counts.parseErrors)}, ` +
      `successes ${formatCount(counts.successes)}, crashes ${counts.crashes}, hangs ${counts.hangs}, ` +
      `wrong results ${counts.wrongResults}`,
    `next() calls ${formatCount(counts.nextCalls)} (${formatCount(counts.noNextTime)} returned null), ` +
      `hang threshold ${report.options.hangMs} ms (${counts.slowOutliers} calls over it on ` +
      `the first run, timed again), seed ${report.options.seed}, ` +
      `${(report.elapsedMs / 1000).toFixed(1)} s`,
  ];
  if (counts.slowest !== null) {
    lines.push(
      `slowest call ${counts.slowestMs.toFixed(2)} ms: ${counts.slowest.operation} of input ` +
        `#${counts.slowest.index} ${counts.slowest.spec}`,
    );
  }
  if (report.stoppedByTime) {
    lines.push(`stopped by the ${report.options.timeBudgetMs / 1000} s time budget`);
  }
  for (const finding of counts.findings) {
    lines.push(`  #${finding.index} ${finding.operation}: ${finding.detail} ${finding.spec}`);
  }
  return lines.join('\n');
}

function parseArguments(argv: readonly string[]): FuzzOptions {
  let options = DEFAULT_FUZZ_OPTIONS;
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value = ''] = [argv[index], argv[index + 1]];
    const number = Number(value);
    if (!Number.isSafeInteger(number) || number < 0) {
      throw new RangeError(
        `invalid value ${JSON.stringify(value)} for ${flag}: expected an integer ≥ 0`,
      );
    }
    if (flag === '--inputs') options = { ...options, inputs: number };
    else if (flag === '--seed') options = { ...options, seed: number };
    else throw new RangeError(`unknown option ${flag}: expected --inputs N or --seed S`);
  }
  return options;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const report = await runFuzz(parseArguments(process.argv.slice(2)));
  console.log(formatFuzzReport(report));
  if (report.counts.crashes + report.counts.hangs + report.counts.wrongResults > 0)
    process.exitCode = 1;
}
