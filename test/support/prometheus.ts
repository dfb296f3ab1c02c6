import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './serve-process.js';
import { waitFor } from './wait.js';

/** The binary of Debian's `prometheus` package. */
export const prometheusBinary = '/usr/bin/prometheus';

const policyRcD = '/usr/sbin/policy-rc.d';
/** Where the package's init script writes the PID of the system Prometheus. */
const systemPidFile = '/run/prometheus/prometheus.pid';

/** The job name of the target that Prometheus adds for its own metrics. */
export const selfScrapeJob = 'prometheus';

/** One target that Prometheus scrapes. */
export interface ScrapeTarget {
  /** The `job` label of the target's series. */
  job: string;
  /** `host:port` of the target, on 127.0.0.1 only. */
  address: string;
  /** Defaults to `/metrics`. */
  metricsPath?: string;
}

/** Options of startPrometheus. */
export interface PrometheusOptions {
  /** Targets scraped besides Prometheus itself. */
  targets: ScrapeTarget[];
  scrapeIntervalSeconds: number;
}

/** One element of an instant vector returned by the HTTP API. */
export interface VectorSample {
  metric: Record<string, string>;
  value: number;
  /** The evaluation time of the query, in seconds since the epoch. */
  timestamp: number;
}

/** A running Prometheus server that the caller must stop. */
export interface PrometheusServer {
  url: string;
  pid: number;
  /** Runs an instant query through GET /api/v1/query and returns its vector. */
  query(promql: string): Promise<VectorSample[]>;
  /**
   * Waits until every target of `job` has been scraped by a scrape that started after this
   * call, so the samples of that scrape can be queried.
   */
  waitForScrape(job: string, timeoutMs?: number): Promise<void>;
  /** Prometheus's log output so far. */
  output(): string;
  /** Stops the server by its PID and removes its configuration and storage. */
  stop(): Promise<void>;
}

/**
 * Installs Debian's `prometheus` package with apt-get when its binary is missing.
 * The package's postinst would start a system Prometheus on port 9090, so the install runs
 * under a policy-rc.d that denies every service action. A policy-rc.d that this function did
 * not write is left in place, and should that one let the service start, the service's
 * daemon is stopped by the PID in its PID file.
 */
export async function ensurePrometheus(): Promise<void> {
  if (existsSync(prometheusBinary)) return;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${prometheusBinary} is missing and installing it needs root: run .ci/run as root or ` +
        'apt-get install --no-install-recommends prometheus',
    );
  }

  const wrotePolicy = !existsSync(policyRcD);
  if (wrotePolicy) {
    await writeFile(policyRcD, '#!/bin/sh\nexit 101\n');
    await chmod(policyRcD, 0o755);
  }
  try {
    runApt(['update', '-qq']);
    runApt(['install', '-y', '-qq', '--no-install-recommends', 'prometheus']);
  } finally {
    if (wrotePolicy) await unlink(policyRcD);
  }
  await stopSystemPrometheus();
  if (!existsSync(prometheusBinary)) {
    throw new Error(`apt-get installed prometheus but ${prometheusBinary} is still missing`);
  }
}

/** Stops the daemon that the package's init script records, if one runs. */
async function stopSystemPrometheus(): Promise<void> {
  const pidText = await readFile(systemPidFile, 'utf8').catch(() => '');
  const pid = Number.parseInt(pidText, 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  // A stale PID file may name an unrelated process by now.
  const command = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
  if (command.trim() === 'prometheus') process.kill(pid, 'SIGTERM');
}

function runApt(args: string[]): void {
  const result = spawnSync('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.error !== undefined) {
    throw new Error(`apt-get ${args.join(' ')} failed: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(
      `apt-get ${args.join(' ')} exited with ${result.status}: ${result.stderr}${result.stdout}`,
    );
  }
}

/**
 * Starts Prometheus on a free port of 127.0.0.1 with a configuration that scrapes `targets`
 * and itself, and waits until GET /-/ready succeeds.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  // Prometheus reads a zero interval as "use the default of 1m", which would stall every wait.
  if (!Number.isInteger(options.scrapeIntervalSeconds) || options.scrapeIntervalSeconds < 1) {
    throw new RangeError(
      `invalid scrapeIntervalSeconds ${options.scrapeIntervalSeconds}: expected a whole number of seconds of at least 1`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'cronmesh-prometheus-'));
  try {
    return await launch(dir, options);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function launch(dir: string, options: PrometheusOptions): Promise<PrometheusServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, configurationOf(options, address));

  const child = spawn(
    prometheusBinary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--log.level=warn',
      // The package's defaults point at /etc/prometheus, which a test must not depend on.
      `--web.console.templates=${join(dir, 'consoles')}`,
      `--web.console.libraries=${join(dir, 'console_libraries')}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  // Without an 'error' listener a failed spawn would crash the test process.
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  const stop = async (): Promise<void> => {
    await stopChild(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(`Prometheus to be ready on ${url}`, async () => {
      if (spawnError !== undefined) {
        throw new Error(`cannot start ${prometheusBinary}: ${spawnError.message}`);
      }
      if (child.exitCode !== null) {
        throw new Error(`Prometheus exited with ${child.exitCode}: ${output}`);
      }
      const response = await fetch(`${url}/-/ready`).catch(() => undefined);
      return response?.ok === true;
    });
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }

  const query = (promql: string): Promise<VectorSample[]> => instantQuery(url, promql);
  return {
    url,
    pid: child.pid ?? 0,
    query,
    waitForScrape: (job, timeoutMs) => waitForScrape(query, job, timeoutMs),
    output: () => output,
    stop,
  };
}

function configurationOf(options: PrometheusOptions, selfAddress: string): string {
  const targets: ScrapeTarget[] = [
    { job: selfScrapeJob, address: selfAddress },
    ...options.targets,
  ];
  return stringify({
    // Prometheus lowers its default scrape timeout of 10 s to a shorter interval.
    global: { scrape_interval: `${options.scrapeIntervalSeconds}s` },
    scrape_configs: targets.map((target) => ({
      job_name: target.job,
      metrics_path: target.metricsPath ?? '/metrics',
      static_configs: [{ targets: [target.address] }],
    })),
  });
}

/** Sends SIGTERM to the child's PID, then SIGKILL if it has not exited within 10 s. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 10_000);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  errorType?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

async function instantQuery(url: string, promql: string): Promise<VectorSample[]> {
  const response = await fetch(
    `${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`,
  );
  const body = (await response.json()) as QueryResponse;
  if (body.status !== 'success' || body.data === undefined) {
    throw new Error(
      `query ${promql} failed with ${response.status}: ${body.errorType}: ${body.error}`,
    );
  }
  if (body.data.resultType !== 'vector') {
    throw new Error(`query ${promql} returned a ${body.data.resultType}, expected a vector`);
  }
  return body.data.result.map(({ metric, value: [timestamp, text] }) => ({
    metric,
    value: parseSampleValue(text),
    timestamp,
  }));
}

/** Parses a sample value as the HTTP API formats it, including `+Inf`, `-Inf` and `NaN`. */
function parseSampleValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

async function waitForScrape(
  query: (promql: string) => Promise<VectorSample[]>,
  job: string,
  timeoutMs = 15_000,
): Promise<void> {
  const since = Date.now() / 1000;
  // `up` is written in the same append as the scraped samples, so a fresh `up` sample means
  // the whole scrape is queryable. `timestamp()` returns the sample's own time.
  const promql = `timestamp(up{job=${JSON.stringify(job)}})`;
  await waitFor(
    `a scrape of job ${job} that started after ${new Date(since * 1000).toISOString()}`,
    async () => {
      const samples = await query(promql);
      return samples.length > 0 && samples.every((sample) => sample.value >= since);
    },
    timeoutMs,
    100,
  );
}
