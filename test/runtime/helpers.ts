import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/util/clock.js';
import type {
  AttemptHooks,
  AttemptSpec,
  ContainerResult,
  OutputStream,
  ResolvedContainer,
} from '../../src/runtime/index.js';

export const START = Date.parse('2024-01-01T00:00:00Z');

/** One hook call, in the order the executor made it. */
export type HookEvent =
  | { kind: 'output'; container: string; stream: OutputStream; chunk: string }
  | { kind: 'start'; container: string; startedAt: number }
  | { kind: 'exit'; container: string; result: ContainerResult }
  | { kind: 'restart'; container: string; restartCount: number };

/** Hooks that record every call, with helpers to read the recording. */
export class HookRecorder {
  readonly events: HookEvent[] = [];
  readonly hooks: AttemptHooks;

  constructor(clock: Clock) {
    this.hooks = {
      onOutput: (container, stream, chunk) =>
        this.events.push({ kind: 'output', container, stream, chunk }),
      onContainerStart: (container, startedAt) =>
        this.events.push({ kind: 'start', container, startedAt }),
      onContainerExit: (container, result) => this.events.push({ kind: 'exit', container, result }),
      onContainerRestart: (container, restartCount) =>
        this.events.push({ kind: 'restart', container, restartCount }),
      now: () => clock.now(),
    };
  }

  /** Returns everything one container wrote to one stream. */
  text(container: string, stream: OutputStream): string {
    let text = '';
    for (const event of this.events) {
      if (event.kind === 'output' && event.container === container && event.stream === stream) {
        text += event.chunk;
      }
    }
    return text;
  }

  count(kind: HookEvent['kind'], container?: string): number {
    return this.events.filter(
      (event) => event.kind === kind && (container === undefined || event.container === container),
    ).length;
  }

  exitCodes(container: string): number[] {
    const codes: number[] = [];
    for (const event of this.events) {
      if (event.kind === 'exit' && event.container === container) codes.push(event.result.exitCode);
    }
    return codes;
  }

  restartCounts(container: string): number[] {
    const counts: number[] = [];
    for (const event of this.events) {
      if (event.kind === 'restart' && event.container === container) {
        counts.push(event.restartCount);
      }
    }
    return counts;
  }
}

/** Builds a container that runs `script` with /bin/sh -c. */
export function shellContainer(
  name: string,
  script: string,
  extra: Partial<ResolvedContainer> = {},
): ResolvedContainer {
  return { name, command: ['/bin/sh', '-c', script], args: [], env: {}, ...extra };
}

export function attemptSpec(partial: Partial<AttemptSpec>): AttemptSpec {
  return {
    initContainers: [],
    containers: [],
    restartPolicy: 'Never',
    logCapBytes: 1024 * 1024,
    ...partial,
  };
}

/**
 * Polls `condition` every 10 ms until it holds, and fails after `timeoutMs` of real time.
 * Used only to wait for real child processes, never for scheduling logic.
 */
export async function waitFor(
  condition: () => boolean,
  description: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Creates a temporary directory (symlinks resolved) and returns it with its cleanup. */
export function makeTempDir(): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cronmesh-runtime-')));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Returns whether `pid` is a live process. A zombie (state Z in /proc) counts as gone:
 * it has exited and only waits for its new parent to reap it.
 */
export function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the command name, which is wrapped in parentheses.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Options for tests that run real processes. A broken stop or group kill shows up as a
 * hang, so each test fails after 20 s instead of waiting for the runner's global timeout.
 */
export const PROCESS_TEST = { timeout: 20_000 };
