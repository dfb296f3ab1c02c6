// Runs a benchmark step in a child Node process, so that its memory (RSS) and its timers are
// its own, and kills it when it overruns its time budget.

import { spawn } from 'node:child_process';

export interface JsonChildOptions {
  /** The child is sent SIGKILL after this many milliseconds. */
  timeoutMs: number;
  /** Called with each line the child writes to stderr, after it was passed on to this stderr. */
  onStderrLine?: (line: string) => void;
}

/**
 * Runs `node script ...args` and returns the JSON value on the last line of its stdout. Its
 * stderr passes through, so a child's progress lines show while it runs. Rejects when the child
 * exits with a non-zero code, prints no JSON, or runs past `timeoutMs`.
 */
export function runJsonChild<T>(
  script: string,
  args: readonly string[],
  options: JsonChildOptions,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    let partialLine = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      process.stderr.write(chunk);
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) options.onStderrLine?.(line);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(new Error(`${script} timed out after ${options.timeoutMs} ms and was killed`));
        return;
      }
      if (code !== 0) {
        reject(new Error(`${script} exited with code ${code ?? signal ?? 'unknown'}`));
        return;
      }
      const lastLine = Buffer.concat(stdout).toString('utf8').trim().split('\n').at(-1) ?? '';
      try {
        resolve(JSON.parse(lastLine) as T);
      } catch {
        reject(new Error(`${script} printed no JSON result: ${JSON.stringify(lastLine)}`));
      }
    });
  });
}
