import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { CronJob, Job, Pod } from '../../src/api/types.js';
import { cliMain, freePort, testEncryptionKey } from './serve-process.js';
import { waitFor } from './wait.js';

/** One JSON log line of a cronmesh process. */
export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A `cronmesh serve` or `cronmesh worker` child process started by a test. */
export interface CronmeshProcess {
  /** The test's name for the process, such as `replica-2`; also the name of its log file. */
  name: string;
  child: ChildProcess;
  pid: number;
  /** The API (serve) or health (worker) address. */
  url: string;
  /** Parsed JSON log lines written so far; lines that are not JSON are skipped. */
  logs(): LogRecord[];
  /** Standard error so far, where Node prints process warnings. */
  stderr(): string;
  /** Resolves with the exit code, or the signal name when a signal ended the process. */
  exited: Promise<number | string>;
}

export interface ProcessSettings {
  /**
   * Extra environment variables, such as CRONMESH_TEST_CLOCK. CRONMESH_ENCRYPTION_KEY defaults
   * to testEncryptionKey, which every process of the test shares.
   */
  env?: Record<string, string>;
  /** Directory for the process's log file `<name>.log`, which stays after the test for review. */
  logDir: string;
  /** Path that must respond with 200 before the start counts as done. */
  readyPath?: string;
  /** Real milliseconds to wait for readiness. */
  startTimeoutMs?: number;
}

/** Returns a CRONMESH_TEST_CLOCK value: scaled time `startMs` at real instant `realOriginMs`. */
export function testClockSetting(realOriginMs: number, startMs: number, rate: number): string {
  return `${realOriginMs},${startMs},${rate}`;
}

/** Returns the scaled time of a CRONMESH_TEST_CLOCK setting at real instant `realMs`. */
export function scaledTimeOf(setting: string, realMs = Date.now()): number {
  const [realOrigin = 0, start = 0, rate = 1] = setting.split(',').map(Number);
  return Math.floor(start + (realMs - realOrigin) * rate);
}

/** Returns the real instant at which a CRONMESH_TEST_CLOCK setting reaches scaled time `scaledMs`. */
export function realTimeOf(setting: string, scaledMs: number): number {
  const [realOrigin = 0, start = 0, rate = 1] = setting.split(',').map(Number);
  return realOrigin + (scaledMs - start) / rate;
}

/**
 * Spawns `cronmesh serve` on a free port of 127.0.0.1 against `storeUrl` and waits until
 * `readyPath` (default `/healthz`) responds with 200. `args` follow the store and listen flags.
 */
export async function startReplica(
  name: string,
  storeUrl: string,
  args: string[],
  settings: ProcessSettings,
): Promise<CronmeshProcess> {
  const port = await freePort();
  return spawnCronmesh(
    name,
    port,
    ['serve', '--store', storeUrl, '--listen', `127.0.0.1:${port}`, ...args],
    settings,
  );
}

/**
 * Spawns `cronmesh worker` with its health endpoint on a free port of 127.0.0.1 and waits until
 * `readyPath` (default `/healthz`) responds with 200.
 */
export async function startWorkerProcess(
  name: string,
  storeUrl: string,
  args: string[],
  settings: ProcessSettings,
): Promise<CronmeshProcess> {
  const port = await freePort();
  return spawnCronmesh(
    name,
    port,
    ['worker', '--store', storeUrl, '--listen', `127.0.0.1:${port}`, ...args],
    settings,
  );
}

async function spawnCronmesh(
  name: string,
  port: number,
  args: string[],
  settings: ProcessSettings,
): Promise<CronmeshProcess> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [cliMain, ...args], {
    env: {
      ...process.env,
      TZ: 'UTC',
      CRONMESH_ENCRYPTION_KEY: testEncryptionKey,
      ...settings.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const file = createWriteStream(join(settings.logDir, `${name}.log`), { flags: 'a' });
  const records: LogRecord[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    file.write(text);
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const record = parseLogLine(line);
      if (record !== undefined) records.push(record);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    file.write(text);
    stderr += text;
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      closeQuietly(file);
      resolve(code ?? signal ?? 'unknown');
    }),
  );
  if (child.pid === undefined) throw new Error(`${name}: spawn failed: ${stderr}`);
  const started: CronmeshProcess = {
    name,
    child,
    pid: child.pid,
    url,
    logs: () => records,
    stderr: () => stderr,
    exited,
  };

  const path = settings.readyPath ?? '/healthz';
  try {
    await waitFor(
      `${name} to respond to ${path} on ${url}`,
      async () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${name} exited early: ${stderr}`);
        }
        const response = await fetch(`${url}${path}`).catch(() => undefined);
        await response?.body?.cancel();
        return response?.status === 200;
      },
      settings.startTimeoutMs ?? 20_000,
      100,
    );
  } catch (error) {
    await stopProcess(started, 'SIGKILL');
    throw error;
  }
  return started;
}

function parseLogLine(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value === 'object' && value !== null && 'msg' in value) return value as LogRecord;
  } catch {
    // A line cut by SIGKILL is no record.
  }
  return undefined;
}

function closeQuietly(file: WriteStream): void {
  if (!file.closed) file.end();
}

/**
 * Sends `signal` to the process by its PID and waits for it to exit; after `timeoutMs` real
 * milliseconds it sends SIGKILL. Returns the exit code or signal name.
 */
export async function stopProcess(
  target: CronmeshProcess,
  signal: NodeJS.Signals,
  timeoutMs = 20_000,
): Promise<number | string> {
  if (target.child.exitCode === null && target.child.signalCode === null) {
    process.kill(target.pid, signal);
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([target.exited, timedOut]);
  clearTimeout(timer);
  if (result !== 'timeout') return result;
  if (target.child.exitCode === null && target.child.signalCode === null) {
    process.kill(target.pid, 'SIGKILL');
  }
  return target.exited;
}

/** Stops every process that is still running with SIGKILL, by PID, and waits for each. */
export async function killAll(processes: Iterable<CronmeshProcess>): Promise<void> {
  await Promise.all([...processes].map((target) => stopProcess(target, 'SIGKILL')));
}

/** Returns the `identity` of the replica's 'became leader' log lines, oldest first. */
export function leaderIdentitiesOf(replica: CronmeshProcess): string[] {
  return replica
    .logs()
    .filter((record) => record.msg === 'became leader')
    .map((record) => String(record['identity']));
}

/** A row of the `leases` table. Times are the database server's milliseconds. */
export interface LeaseRow {
  holder: string;
  token: number;
  renewTime: number;
  durationMs: number;
}

/**
 * A connection to one PostgreSQL database, outside any store, for reading what the processes
 * wrote into `schema`. A query on a connection that the server dropped (a restart) opens a new
 * connection and runs once more.
 */
export class SchemaReader {
  private client: Promise<pg.Client> | undefined;

  constructor(
    private readonly connectionString: string,
    private readonly schema: string,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.then((connected) => connected.end()).catch(() => undefined);
  }

  private async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      const client = (this.client ??= this.connect());
      try {
        return (await (await client).query<R>(text, values)).rows;
      } catch (error) {
        if (this.client === client) await this.close();
        if (attempt === 2) throw error;
      }
    }
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString });
    // A dropped connection fails its next query, which connects again; without a listener the
    // error would end the test process.
    client.on('error', () => undefined);
    await client.connect();
    return client;
  }

  /** Returns the lease `name`, or undefined while no replica has taken it. */
  async lease(name: string): Promise<LeaseRow | undefined> {
    const [row] = await this.query<{
      holder: string;
      token: string;
      renew_time: string;
      duration_ms: string;
    }>(`SELECT holder, token, renew_time, duration_ms FROM ${this.schema}.leases WHERE name = $1`, [
      name,
    ]);
    if (row === undefined) return undefined;
    return {
      holder: row.holder,
      token: Number(row.token),
      renewTime: Number(row.renew_time),
      durationMs: Number(row.duration_ms),
    };
  }

  /** Returns every stored object of `kind`. */
  async objects<T extends Job | Pod | CronJob>(kind: T['kind']): Promise<T[]> {
    const rows = await this.query<{ object: T }>(
      `SELECT object FROM ${this.schema}.objects WHERE kind = $1 ORDER BY name`,
      [kind],
    );
    return rows.map((row) => row.object);
  }
}

/**
 * Returns a pseudo-random generator of numbers in [0, 1) seeded by `seed` (mulberry32), so a
 * failing run can be repeated with the seed it logged.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Returns a CronJob that runs `command` on `schedule`, keeping up to 100 finished Jobs. */
export function cronJobManifest(
  name: string,
  schedule: string,
  command: string[],
  startingDeadlineSeconds: number,
): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule,
      startingDeadlineSeconds,
      successfulJobsHistoryLimit: 100,
      failedJobsHistoryLimit: 100,
      jobTemplate: {
        spec: {
          backoffLimit: 6,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: 'busybox:1.28', command }],
            },
          },
        },
      },
    },
  };
}

/**
 * Creates `objects` through POST requests to `url`, `parallel` at a time, and returns them as
 * stored. Throws on the first status other than 201.
 */
export async function createThroughApi<T extends CronJob | Job>(
  url: string,
  objects: T[],
  parallel = 8,
): Promise<T[]> {
  const created: T[] = [];
  const queue = [...objects];
  const post = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const plural = next.kind === 'CronJob' ? 'cronjobs' : 'jobs';
      const namespace = next.metadata.namespace ?? 'default';
      const response = await fetch(`${url}/apis/batch/v1/namespaces/${namespace}/${plural}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(next),
      });
      const text = await response.text();
      if (response.status !== 201) {
        throw new Error(`POST ${next.kind} ${next.metadata.name}: ${response.status} ${text}`);
      }
      created.push(JSON.parse(text) as T);
    }
  };
  await Promise.all(Array.from({ length: parallel }, post));
  return created;
}

/** The Jobs of one CronJob for one scheduled time, keyed `<cronjob> <scheduled timestamp>`. */
export type JobsByRun = Map<string, Job[]>;

/**
 * Groups Jobs by their controlling CronJob and their scheduled-timestamp annotation, so that a
 * run with two Jobs shows up as a key with two entries.
 */
export function jobsByRun(jobs: Job[]): JobsByRun {
  const runs: JobsByRun = new Map();
  for (const job of jobs) {
    const owner = job.metadata.ownerReferences?.find((reference) => reference.controller === true);
    const scheduled =
      job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? 'none';
    const key = `${owner?.name ?? 'none'} ${scheduled}`;
    runs.set(key, [...(runs.get(key) ?? []), job]);
  }
  return runs;
}

/** Returns the key of jobsByRun for `cronJob` and the scheduled minute `scheduledMs`. */
export function runKey(cronJob: string, scheduledMs: number): string {
  return `${cronJob} ${new Date(scheduledMs).toISOString().replace('.000Z', 'Z')}`;
}

/**
 * Returns the starts of the whole minutes after `creationMs` up to and including `lastMs`,
 * which a `* * * * *` CronJob created at `creationMs` must have run by `lastMs`.
 */
export function minutesBetween(creationMs: number, lastMs: number): number[] {
  const minutes: number[] = [];
  const first = Math.floor(creationMs / 60_000) * 60_000 + 60_000;
  for (let minute = first; minute <= lastMs; minute += 60_000) minutes.push(minute);
  return minutes;
}

/**
 * Compares the Jobs of the `* * * * *` CronJobs `cronJobs` with one Job for every minute after
 * each CronJob's creation up to `lastMs`. Returns the runs that differ, which are missing runs,
 * runs with several Jobs and Jobs for a minute before their CronJob existed. Runs after `lastMs`
 * are listed only when they have several Jobs.
 */
export function runDifferences(cronJobs: CronJob[], jobs: Job[], lastMs: number): string[] {
  const runs = jobsByRun(jobs);
  const differences: string[] = [];
  for (const cronJob of cronJobs) {
    const name = cronJob.metadata.name;
    const creation = Date.parse(cronJob.metadata.creationTimestamp ?? '');
    const expected = new Set(
      minutesBetween(creation, lastMs).map((minute) => runKey(name, minute)),
    );
    for (const key of expected) {
      const count = runs.get(key)?.length ?? 0;
      if (count !== 1) differences.push(`${key}: ${count} Jobs`);
    }
    for (const [key, found] of runs) {
      if (!key.startsWith(`${name} `) || expected.has(key)) continue;
      const scheduled = Date.parse(key.slice(name.length + 1));
      if (found.length > 1 || scheduled <= creation) {
        differences.push(`${key}: ${found.length} Jobs`);
      }
    }
  }
  return differences;
}

/**
 * Lists the Jobs that have not completed with exactly one succeeded attempt, with their counts.
 * With `scheduledUpTo`, only Jobs scheduled at or before that instant are listed.
 */
export function unfinishedJobs(jobs: Job[], scheduledUpTo = Number.POSITIVE_INFINITY): string[] {
  return jobs
    .filter((job) => {
      const scheduled = Date.parse(
        job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'] ?? '',
      );
      return !(scheduled > scheduledUpTo);
    })
    .filter(
      (job) =>
        job.status?.succeeded !== 1 ||
        !(job.status.conditions ?? []).some(
          (condition) => condition.type === 'Complete' && condition.status === 'True',
        ),
    )
    .map(
      (job) =>
        `${job.metadata.name}: succeeded ${job.status?.succeeded ?? 0}, ` +
        `failed ${job.status?.failed ?? 0}, active ${job.status?.active ?? 0}`,
    );
}

/**
 * Calls `differences` until it returns an empty list or `timeoutMs` real milliseconds have
 * passed, and returns its last result, so the test can assert on the list itself.
 */
export async function settledDifferences(
  differences: () => Promise<string[]>,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await differences();
    if (found.length === 0 || Date.now() > deadline) return found;
    await sleep(500);
  }
}

/** Resolves after `ms` real milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Returns the real milliseconds of `duration` flags such as `3s` or `500ms`. */
export function durationMs(duration: string): number {
  const match = /^(\d+)(ms|s)$/.exec(duration);
  if (match === null) throw new Error(`unsupported duration ${duration}`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

/** Waits until `replica` responds to `/readyz` with 200, for at most `timeoutMs` real milliseconds. */
export async function waitReady(replica: CronmeshProcess, timeoutMs: number): Promise<void> {
  await waitFor(
    `${replica.name} to respond to /readyz with 200`,
    async () => {
      const response = await fetch(`${replica.url}/readyz`).catch(() => undefined);
      await response?.body?.cancel();
      return response?.status === 200;
    },
    timeoutMs,
    100,
  );
}

/** A change of a lease's holder, as a LeaseWatch saw it. */
export interface LeaseChange {
  holder: string;
  token: number;
  /** Real milliseconds since the epoch of the read that first showed it. */
  seenAt: number;
}

/**
 * Polls one lease every `intervalMs` real milliseconds in the background and records each new
 * token, so that a test can report every leadership change, including those it did not cause.
 * Failed reads are skipped, so the watch goes on through a database restart.
 */
export class LeaseWatch {
  readonly changes: LeaseChange[] = [];
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly reader: SchemaReader,
    private readonly name: string,
    private readonly intervalMs = 20,
  ) {
    this.loop = this.poll();
  }

  /** The newest change seen, or undefined while no one has held the lease. */
  get current(): LeaseChange | undefined {
    return this.changes.at(-1);
  }

  /** Waits for a holder with a token above `token` and returns the first one seen. */
  async after(token: number, timeoutMs: number): Promise<LeaseChange> {
    return waitFor(
      `lease ${this.name} to pass token ${token}`,
      () => this.changes.find((change) => change.token > token && change.holder !== ''),
      timeoutMs,
      5,
    );
  }

  async stop(): Promise<LeaseChange[]> {
    this.stopped = true;
    await this.loop;
    return this.changes;
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      const lease = await this.reader.lease(this.name).catch(() => undefined);
      const seenAt = Date.now();
      if (lease !== undefined && lease.token !== this.current?.token) {
        this.changes.push({ holder: lease.holder, token: lease.token, seenAt });
      }
      await sleep(this.intervalMs);
    }
  }
}
