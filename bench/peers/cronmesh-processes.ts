// `cronmesh serve` and `cronmesh worker` child processes on one PostgreSQL schema, started from
// the built CLI as a user would start them, each with its probe or API server on a port that
// the operating system picks on 127.0.0.1. With CRONMESH_BENCH_PROFILE_DIR set, each child
// writes a V8 CPU profile (`node --cpu-prof`) to that directory when it exits.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { profileDirectory } from '../scale/cpu-profile.js';
import { sleep } from './local-services.js';

/** The built CLI entry point, dist/src/cli/main.js beside dist/bench/. */
const CLI_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
/** Output kept per child for error messages; older output is dropped. */
const OUTPUT_TAIL_CHARS = 8_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 50;
/**
 * The Secret encryption key of every child of this bench process. With a PostgreSQL store,
 * `serve` and `worker` refuse to start without one, and they must share it.
 */
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** One running `cronmesh` child process. */
export interface CronmeshProcess {
  readonly child: ChildProcess;
  /** The base URL of its API (serve) or probe server (worker). */
  readonly url: string;
  /** The last OUTPUT_TAIL_CHARS characters of its stdout and stderr. */
  output(): string;
  readonly exited: Promise<number | null>;
}

/**
 * Starts `cronmesh serve --store URL --worker-concurrency 0`, so that it runs the API and the
 * controllers and leaves every attempt to the worker processes. Resolves once `/readyz` passes,
 * which needs the controllers to have started.
 */
export function startServe(storeUrl: string, dataDir: string): Promise<CronmeshProcess> {
  return startCronmesh(
    ['serve', '--store', storeUrl, '--data-dir', dataDir, '--worker-concurrency', '0'],
    'cronmesh API listening',
  );
}

/** Starts `cronmesh worker --store URL --concurrency N` and resolves once `/readyz` passes. */
export function startWorker(storeUrl: string, concurrency: number): Promise<CronmeshProcess> {
  return startCronmesh(
    ['worker', '--store', storeUrl, '--concurrency', String(concurrency)],
    'worker probes listening',
  );
}

/**
 * Sends SIGTERM to `process` by its PID unless it has exited, and SIGKILL when it has not exited
 * STOP_TIMEOUT_MS later. Resolves with its exit code, or null when a signal ended it.
 */
export async function stopCronmesh(cronmesh: CronmeshProcess): Promise<number | null> {
  const { child } = cronmesh;
  if (child.exitCode !== null || child.signalCode !== null) return cronmesh.exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  try {
    return await cronmesh.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Stops every process in reverse start order; a failure to stop one does not skip the others. */
export async function stopAll(processes: readonly CronmeshProcess[]): Promise<void> {
  for (const cronmesh of [...processes].reverse()) await stopCronmesh(cronmesh);
}

async function startCronmesh(args: string[], listeningMessage: string): Promise<CronmeshProcess> {
  const profileDir = profileDirectory();
  const nodeArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const child = spawn(
    process.execPath,
    [...nodeArgs, CLI_MAIN, ...args, '--listen', '127.0.0.1:0'],
    {
      env: { ...process.env, TZ: 'UTC', CRONMESH_ENCRYPTION_KEY: ENCRYPTION_KEY },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  let url: string | undefined;
  const onData = (data: Buffer): void => {
    tail = (tail + data.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    url ??= listeningUrl(tail, listeningMessage);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const started: CronmeshProcess = {
    child,
    get url() {
      return url ?? '';
    },
    output: () => tail,
    exited,
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`cronmesh ${args[0]} exited before it was ready: ${tail}`);
    }
    if (url !== undefined && (await isReady(url))) return started;
    if (Date.now() >= deadline) {
      await stopCronmesh(started);
      throw new Error(`cronmesh ${args[0]} was not ready within ${READY_TIMEOUT_MS} ms: ${tail}`);
    }
    await sleep(READY_POLL_MS);
  }
}

async function isReady(url: string): Promise<boolean> {
  const response = await fetch(`${url}/readyz`).catch(() => undefined);
  return response?.status === 200;
}

/** Returns the `url` field of the JSON log line with message `message`, if `output` has one. */
function listeningUrl(output: string, message: string): string | undefined {
  for (const line of output.split('\n')) {
    if (!line.startsWith('{') || !line.includes(message)) continue;
    try {
      const record = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (record.msg === message && typeof record.url === 'string') return record.url;
    } catch {
      // A line still being written; the next chunk completes it.
    }
  }
  return undefined;
}
