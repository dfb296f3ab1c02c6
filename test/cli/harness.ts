import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Clock, Timer } from '../../src/util/clock.js';
import { SystemClock } from '../../src/util/clock.js';
import type { TestServer } from '../server/harness.js';
import { startTestServer } from '../server/harness.js';

/** The built CLI entry point, next to this compiled file's tree. */
export const cliMain = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** How long before the test run the objects of a CLI test server are created. */
export const ageMs = 3 * 24 * 3600 * 1000;

/** System time shifted into the past by a fixed offset; timers run in real time. */
class OffsetClock implements Clock {
  private readonly system = new SystemClock();

  constructor(private readonly offsetMs: number) {}

  now(): number {
    return Date.now() - this.offsetMs;
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    return this.system.setTimer(delayMs, callback);
  }
}

/**
 * Starts an API server whose clock runs `ageMs` behind, so every object created through it
 * shows the AGE `3d` while a test runs, and followed logs still poll in real time.
 */
export function startCliServer(): Promise<TestServer> {
  return startTestServer({ clock: new OffsetClock(ageMs) });
}

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs `node main.js ...args` against `server` with TZ=UTC and returns its output. */
export function runCli(
  server: { url: string },
  args: readonly string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const cli = spawnCli(server, args, options.env);
  cli.child.stdin?.end(options.stdin ?? '');
  return cli.exited;
}

/** A running CLI process whose output is recorded from the start. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves once the process exits, with everything it wrote. */
  exited: Promise<CliResult>;
  /** Returns what the process wrote so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves once the recorded stdout (or stderr) contains `text`; rejects after `timeoutMs`. */
  waitForOutput(text: string, stream?: 'stdout' | 'stderr', timeoutMs?: number): Promise<void>;
}

/** Starts the CLI without waiting for it, for commands that run until stopped. */
export function spawnCli(
  server: { url: string },
  args: readonly string[],
  env: Record<string, string> = {},
): CliProcess {
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: { ...process.env, CRONMESH_SERVER: server.url, TZ: 'UTC', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const exited = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...output, code }));
  });

  const waitForOutput = async (
    text: string,
    stream: 'stdout' | 'stderr' = 'stdout',
    timeoutMs = 15_000,
  ): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!output[stream].includes(text)) {
      if (Date.now() > deadline) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${JSON.stringify(text)} on ${stream}; output so far: ${JSON.stringify(output[stream])}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, exited, output: () => ({ ...output }), waitForOutput };
}

/** Returns a local port that nothing listens on, by listening on port 0 and closing again. */
export async function unusedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export { request, cronJobManifest, cronJobsPath, jobsPath, podsPath } from '../server/harness.js';
export type { TestServer } from '../server/harness.js';
