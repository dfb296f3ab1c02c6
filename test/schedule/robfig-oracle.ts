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

/** Sends all requests to one oracle process and returns its responses in request order. */
export async function runOracle(requests: readonly OracleRequest[]): Promise<OracleResponse[]> {
  const input = requests.map((request) => JSON.stringify(request)).join('\n') + '\n';
  const output = await runOracleProcess([], input);
  const responses = output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as OracleResponse);
  if (responses.length !== requests.length) {
    throw new Error(
      `robfig oracle returned ${responses.length} responses for ${requests.length} requests`,
    );
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
  );
  return output
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ZoneTransitions);
}

function runOracleProcess(args: string[], input: string): Promise<string> {
  const oracle = ensureOracle();
  return new Promise((resolve, reject) => {
    const child = spawn(oracle, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(stdout).toString('utf8'));
      else
        reject(
          new Error(`robfig oracle exited with ${code}: ${Buffer.concat(stderr).toString('utf8')}`),
        );
    });
    child.stdin.end(input);
  });
}
