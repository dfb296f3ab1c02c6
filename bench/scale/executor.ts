// Attempts per second of cronmesh's ProcessExecutor running `/bin/true`, against a bare
// child_process.spawn loop at the same concurrency. Both sides wait for the same end: the
// process has exited and its stdout and stderr pipes have closed.

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

import { ProcessExecutor } from '../../src/runtime/process.js';
import type { AttemptHooks, AttemptSpec } from '../../src/runtime/types.js';
import { SystemClock } from '../../src/util/clock.js';

export const EXECUTOR_COMMAND = '/bin/true';

/** One timed batch of attempts. */
export interface AttemptRate {
  attempts: number;
  seconds: number;
  perSecond: number;
}

/** Runs one attempt to its end; rejects when the attempt did not succeed. */
export type RunAttempt = () => Promise<void>;

/** Spawns the command with Node's defaults and resolves once it exited and its pipes closed. */
export const runRawSpawn: RunAttempt = () =>
  new Promise((resolve, reject) => {
    const child = spawn(EXECUTOR_COMMAND);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${EXECUTOR_COMMAND} exited with code ${String(code)}`));
    });
  });

/**
 * Returns a RunAttempt that goes through ProcessExecutor.run. The spec is the one the worker
 * builds for a one-container pod without env (restartPolicy Never, 4 MiB log cap). The hooks read
 * the clock and drop the output, which is what the worker's hooks do apart from the store writes.
 */
export function cronmeshExecutorAttempt(): RunAttempt {
  const clock = new SystemClock();
  const executor = new ProcessExecutor({ clock });
  const spec: AttemptSpec = {
    initContainers: [],
    containers: [{ name: 'main', command: [EXECUTOR_COMMAND], args: [], env: {} }],
    restartPolicy: 'Never',
    logCapBytes: 4 * 1024 * 1024,
  };
  const hooks: AttemptHooks = {
    now: () => clock.now(),
    onOutput: () => undefined,
    onContainerStart: () => undefined,
    onContainerExit: () => undefined,
  };
  return async () => {
    const result = await executor.run(spec, hooks);
    if (result.phase !== 'Succeeded') {
      throw new Error(`attempt of ${EXECUTOR_COMMAND} failed: ${result.message ?? result.reason}`);
    }
  };
}

/**
 * Runs `attempts` attempts in `concurrency` parallel lanes, each starting its next attempt when
 * the previous one ended. Lanes stop starting attempts after `timeLimitMs`, so the count can
 * fall short on a slow machine, and the rate then covers the attempts that ran.
 */
export async function measureAttemptRate(
  runAttempt: RunAttempt,
  concurrency: number,
  attempts: number,
  timeLimitMs: number,
): Promise<AttemptRate> {
  let started = 0;
  let finished = 0;
  const begin = performance.now();
  const lane = async (): Promise<void> => {
    while (started < attempts && performance.now() - begin < timeLimitMs) {
      started++;
      await runAttempt();
      finished++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - begin) / 1000;
  return { attempts: finished, seconds, perSecond: finished / seconds };
}
