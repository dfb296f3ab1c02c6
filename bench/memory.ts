// Heap bytes per compiled schedule, measured in a child process per library (see
// memory-child.ts), so that one library's garbage and caches do not show up in another's numbers.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { MemorySample } from './memory-child.js';

export type { MemorySample } from './memory-child.js';

const CHILD_PATH = fileURLToPath(new URL('./memory-child.js', import.meta.url));
const CHILD_TIMEOUT_MS = 120_000;

/**
 * Compiles `count` schedules of `library` in a child process with `--expose-gc` and returns what
 * it measured. Kills the child and rejects after two minutes.
 */
export function measureMemory(library: string, count: number): Promise<MemorySample> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD_PATH, library, String(count)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          new Error(`memory measurement of ${library} timed out after ${CHILD_TIMEOUT_MS} ms`),
        );
        return;
      }
      if (code !== 0) {
        const text = Buffer.concat(stderr).toString('utf8');
        reject(new Error(`memory measurement of ${library} exited with code ${code}: ${text}`));
        return;
      }
      const lines = Buffer.concat(stdout).toString('utf8').trim().split('\n');
      resolve(JSON.parse(lines.at(-1) ?? '') as MemorySample);
    });
  });
}
