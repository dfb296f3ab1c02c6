// The ratios of cronmesh to each peer measured in the same run, against the targets that the
// peers part checks: at least 2× BullMQ's and 10× pg-boss's throughput, and a lower p99
// lateness than every peer.

import { median, percentileWithMissing } from '../scale/stats.js';
import { formatMs } from '../scale/stats.js';
import { formatRatio, formatTable } from '../table.js';
import type { LatenessResult, SchedulerSubject, ThroughputResult } from './subject.js';

/** The runs of one scenario, or the first sentence of the error that stopped it. */
export type Outcome<T> = { runs: T[] } | { error: string };

/** Lateness samples of one run, with the fires that never came within the time limit. */
export interface LatenessSamples {
  lateMs: readonly number[];
  missing: number;
}

/** Minimum throughput of cronmesh over each peer system's best row, by `system`. */
const THROUGHPUT_TARGETS: Readonly<Record<string, number>> = { bullmq: 2, 'pg-boss': 10 };
const CRONMESH = 'cronmesh';

export function createdSamples(run: LatenessResult): LatenessSamples {
  return { lateMs: run.lateMs, missing: run.missing };
}

export function claimedSamples(run: LatenessResult): LatenessSamples {
  return { lateMs: run.claimLateMs ?? [], missing: run.claimMissing ?? 0 };
}

/**
 * Formats a ratio as formatRatio does, and one below 0.1 with two significant digits and its
 * inverse, such as `0.0033× (1/305)`, because `0.00×` would hide how far apart two rates are.
 */
export function formatWideRatio(value: number): string {
  if (!Number.isFinite(value) || value <= 0) return '-';
  if (value >= 0.1) return formatRatio(value);
  return `${value.toPrecision(2)}× (1/${Math.round(1 / value)})`;
}

/** Returns the median over runs of the `fraction` percentile, counting missing fires as late. */
export function latenessPercentile(runs: readonly LatenessSamples[], fraction: number): number {
  return median(runs.map((run) => percentileWithMissing(run.lateMs, run.missing, fraction)));
}

function throughputOf(outcome: Outcome<ThroughputResult>): number {
  if ('error' in outcome) return Number.NaN;
  return median(outcome.runs.map((run) => run.processed / run.processSeconds));
}

function p99Of(outcome: Outcome<LatenessResult>, pick = createdSamples): number {
  if ('error' in outcome) return Number.NaN;
  return latenessPercentile(outcome.runs.map(pick), 0.99);
}

/**
 * Prints cronmesh ÷ peer for the throughput of every peer row, and cronmesh's p99 lateness
 * beside every peer's. Prints nothing when cronmesh did not run.
 */
export function printRatios(
  throughput: ReadonlyArray<[SchedulerSubject, Outcome<ThroughputResult>]>,
  lateness: ReadonlyArray<[SchedulerSubject, Outcome<LatenessResult>]>,
): void {
  const ownThroughput = throughput.find(([subject]) => subject.system === CRONMESH);
  const ownLateness = lateness.find(([subject]) => subject.system === CRONMESH);
  if (ownThroughput === undefined && ownLateness === undefined) return;

  console.log('\n### cronmesh against each peer, same run\n');
  const rate = ownThroughput === undefined ? Number.NaN : throughputOf(ownThroughput[1]);
  const throughputRows = throughput
    .filter(([subject]) => subject.system !== CRONMESH)
    .map(([subject, outcome]) => {
      const ratio = rate / throughputOf(outcome);
      const target = THROUGHPUT_TARGETS[subject.system];
      let verdict = '-';
      if (target !== undefined && Number.isFinite(ratio))
        verdict = ratio >= target ? 'met' : 'missed';
      return [
        subject.label,
        formatWideRatio(ratio),
        target === undefined ? '-' : `≥ ${target}×`,
        verdict,
      ];
    });
  console.log(formatTable(['peer', 'cronmesh ÷ peer jobs/s', 'target', 'verdict'], throughputRows));

  if (ownLateness === undefined) return;
  const created = p99Of(ownLateness[1]);
  const claimed = p99Of(ownLateness[1], claimedSamples);
  const latenessRows = lateness
    .filter(([subject]) => subject.system !== CRONMESH)
    .map(([subject, outcome]) => {
      const peer = p99Of(outcome);
      let verdict = '-';
      if (Number.isFinite(peer)) verdict = created < peer ? 'met' : 'missed';
      return [subject.label, formatMs(peer), formatMs(created), formatMs(claimed), verdict];
    });
  console.log('');
  console.log(
    formatTable(
      ['peer', 'peer p99', 'cronmesh p99 Job created', 'cronmesh p99 attempt claimed', 'lower p99'],
      latenessRows,
    ),
  );
}
