// The `--only peers` part: every SchedulerSubject runs the throughput scenario and the lateness
// scenario RUNS times in this process, one after the other, and the report prints the medians
// and the ratios of cronmesh to each peer.

import { formatCount, formatTable } from '../table.js';
import { formatMs, median } from '../scale/stats.js';
import { bullmq } from './bullmq.js';
import { cronmesh } from './cronmesh.js';
import { graphileWorker, graphileWorkerLocalQueue } from './graphile-worker.js';
import { pgBoss, pgBossLargeBatch } from './pg-boss.js';
import {
  claimedSamples,
  createdSamples,
  formatWideRatio,
  latenessPercentile,
  printRatios,
} from './ratios.js';
import type { LatenessSamples, Outcome } from './ratios.js';
import type { LatenessResult, SchedulerSubject, ThroughputResult } from './subject.js';

/** The systems measured, in print order, cronmesh first. */
export const PEER_SUBJECTS: readonly SchedulerSubject[] = [
  cronmesh,
  bullmq,
  pgBoss,
  pgBossLargeBatch,
  graphileWorker,
  graphileWorkerLocalQueue,
];

/**
 * Returns the subjects whose `system` is one of `systems`, in print order. Throws a RangeError
 * that lists the known systems when a name matches none.
 */
export function selectPeerSubjects(systems: readonly string[]): readonly SchedulerSubject[] {
  const known = [...new Set(PEER_SUBJECTS.map((subject) => subject.system))];
  const unknown = systems.filter((system) => !known.includes(system));
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown peer ${unknown.map((system) => JSON.stringify(system)).join(', ')}: ` +
        `expected a comma-separated list of ${known.join(', ')}`,
    );
  }
  return PEER_SUBJECTS.filter((subject) => systems.includes(subject.system));
}

export const PEER_RUNS = 3;
export const THROUGHPUT_JOBS = 20_000;
const THROUGHPUT_TIME_LIMIT_MS = 60_000;
export const LATENESS_SCHEDULES = 1_000;
// By default pg-boss sends due cron jobs in batches of 50 every 5 s. So 1,000 schedules take
// about 100 s after the fire to reach their queues, and the limit leaves room for that.
const LATENESS_TIME_LIMIT_MS = 150_000;

async function repeat<T>(label: string, run: () => Promise<T>): Promise<Outcome<T>> {
  const runs: T[] = [];
  try {
    for (let index = 0; index < PEER_RUNS; index++) {
      console.error(`peers: ${label}, run ${index + 1}/${PEER_RUNS}`);
      runs.push(await run());
    }
    return { runs };
  } catch (error) {
    // The first sentence is enough for the table, and library messages can run on for lines.
    const message = error instanceof Error ? error.message : String(error);
    return { error: message.split('. ')[0] ?? message };
  }
}

/** Runs every subject and prints both tables. Returns whether every scenario ran. */
export async function runPeersPart(subjects = PEER_SUBJECTS): Promise<boolean> {
  console.log(
    `\n## Queue peers: ${formatCount(THROUGHPUT_JOBS)} no-op jobs and ` +
      `${formatCount(LATENESS_SCHEDULES)} simultaneous schedules, ${PEER_RUNS} runs each`,
  );
  const throughput: Array<[SchedulerSubject, Outcome<ThroughputResult>]> = [];
  const lateness: Array<[SchedulerSubject, Outcome<LatenessResult>]> = [];
  for (const subject of subjects) {
    const scenario = subject.throughput;
    if (scenario === undefined) continue;
    const outcome = await repeat(`${subject.label} throughput`, () =>
      scenario.run(THROUGHPUT_JOBS, scenario.timeLimitMs ?? THROUGHPUT_TIME_LIMIT_MS),
    );
    throughput.push([subject, outcome]);
  }
  for (const subject of subjects) {
    const scenario = subject.lateness;
    if (scenario === undefined) continue;
    const outcome = await repeat(`${subject.label} lateness`, () =>
      scenario.run(LATENESS_SCHEDULES, LATENESS_TIME_LIMIT_MS),
    );
    lateness.push([subject, outcome]);
  }
  printThroughput(throughput);
  printLateness(lateness);
  printRatios(throughput, lateness);
  return [...throughput, ...lateness].every(([, outcome]) => 'runs' in outcome);
}

function jobsPerSecond(result: ThroughputResult): number {
  return result.processed / result.processSeconds;
}

function printThroughput(rows: Array<[SchedulerSubject, Outcome<ThroughputResult>]>): void {
  console.log(`\n### No-op job throughput (handler invocations per second)\n`);
  const medians = rows.map(([, outcome]) =>
    'runs' in outcome ? median(outcome.runs.map(jobsPerSecond)) : Number.NaN,
  );
  const best = Math.max(...medians.filter(Number.isFinite));
  const table = rows.map(([subject, outcome], index) => {
    const settings = subject.throughput?.settings ?? '';
    if ('error' in outcome) return [subject.label, '-', '-', '-', '-', `not run: ${outcome.error}`];
    const rate = medians[index] ?? Number.NaN;
    const timedOut = outcome.runs.filter((run) => run.timedOut).length;
    return [
      subject.label,
      formatCount(median(outcome.runs.map((run) => run.enqueued / run.enqueueSeconds))),
      formatCount(rate),
      outcome.runs.map((run) => formatCount(jobsPerSecond(run))).join(' / '),
      formatWideRatio(rate / best),
      settings + (timedOut > 0 ? `; ${timedOut} runs hit the time limit` : ''),
    ];
  });
  console.log(formatTable(['system', 'enqueue/s', 'jobs/s', 'runs', '÷ best', 'settings'], table));
  for (const [subject, outcome] of rows) {
    if ('error' in outcome) continue;
    const measured = outcome.runs.flatMap((run) =>
      run.cpuSeconds === undefined ? [] : [{ run, cpu: run.cpuSeconds }],
    );
    if (measured.length === 0) continue;
    const perJob = (side: 'system' | 'postgres'): string =>
      median(measured.map(({ run, cpu }) => (cpu[side] * 1000) / run.processed)).toFixed(1);
    console.log(
      `${subject.label}: CPU ms per job ${perJob('system')} in its own processes and ` +
        `${perJob('postgres')} in PostgreSQL backends (medians of the runs)`,
    );
  }
}

function printLateness(rows: Array<[SchedulerSubject, Outcome<LatenessResult>]>): void {
  console.log(
    `\n### ${formatCount(LATENESS_SCHEDULES)} schedules firing at the same instant ` +
      '(handler start minus scheduled instant; for cronmesh, Job creation and attempt claim)\n',
  );
  const table: string[][] = [];
  for (const [subject, outcome] of rows) {
    const settings = subject.lateness?.settings ?? '';
    if ('error' in outcome) {
      table.push([subject.label, '-', '-', '-', '-', '-', `not run: ${outcome.error}`]);
      continue;
    }
    table.push(latenessRow(subject.label, outcome.runs.map(createdSamples), settings));
    if (outcome.runs.every((run) => run.claimLateMs !== undefined)) {
      const label = `${subject.label}, attempt claimed`;
      table.push(latenessRow(label, outcome.runs.map(claimedSamples), 'same runs'));
    }
  }
  console.log(formatTable(['system', 'fires', 'p50', 'p99', 'max', 'missing', 'settings'], table));
}

function latenessRow(label: string, runs: readonly LatenessSamples[], settings: string): string[] {
  const statistic = (fraction: number): string => {
    const value = latenessPercentile(runs, fraction);
    return Number.isFinite(value) ? formatMs(value) : '> limit';
  };
  return [
    label,
    formatCount(median(runs.map((run) => run.lateMs.length + run.missing))),
    statistic(0.5),
    statistic(0.99),
    statistic(1),
    formatCount(median(runs.map((run) => run.missing))),
    settings,
  ];
}
