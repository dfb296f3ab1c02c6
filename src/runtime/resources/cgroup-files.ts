/** File operations shared by the cgroup v1 and v2 groups. */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ProcessExit } from '../confinement.js';

/** Attempts to empty and remove a group before release gives up on it. */
const REMOVE_ATTEMPTS = 50;
/** Pause between those attempts, for killed processes to exit. */
const REMOVE_RETRY_MS = 20;

/** Per-run group of one container run, in one or two hierarchies. */
export interface RunCgroup {
  /** The `cgroup.procs` files the container process joins before it execs the command. */
  readonly procsFiles: readonly string[];
  /** Returns whether the kernel's OOM killer killed a process in the group during the run. */
  oomKilled(exit: ProcessExit): Promise<boolean>;
  /** Kills every process left in the group and waits, about a second at most, until none is. */
  killAll(): Promise<void>;
  /** Kills every process left in the group and removes its directories. Returns problems. */
  remove(): Promise<string[]>;
}

/** A control file write that the kernel rejected, with its errno code such as `EBUSY`. */
export class ControlWriteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ControlWriteError';
  }
}

/** Writes one control file, naming the file and value when the kernel rejects it. */
export async function writeControl(dir: string, file: string, value: string): Promise<void> {
  try {
    await writeFile(join(dir, file), value);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const path = join(dir, file);
    throw new ControlWriteError(
      `writing ${JSON.stringify(value)} to ${path} failed: ${code}`,
      code,
      {
        cause: error,
      },
    );
  }
}

/** Returns whether `dir` has the control file `file`, so optional knobs can be skipped. */
export function hasControl(dir: string, file: string): boolean {
  return existsSync(join(dir, file));
}

/** Creates the directory of a group; an existing one is an error, since run ids are unique. */
export async function createGroupDir(dir: string): Promise<void> {
  await mkdir(dir);
}

/** Returns the value of `key` in a flat-keyed control file such as `memory.events`. */
export async function readKeyedValue(file: string, key: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [name, value] = line.trim().split(/\s+/);
    if (name === key && value !== undefined) return Number(value);
  }
  return undefined;
}

/** Returns the number in a single-value control file such as `memory.failcnt`. */
export async function readNumber(file: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(file, 'utf8')).trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Returns the pids listed in the group's `cgroup.procs`, or none when it cannot be read. */
export async function readPids(dir: string): Promise<number[]> {
  try {
    const text = await readFile(join(dir, 'cgroup.procs'), 'utf8');
    return text
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * Sends SIGKILL to every process in the group, including descendants that left the container's
 * process group. `killAll` writes `cgroup.kill` where cgroup v2 has it, which kills without a
 * pid race. Returns how many processes the group listed.
 */
async function signalMembers(dir: string, killAll?: () => Promise<void>): Promise<number> {
  if (killAll !== undefined) await killAll().catch(() => undefined);
  const pids = await readPids(dir);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // ESRCH: the process exited between the read and the kill.
    }
  }
  return pids.length;
}

/** Kills every process in the group until it lists none, for about a second at most. */
export async function killMembers(dir: string, killAll?: () => Promise<void>): Promise<void> {
  for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
    if ((await signalMembers(dir, killAll)) === 0) return;
    await delay(REMOVE_RETRY_MS);
  }
}

/**
 * Kills every process in the group, then removes the directory. The kernel refuses to remove a
 * group until its processes have exited, so this retries for about a second. Returns what went
 * wrong, if anything.
 */
export async function emptyAndRemove(
  dir: string,
  killAll?: () => Promise<void>,
): Promise<string[]> {
  let lastProblem = '';
  for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
    await signalMembers(dir, killAll);
    try {
      await rmdir(dir);
      return [];
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return [];
      lastProblem = `removing cgroup ${dir} failed: ${code ?? String(error)}`;
      // A directory on an ordinary filesystem keeps its files, so retrying cannot help.
      if (code === 'ENOTEMPTY') return [lastProblem];
    }
    await delay(REMOVE_RETRY_MS);
  }
  return [lastProblem];
}
