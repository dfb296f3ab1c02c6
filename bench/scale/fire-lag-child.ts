// Runs the scheduler on a seeded fire-lag store and measures one simultaneous fire:
// `node dist/bench/scale/fire-lag-child.js DATA_DIR TARGET_AT SIMULTANEOUS WINDOW_MS`. It starts
// the real controllers and worker (startScheduler with SystemClock and ProcessExecutor), waits
// until every Job of the fire has completed or WINDOW_MS after the fire has passed, and prints
// one JSON line (a FireLagResult). It runs in its own process, so that the RSS it reports is the
// scheduler's alone. With CRONMESH_BENCH_PROFILE_DIR set, it also writes a CPU profile of its
// startup and one of the fire to that directory.

import { writeSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { openStore } from '../../src/store/open.js';
import { SystemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { startScheduler } from '../../src/worker/host.js';
import { parsePositiveInteger } from './args.js';
import { profileDirectory, startCpuProfile } from './cpu-profile.js';
import type { RunningProfile } from './cpu-profile.js';
import { FireLagMetrics } from './fire-lag-metrics.js';
import { FIRE_LAG_WORKER_CONCURRENCY } from './fire-lag-plan.js';
import { FireLagRecorder } from './fire-lag-recorder.js';
import { summarizeLatency } from './stats.js';
import type { LatencySummary } from './stats.js';

const POLL_MS = 250;
/** Pause after the last Job completed, before the steady-state RSS is read. */
const SETTLE_MS = 5_000;

/** Reason a run ended. */
export type FireLagEnd =
  /** Every Job of the fire completed. */
  | 'completed'
  /** The window passed with Jobs left to create or complete. */
  | 'window'
  /**
   * The window passed while the event loop ran no timers, so the Job watch wrote the result and
   * ended the process without stopping the scheduler.
   */
  | 'window-in-watch';

export interface FireLagResult {
  simultaneous: number;
  /** Opening the store until the controllers were idle after their first reconciles, in ms. */
  startupMs: number;
  /** startScheduler's own duration, in ms. */
  startSchedulerMs: number;
  /** Time left between the end of the startup and the fire, in ms. */
  leadMs: number;
  /** Job ADDED watch delivery minus the scheduled instant, per Job created in the window, in ms. */
  creationLagMs: number[];
  /** The controller's reported skew (reconcile start minus scheduled instant). */
  controllerSkew: LatencySummary;
  /** First process start of each Job minus the scheduled instant. */
  startDelay: LatencySummary;
  created: number;
  completed: number;
  /** Seconds from the fire until the last Job was created. */
  creationSpanSeconds: number;
  end: FireLagEnd;
  /** Maximum time without a timer callback, in ms, from a second before the fire to the end. */
  maxTimerGapMs: number;
  maxCronJobQueueDepth: number;
  rssAfterStartupBytes: number;
  /** RSS after the fire: after the last completion and a settle pause, or at the window's end. */
  rssAfterFireBytes: number;
  /** Peak RSS of the process (getrusage maxrss). */
  peakRssBytes: number;
}

async function main(): Promise<void> {
  const [dataDir = '', targetText = '', simultaneousText = '', windowText = ''] =
    process.argv.slice(2);
  const targetAt = parsePositiveInteger('TARGET_AT', targetText);
  const simultaneous = parsePositiveInteger('SIMULTANEOUS', simultaneousText);
  const windowMs = parsePositiveInteger('WINDOW_MS', windowText);
  const deadline = targetAt + windowMs;
  const clock = new SystemClock();

  const profileDir = profileDirectory();
  const profileName = `fire-lag-${simultaneous}-${process.pid}`;
  const startupProfile =
    profileDir === undefined
      ? undefined
      : await startCpuProfile(profileDir, `${profileName}-startup`);
  const begin = performance.now();
  const store = await openStore({ dataDir, clock });
  const recorder = new FireLagRecorder(clock, targetAt);
  const metrics = new FireLagMetrics();
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  let lastTimerAt = clock.now();
  let maxTimerGapMs = 0;
  let rssAfterStartupBytes = 0;
  let startupMs = 0;
  let startSchedulerMs = 0;
  let leadMs = 0;

  // `stalledMs` is how long the event loop has been running without a timer when the result is
  // built from inside the watch.
  const buildResult = (end: FireLagEnd, stalledMs = 0): FireLagResult => {
    maxTimerGapMs = Math.max(maxTimerGapMs, stalledMs, loopDelay.max / 1e6);
    return {
      simultaneous,
      startupMs,
      startSchedulerMs,
      leadMs,
      creationLagMs: recorder.creationLagMs,
      controllerSkew: summarizeLatency(metrics.creationSkewMs),
      startDelay: summarizeLatency(metrics.startDelayMs),
      created: recorder.created,
      completed: recorder.completed,
      creationSpanSeconds: recorder.creationSpanSeconds,
      end,
      maxTimerGapMs,
      maxCronJobQueueDepth: metrics.maxCronJobQueueDepth,
      rssAfterStartupBytes,
      rssAfterFireBytes: process.memoryUsage().rss,
      // getrusage reports maxrss in kilobytes on Linux.
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
    };
  };

  store.watch('Job', (event) => {
    recorder.observe(event);
    // The controllers can keep the event loop in promise callbacks for minutes, so no timer of
    // this process runs. Store writes go on meanwhile, and this check ends the run on time.
    if (clock.now() < deadline) return;
    recorder.writeProgress();
    const result = buildResult('window-in-watch', clock.now() - lastTimerAt);
    writeSync(1, `${JSON.stringify(result)}\n`);
    process.exit(0);
  });

  const schedulerStart = performance.now();
  const scheduler = await startScheduler({
    store,
    clock,
    logger: silentLogger,
    metrics,
    workerConcurrency: FIRE_LAG_WORKER_CONCURRENCY,
  });
  startSchedulerMs = performance.now() - schedulerStart;
  await scheduler.controllersIdle();
  startupMs = performance.now() - begin;
  leadMs = targetAt - clock.now();
  rssAfterStartupBytes = process.memoryUsage().rss;
  await startupProfile?.stop();
  console.error(
    `fire-lag: startup ${Math.round(startupMs)} ms, ${Math.round(leadMs / 1000)} s until the fire`,
  );

  // The fire profile starts a second before the fire, so it covers the fire and no idle wait.
  await sleep(Math.max(0, targetAt - 1_000 - clock.now()));
  const fireProfile: RunningProfile | undefined =
    profileDir === undefined ? undefined : await startCpuProfile(profileDir, `${profileName}-fire`);
  loopDelay.enable();
  lastTimerAt = clock.now();
  while (recorder.completed < simultaneous && clock.now() < deadline) {
    await sleep(POLL_MS);
    const now = clock.now();
    maxTimerGapMs = Math.max(maxTimerGapMs, now - lastTimerAt - POLL_MS);
    lastTimerAt = now;
  }
  const end: FireLagEnd = recorder.completed < simultaneous ? 'window' : 'completed';
  await fireProfile?.stop();
  if (end === 'completed') await sleep(SETTLE_MS);
  loopDelay.disable();
  const result = buildResult(end);

  await scheduler.stop();
  await store.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
