// Runs the robfig/cron v3 reference program: a Go binary that evaluates schedules with the very
// library Kubernetes uses. It reads one JSON request per line and writes one response per line.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface OracleRequest {
  expr: string;
  tz: string | null;
  from: string;
  n: number;
}

export interface OracleResponse {
  expr: string;
  tz: string | null;
  from: string;
  next?: string[];
  error?: string;
  panic?: boolean;
}

export interface ZoneTransitions {
  tz: string;
  transitions: { at: string; offset_before: number; offset_after: number }[];
}

const ORACLE_PATH = process.env['ROBFIG_ORACLE'] ?? '/tmp/robfig-oracle';

// The build script sits in the shared folder next to the repository checkout, in sessions and in
// CI alike. This file runs from dist/test/schedule/, three levels below the checkout.
function buildScriptCandidates(): string[] {
  const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  return [
    path.resolve(repositoryRoot, '../shared/oracle/robfig/build.sh'),
    '/work/shared/oracle/robfig/build.sh',
  ];
}

/**
 * Returns the oracle's path, building it first when it is missing. Throws when it cannot be
 * built, so that a comparison test fails instead of passing without a reference.
 */
export function ensureOracle(): string {
  if (existsSync(ORACLE_PATH)) return ORACLE_PATH;
  const script = buildScriptCandidates().find((candidate) => existsSync(candidate));
  if (script === undefined) {
    throw new Error(
      `robfig oracle missing at ${ORACLE_PATH} and no build script found in ${buildScriptCandidates().join(', ')}`,
    );
  }
  const build = spawnSync('bash', [script, ORACLE_PATH], { encoding: 'utf8', timeout: 540_000 });
  if (build.status !== 0 || !existsSync(ORACLE_PATH)) {
    throw new Error(
      `building the robfig oracle with ${script} failed (exit ${build.status}): ${build.stderr}`,
    );
  }
  return ORACLE_PATH;
}

/** How long one oracle process may run before it is killed; robfig loops forever on some inputs. */
export const DEFAULT_BATCH_TIMEOUT_MS = 60_000;

/** Requests sent to one oracle process, so that a hang points at a small range of requests. */
const BATCH_SIZE = 1000;

/** The oracle did not finish a batch in time, and the harness killed it. */
export class OracleTimeoutError extends Error {
  readonly code = 'OracleTimeout';

  constructor(
    readonly batch: string,
    readonly timeoutMs: number,
    readonly pid: number,
  ) {
    super(
      `robfig oracle timed out after ${timeoutMs} ms on batch ${batch}; killed its process ${pid}`,
    );
    this.name = 'OracleTimeoutError';
  }
}

export interface OracleRunOptions {
  /** Name of the requests in messages, such as `random cases, seed 1`. */
  batch: string;
  /** Limit for each oracle process; default DEFAULT_BATCH_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * Sends the requests to the oracle in batches of BATCH_SIZE, one process each, and returns the
 * responses in request order. Rejects with OracleTimeoutError, naming the batch and its request
 * range, when a process runs longer than the timeout.
 */
export async function runOracle(
  requests: readonly OracleRequest[],
  options: OracleRunOptions,
): Promise<OracleResponse[]> {
  const responses: OracleResponse[] = [];
  for (let start = 0; start < requests.length; start += BATCH_SIZE) {
    const slice = requests.slice(start, start + BATCH_SIZE);
    const batch = `"${options.batch}" (requests ${start} to ${start + slice.length - 1} of ${requests.length})`;
    const input = slice.map((request) => JSON.stringify(request)).join('\n') + '\n';
    const output = await runOracleProcess([], input, batch, options.timeoutMs);
    const lines = output.split('\n').filter((line) => line !== '');
    if (lines.length !== slice.length) {
      throw new Error(
        `robfig oracle returned ${lines.length} responses for the ${slice.length} requests of batch ${batch}`,
      );
    }
    responses.push(...lines.map((line) => JSON.parse(line) as OracleResponse));
  }
  return responses;
}

/** Returns the UTC offset changes of `zones` in the given years, from the oracle's tz database. */
export async function oracleTransitions(
  zones: readonly string[],
  firstYear: number,
  lastYear: number,
): Promise<ZoneTransitions[]> {
  const output = await runOracleProcess(
    ['-transitions', zones.join(','), '-years', `${firstYear}-${lastYear}`],
    '',
    `"transitions of ${zones.length} zones, ${firstYear} to ${lastYear}"`,
  );
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ZoneTransitions);
}

/**
 * Runs the oracle once with `input` on stdin and returns its stdout. After `timeoutMs` it kills
 * the process it started, by that process's PID, and rejects with OracleTimeoutError.
 */
function runOracleProcess(
  args: string[],
  input: string,
  batch: string,
  timeoutMs = DEFAULT_BATCH_TIMEOUT_MS,
): Promise<string> {
  const oracle = ensureOracle();
  return new Promise((resolve, reject) => {
    const child = spawn(oracle, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let killedPid: number | undefined;
    const timer = setTimeout(() => {
      if (child.pid === undefined) return;
      killedPid = child.pid;
      process.kill(killedPid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    // A process that exits before it has read all its input makes the write fail with EPIPE.
    // The exit code or the timeout reports that failure, so the write error adds nothing.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    // 'exit' comes after Node has reaped the process, so the killed PID is gone by then.
    child.on('exit', () => {
      clearTimeout(timer);
      if (killedPid !== undefined) reject(new OracleTimeoutError(batch, timeoutMs, killedPid));
    });
    // 'close' comes after 'exit' and after stdout has ended.
    child.on('close', (code) => {
      if (killedPid !== undefined) return;
      if (code === 0) {
        resolve(Buffer.concat(stdout).toString('utf8'));
        return;
      }
      const message = Buffer.concat(stderr).toString('utf8');
      reject(new Error(`robfig oracle exited with ${code} on batch ${batch}: ${message}`));
    });
    child.stdin.end(input);
  });
}
