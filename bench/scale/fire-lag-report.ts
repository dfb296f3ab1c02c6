// Prints the fire-lag runs: one row per run and the medians, then the targets.

import { formatCount, formatTable } from '../table.js';
import type { FireLagResult } from './fire-lag-child.js';
import { FIRE_LAG_WORKER_CONCURRENCY } from './fire-lag-plan.js';
import type { FireLagRun } from './fire-lag.js';
import {
  FIRE_LAG_RUNS,
  FIRE_LAG_SIZES,
  FIRE_LAG_TOTAL,
  FIRE_LAG_WINDOW_MS,
  runFireLagSize,
} from './fire-lag.js';
import { formatMegabytes, formatMs, median, percentileWithMissing } from './stats.js';

/** p99 creation lag targets by size of the simultaneous set, in ms. */
const LAG_P99_TARGET_MS = new Map<number, number>([
  [1_000, 50],
  [10_000, 1_000],
]);
const RSS_TARGET_BYTES = 300 * 1024 * 1024;

const HEADERS = [
  'run',
  'seed',
  'startup',
  'lead',
  'created',
  'completed',
  'lag p50',
  'lag p99',
  'lag max',
  'skew p99',
  'started',
  'start p99',
  'timer gap',
  'RSS startup',
  'RSS after',
  'RSS peak',
];

type LagStatistic = 'p50' | 'p99' | 'max';

/** Share of the Jobs at or below each statistic. */
const LAG_FRACTIONS: Record<LagStatistic, number> = { p50: 0.5, p99: 0.99, max: 1 };

/** Runs every size, prints its table and returns whether every target was met. */
export async function runFireLagPart(): Promise<boolean> {
  console.log(
    `\n## Fire lag: ${formatCount(FIRE_LAG_TOTAL)} CronJobs on SQLite, ${FIRE_LAG_RUNS} runs ` +
      `per size, worker concurrency ${FIRE_LAG_WORKER_CONCURRENCY}`,
  );
  let allMet = true;
  for (const size of FIRE_LAG_SIZES) {
    const runs = await runFireLagSize(size);
    if (!printSize(size, runs)) allMet = false;
  }
  console.log(
    '\nLag is the Job ADDED watch delivery minus the scheduled instant. Skew is what the ' +
      'CronJob controller reports (its reconcile start minus the scheduled instant). Started ' +
      'counts the Jobs whose attempt started a process, and start p99 is over those, measured ' +
      'from the scheduled instant to the first process start. Timer gap is the longest time ' +
      'the event loop ran no timer during the fire. The controller wakes a CronJob at its ' +
      'fire time itself, without the 100 ms that Kubernetes adds.',
  );
  return allMet;
}

/** Prints one size and returns whether its lag and RSS targets were met. */
function printSize(size: number, runs: readonly FireLagRun[]): boolean {
  console.log(`\n### ${formatCount(size)} CronJobs fire in the same second\n`);
  console.log(formatTable(HEADERS, runs.map(formatRun)));
  for (const [index, run] of runs.entries()) {
    if ('failure' in run) console.log(`Run ${index + 1} failed: ${describeFailure(run)}`);
  }

  const results = runs.flatMap((run) => ('result' in run ? [run.result] : []));
  // A run without a result counts as one whose Jobs were all later than the window.
  const failedRuns = runs.length - results.length;
  const medianOf = (values: number[]): number =>
    median([...values, ...Array<number>(failedRuns).fill(Infinity)]);
  const medianLag = (statistic: LagStatistic): number =>
    medianOf(results.map((result) => lagStatistic(result, statistic)));
  const peak = medianOf(results.map((result) => result.peakRssBytes));
  const after = medianOf(results.map((result) => result.rssAfterFireBytes));
  const target = LAG_P99_TARGET_MS.get(size) ?? Number.NaN;
  const lagMet = medianLag('p99') <= target;
  const rssMet = peak <= RSS_TARGET_BYTES;
  console.log(
    `Medians: lag p50 ${formatLagValue(medianLag('p50'))}, p99 ${formatLagValue(medianLag('p99'))}, ` +
      `max ${formatLagValue(medianLag('max'))}; ` +
      `startup ${formatMs(medianOf(results.map((result) => result.startupMs)))}; ` +
      `RSS after the fire ${formatMegabytes(after)}, peak ${formatMegabytes(peak)}.`,
  );
  console.log(
    `Targets: lag p99 ≤ ${formatMs(target)} ${lagMet ? 'met' : 'NOT met'}; ` +
      `peak RSS ≤ ${formatMegabytes(RSS_TARGET_BYTES)} ${rssMet ? 'met' : 'NOT met'}.`,
  );
  const unfinished = results.filter((result) => result.end !== 'completed').length;
  if (unfinished > 0) {
    console.log(
      `${unfinished} of ${runs.length} runs ended ${FIRE_LAG_WINDOW_MS / 1000} s after the fire ` +
        'with Jobs still to create or complete. A lag statistic that falls on a Job not created ' +
        'by then shows as "> N s", N being the time from the fire to the last created Job.',
    );
  }
  return lagMet && rssMet;
}

function describeFailure(run: Extract<FireLagRun, { failure: string }>): string {
  const progress = run.progress;
  if (progress === undefined) return run.failure;
  return (
    `${run.failure}. Last progress, ${formatMs(progress.sinceFireMs)} after the fire: ` +
    `${formatCount(progress.created)} Jobs created, ${formatCount(progress.completed)} completed.`
  );
}

function formatRun(run: FireLagRun, index: number): string[] {
  const seed = run.seed === undefined ? '-' : formatMs(run.seed.insertSeconds * 1000);
  if ('failure' in run) {
    const created = run.progress === undefined ? '-' : `≥ ${formatCount(run.progress.created)}`;
    return [
      String(index + 1),
      seed,
      '-',
      '-',
      created,
      ...Array<string>(HEADERS.length - 5).fill('-'),
    ];
  }
  const { result } = run;
  return [
    String(index + 1),
    seed,
    formatMs(result.startupMs),
    formatMs(result.leadMs),
    formatCount(result.created),
    formatCount(result.completed),
    formatLag(result, 'p50'),
    formatLag(result, 'p99'),
    formatLag(result, 'max'),
    formatMs(result.controllerSkew.p99),
    formatCount(result.startDelay.count),
    formatMs(result.startDelay.p99),
    formatMs(result.maxTimerGapMs),
    formatMegabytes(result.rssAfterStartupBytes),
    formatMegabytes(result.rssAfterFireBytes),
    formatMegabytes(result.peakRssBytes),
  ];
}

/**
 * Returns a lag statistic over every Job of the fire, in ms. A Job that was not created within
 * the window counts as later than every created one, so a statistic that falls on such a Job is
 * Infinity.
 */
function lagStatistic(result: FireLagResult, statistic: LagStatistic): number {
  const missing = result.simultaneous - result.creationLagMs.length;
  return percentileWithMissing(result.creationLagMs, missing, LAG_FRACTIONS[statistic]);
}

function formatLag(result: FireLagResult, statistic: LagStatistic): string {
  const value = lagStatistic(result, statistic);
  return Number.isFinite(value) ? formatMs(value) : `> ${Math.round(result.creationSpanSeconds)} s`;
}

function formatLagValue(value: number): string {
  return Number.isFinite(value) ? formatMs(value) : '> window';
}
