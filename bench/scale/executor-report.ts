// The `--only executor` part: rounds of raw spawn and ProcessExecutor alternate at each
// concurrency, and the report prints the median rates and their ratio.

import { formatCount, formatPercent, formatTable } from '../table.js';
import {
  cronmeshExecutorAttempt,
  EXECUTOR_COMMAND,
  measureAttemptRate,
  runRawSpawn,
} from './executor.js';
import { median } from './stats.js';

export const EXECUTOR_CONCURRENCIES = [2, 4, 8] as const;
const ROUNDS = 5;
const ATTEMPTS_PER_ROUND = 1_000;
const WARMUP_ATTEMPTS = 200;
// Bounds one round even when spawning stalls; at 100 attempts/s a round takes 10 s.
const ROUND_TIME_LIMIT_MS = 30_000;
/** cronmesh should keep at least this share of the raw spawn rate. */
export const EXECUTOR_TARGET_SHARE = 0.8;

export interface ExecutorRow {
  concurrency: number;
  rawPerSecond: readonly number[];
  cronmeshPerSecond: readonly number[];
  /** Median cronmesh rate divided by the median raw rate. */
  share: number;
}

/** Measures every concurrency, prints the table and returns the rows. */
export async function runExecutorPart(): Promise<ExecutorRow[]> {
  console.log(
    `\n## ProcessExecutor against raw spawn (${EXECUTOR_COMMAND}, ${ROUNDS} rounds of ` +
      `${formatCount(ATTEMPTS_PER_ROUND)} attempts)\n`,
  );
  const cronmesh = cronmeshExecutorAttempt();
  const rows: ExecutorRow[] = [];
  for (const concurrency of EXECUTOR_CONCURRENCIES) {
    await measureAttemptRate(runRawSpawn, concurrency, WARMUP_ATTEMPTS, ROUND_TIME_LIMIT_MS);
    await measureAttemptRate(cronmesh, concurrency, WARMUP_ATTEMPTS, ROUND_TIME_LIMIT_MS);
    const raw: number[] = [];
    const ours: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating the two sides spreads drifting machine load over both.
      const first = round % 2 === 0 ? runRawSpawn : cronmesh;
      const second = first === runRawSpawn ? cronmesh : runRawSpawn;
      const a = await measureAttemptRate(
        first,
        concurrency,
        ATTEMPTS_PER_ROUND,
        ROUND_TIME_LIMIT_MS,
      );
      const b = await measureAttemptRate(
        second,
        concurrency,
        ATTEMPTS_PER_ROUND,
        ROUND_TIME_LIMIT_MS,
      );
      raw.push((first === runRawSpawn ? a : b).perSecond);
      ours.push((first === runRawSpawn ? b : a).perSecond);
    }
    rows.push({
      concurrency,
      rawPerSecond: raw,
      cronmeshPerSecond: ours,
      share: median(ours) / median(raw),
    });
  }
  printExecutorRows(rows);
  return rows;
}

function printExecutorRows(rows: readonly ExecutorRow[]): void {
  const table = rows.map((row) => [
    String(row.concurrency),
    formatCount(median(row.rawPerSecond)),
    formatCount(median(row.cronmeshPerSecond)),
    formatPercent(row.share),
    spread(row.rawPerSecond),
    spread(row.cronmeshPerSecond),
  ]);
  console.log(
    formatTable(
      [
        'concurrency',
        'raw spawn/s',
        'ProcessExecutor/s',
        'cronmesh ÷ raw',
        'raw spread',
        'cronmesh spread',
      ],
      table,
    ),
  );
  const worst = Math.min(...rows.map((row) => row.share));
  const met = worst >= EXECUTOR_TARGET_SHARE;
  console.log(
    `Target ≥ ${formatPercent(EXECUTOR_TARGET_SHARE)} of raw at every concurrency: ` +
      `${met ? 'met' : 'NOT met'} (lowest ${formatPercent(worst)}). Spread is (max - min) / median ` +
      'of the rounds.',
  );
}

function spread(values: readonly number[]): string {
  return formatPercent((Math.max(...values) - Math.min(...values)) / median(values));
}
