// Client of the robfig/cron v3.0.1 reference program: a Go binary that evaluates schedules with
// the library Kubernetes uses. It reads one JSON request per line on stdin and writes one JSON
// response per line on stdout, in the same order.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Path of the reference program: `ROBFIG_ORACLE`, or `/tmp/robfig-oracle` when unset. */
export const ORACLE_PATH = process.env['ROBFIG_ORACLE'] ?? '/tmp/robfig-oracle';

/** Request for the next `n` fire times of `expr` in `tz` after `from`. */
export interface OracleRequest {
  expr: string;
  tz: string;
  /** RFC 3339 instant. */
  from: string;
  n: number;
}

/** Response: `next` contains RFC 3339 times with the zone's offset, `error` robfig's parse error. */
export interface OracleResponse {
  expr: string;
  next?: string[];
  error?: string;
}

/** robfig returns Go's zero time when a schedule does not fire within its 5-year horizon. */
export const ORACLE_NO_TIME = '0001-01-01T00:00:00Z';

/**
 * Sends `requests` to one run of the reference program and returns its responses in request
 * order. Kills the program and rejects when it runs longer than `timeoutMs`, exits with an
 * error, or returns a different number of lines.
 */
export function queryOracle(
  requests: readonly OracleRequest[],
  timeoutMs: number,
): Promise<OracleResponse[]> {
  if (!existsSync(ORACLE_PATH)) {
    return Promise.reject(
      new Error(
        `robfig reference program not found at ${ORACLE_PATH}: build it from robfig/cron v3.0.1 ` +
          'and set ROBFIG_ORACLE to its path',
      ),
    );
  }

  return new Promise((resolve, reject) => {
    const child = spawn(ORACLE_PATH, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);

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
          new Error(`robfig reference program timed out after ${timeoutMs} ms and was killed`),
        );
        return;
      }
      if (code !== 0) {
        const text = Buffer.concat(stderr).toString('utf8');
        reject(new Error(`robfig reference program exited with code ${code}: ${text}`));
        return;
      }
      const lines = Buffer.concat(stdout).toString('utf8').split('\n').filter(Boolean);
      if (lines.length !== requests.length) {
        reject(
          new Error(
            `robfig reference program returned ${lines.length} lines for ${requests.length} requests`,
          ),
        );
        return;
      }
      resolve(lines.map((line) => JSON.parse(line) as OracleResponse));
    });

    child.stdin.end(requests.map((request) => JSON.stringify(request)).join('\n') + '\n');
  });
}
