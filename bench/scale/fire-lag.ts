// The `--only fire-lag` part: for each size of the simultaneous set, several runs of a fresh
// 100,000-CronJob SQLite store, each seeded by one child process and measured by another.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { FireLagResult } from './fire-lag-child.js';
import { PROGRESS_PREFIX } from './fire-lag-recorder.js';
import type { FireLagProgress } from './fire-lag-recorder.js';
import type { SeedResult } from './fire-lag-seed.js';
import { runJsonChild } from './json-child.js';

export const FIRE_LAG_TOTAL = 100_000;
export const FIRE_LAG_SIZES = [1_000, 10_000] as const;
export const FIRE_LAG_RUNS = 3;
/** How long after the fire a run waits for every Job to complete. */
export const FIRE_LAG_WINDOW_MS = 60_000;

const SEED_SCRIPT = fileURLToPath(new URL('./fire-lag-seed.js', import.meta.url));
const RUN_SCRIPT = fileURLToPath(new URL('./fire-lag-child.js', import.meta.url));
const SEED_TIMEOUT_MS = 150_000;
// Startup allowance before the first measurement: about twice what 100,000 CronJobs took on a
// 2-CPU machine. Later runs use 1.5 times the startup they measured.
const FIRST_STARTUP_ALLOWANCE_MS = 15_000;
/** Time the run child gets after the window, for stopping the scheduler and printing. */
const STOP_ALLOWANCE_MS = 60_000;

/** One run: its result, or why it has none and how far it got. */
export type FireLagRun =
  | { seed: SeedResult; result: FireLagResult }
  | { seed: SeedResult | undefined; failure: string; progress: FireLagProgress | undefined };

/** Runs FIRE_LAG_RUNS runs of one size and returns them; the store is deleted after each. */
export async function runFireLagSize(simultaneous: number): Promise<FireLagRun[]> {
  const runs: FireLagRun[] = [];
  let allowanceMs = FIRST_STARTUP_ALLOWANCE_MS;
  for (let index = 0; index < FIRE_LAG_RUNS; index++) {
    console.error(`fire-lag: ${simultaneous} simultaneous, run ${index + 1}/${FIRE_LAG_RUNS}`);
    const run = await runFireLagOnce(simultaneous, { allowanceMs });
    runs.push(run);
    if ('result' in run) {
      allowanceMs = Math.max(FIRST_STARTUP_ALLOWANCE_MS, Math.round(run.result.startupMs * 1.5));
    }
  }
  return runs;
}

export interface FireLagRunOptions {
  /** Time the scheduler gets for its startup before the fire, in ms. */
  allowanceMs?: number;
  /** CronJobs in the store, the simultaneous ones included; FIRE_LAG_TOTAL by default. */
  total?: number;
}

/**
 * Seeds a fresh store and measures one fire of `simultaneous` CronJobs. The store is deleted
 * afterwards. A smaller `total` makes a quicker run for comparing changes.
 */
export async function runFireLagOnce(
  simultaneous: number,
  options: FireLagRunOptions = {},
): Promise<FireLagRun> {
  const { allowanceMs = FIRST_STARTUP_ALLOWANCE_MS, total = FIRE_LAG_TOTAL } = options;
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-fire-lag-'));
  let seed: SeedResult | undefined;
  let progress: FireLagProgress | undefined;
  try {
    seed = await runJsonChild<SeedResult>(
      SEED_SCRIPT,
      [dataDir, String(total), String(simultaneous), String(allowanceMs)],
      { timeoutMs: SEED_TIMEOUT_MS },
    );
    // The child's own timers and its Job watch bound its run. This timeout only catches a child
    // that hangs.
    const timeoutMs =
      Math.max(0, seed.targetAt - Date.now()) + FIRE_LAG_WINDOW_MS + STOP_ALLOWANCE_MS;
    const result = await runJsonChild<FireLagResult>(
      RUN_SCRIPT,
      [dataDir, String(seed.targetAt), String(simultaneous), String(FIRE_LAG_WINDOW_MS)],
      {
        timeoutMs,
        onStderrLine: (line) => {
          if (line.startsWith(PROGRESS_PREFIX)) {
            progress = JSON.parse(line.slice(PROGRESS_PREFIX.length)) as FireLagProgress;
          }
        },
      },
    );
    return { seed, result };
  } catch (error) {
    const failure = error instanceof Error ? error.message : String(error);
    console.error(`fire-lag: run failed: ${failure}`);
    return { seed, failure, progress };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
