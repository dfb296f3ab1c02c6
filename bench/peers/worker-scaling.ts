// The `--only workers` part: cronmesh on PostgreSQL with 1, 2 and 4 `cronmesh worker`
// processes, each run on a fresh schema: no-op Jobs created through the store per second, and
// attempts succeeded per second. The worker counts alternate within each round, so that a
// change in the machine's load spreads over all of them.

import { formatCount, formatRatio, formatTable } from '../table.js';
import { median } from '../scale/stats.js';
import { NOOP_COMMAND, runCronmeshThroughput } from './cronmesh-throughput.js';
import type { ThroughputResult } from './subject.js';

export const WORKER_COUNTS = [1, 2, 4] as const;
/** `--concurrency` of every worker process. */
export const WORKER_CONCURRENCY = 8;
export const SCALING_JOBS = 2_000;
export const SCALING_ROUNDS = 3;
const TIME_LIMIT_MS = 180_000;

interface ScalingRow {
  workers: number;
  runs: ThroughputResult[];
}

function attemptsPerSecond(run: ThroughputResult): number {
  return run.processed / run.processSeconds;
}

function createdPerSecond(run: ThroughputResult): number {
  return run.enqueued / run.enqueueSeconds;
}

/** Returns the median CPU milliseconds per processed attempt, or '-' where none was measured. */
function cpuMsPerAttempt(runs: readonly ThroughputResult[], side: 'system' | 'postgres'): string {
  const values = runs.flatMap((run) =>
    run.cpuSeconds === undefined ? [] : [(run.cpuSeconds[side] * 1000) / run.processed],
  );
  return values.length === 0 ? '-' : median(values).toFixed(1);
}

/** Runs every worker count SCALING_ROUNDS times and prints the table. Returns whether all ran. */
export async function runWorkerScalingPart(): Promise<boolean> {
  console.log(
    `\n## cronmesh on PostgreSQL with ${WORKER_COUNTS.join(', ')} workers: ` +
      `${formatCount(SCALING_JOBS)} no-op Jobs, ${SCALING_ROUNDS} rounds\n`,
  );
  const rows: ScalingRow[] = WORKER_COUNTS.map((workers) => ({ workers, runs: [] }));
  try {
    for (let round = 1; round <= SCALING_ROUNDS; round++) {
      for (const row of rows) {
        console.error(`workers: ${row.workers} workers, round ${round}/${SCALING_ROUNDS}`);
        const shape = { workers: row.workers, concurrency: WORKER_CONCURRENCY };
        row.runs.push(await runCronmeshThroughput(shape, SCALING_JOBS, TIME_LIMIT_MS));
      }
    }
  } catch (error) {
    console.log(`not run: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }

  const single = median(rows[0]?.runs.map(attemptsPerSecond) ?? []);
  const table = rows.map((row) => {
    const rate = median(row.runs.map(attemptsPerSecond));
    const timedOut = row.runs.filter((run) => run.timedOut).length;
    return [
      String(row.workers),
      String(row.workers * WORKER_CONCURRENCY),
      formatCount(median(row.runs.map(createdPerSecond))),
      formatCount(rate),
      row.runs.map((run) => formatCount(attemptsPerSecond(run))).join(' / '),
      formatRatio(rate / single),
      cpuMsPerAttempt(row.runs, 'system'),
      cpuMsPerAttempt(row.runs, 'postgres'),
      timedOut > 0 ? `${timedOut} runs hit the time limit` : '',
    ];
  });
  const headers = ['workers', 'slots', 'Jobs created/s', 'attempts/s', 'runs', '÷ 1 worker'];
  const cpuHeaders = ['CPU ms/attempt cronmesh', 'CPU ms/attempt PostgreSQL', 'note'];
  console.log(formatTable([...headers, ...cpuHeaders], table));
  console.log(
    `Each run: ${formatCount(SCALING_JOBS)} Jobs running ${NOOP_COMMAND} created through the ` +
      'store by 8 concurrent callers before any cronmesh process starts, then the workers ' +
      `(--concurrency ${WORKER_CONCURRENCY} each) and one \`cronmesh serve\` ` +
      '--worker-concurrency 0; attempts/s runs from starting serve to the last attempt ' +
      'succeeded. CPU ms/attempt is the CPU time over that span of the cronmesh processes, and ' +
      'of the PostgreSQL backends that cronmesh stores opened during the run, per attempt.',
  );
  return rows.every((row) => row.runs.every((run) => !run.timedOut));
}
