import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Job, Pod } from '../../src/api/types.js';
import { cliMain, getJson, testEncryptionKey } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

/** A `cronmesh worker` child process. */
export interface WorkerProcess {
  child: ChildProcess;
  /** The worker's identity, which its attempts carry as `status.nodeName`. */
  id: string;
  /** Base URL of its probe and metrics server. */
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

export interface WorkerProcessOptions {
  storeUrl: string;
  labels?: string;
  /** Passes the store URL as CRONMESH_STORE instead of --store. */
  storeFromEnvironment?: boolean;
  args?: string[];
}

/**
 * Starts `cronmesh worker` on 127.0.0.1, reads its probe URL and identity from its log lines,
 * and waits until `/readyz` passes, which needs the worker's lease.
 */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  // Port 0 lets the worker pick a free port, which it logs, so no other process can take it first.
  const args = [cliMain, 'worker', '--listen', '127.0.0.1:0'];
  if (options.storeFromEnvironment !== true) args.push('--store', options.storeUrl);
  if (options.labels !== undefined) args.push('--labels', options.labels);
  args.push(...(options.args ?? []));
  // The key of startServe on PostgreSQL, so the worker decrypts the Secrets that serve stored.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TZ: 'UTC',
    CRONMESH_ENCRYPTION_KEY: testEncryptionKey,
  };
  if (options.storeFromEnvironment === true) env['CRONMESH_STORE'] = options.storeUrl;
  else delete env['CRONMESH_STORE'];

  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const ready = await waitFor(
    'cronmesh worker to be ready',
    async () => {
      if (child.exitCode !== null) throw new Error(`worker exited early: ${output}`);
      const records = logRecords(output);
      const url = records.find((record) => record['msg'] === 'worker probes listening')?.['url'];
      const id = records.find((record) => record['msg'] === 'worker started')?.['worker'];
      if (typeof url !== 'string' || typeof id !== 'string') return undefined;
      const response = await fetch(`${url}/readyz`).catch(() => undefined);
      return response?.status === 200 ? { url, id } : undefined;
    },
    30_000,
  ).catch((error: unknown) => {
    // A worker that never became ready must not outlive the test.
    child.kill('SIGKILL');
    throw error instanceof Error ? new Error(`${error.message}; output: ${output}`) : error;
  });
  return { child, id: ready.id, url: ready.url, output: () => output, exited };
}

/** Parses the JSON log lines of a process's output, skipping any other line. */
export function logRecords(output: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line still being written.
    }
  }
  return records;
}

/**
 * Sends `signal` to the child by its PID unless it has exited, and waits up to 30 s for the exit.
 * Then it sends SIGKILL. Returns the exit code, or null when a signal ended the process.
 */
export async function stopChild(
  child: ChildProcess,
  exited: Promise<number | null>,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), 30_000);
  });
  const result = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (result !== 'timeout') return result;
  child.kill('SIGKILL');
  return exited;
}

const batch = '/apis/batch/v1/namespaces/default';

/** Returns a Job that runs `script` in a shell, with the pod name in $POD_NAME. */
export function shellJob(
  name: string,
  script: string,
  options: { nodeSelector?: Record<string, string>; backoffLimit?: number } = {},
): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      backoffLimit: options.backoffLimit ?? 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 2,
          ...(options.nodeSelector === undefined ? {} : { nodeSelector: options.nodeSelector }),
          containers: [
            {
              name: 'main',
              image: 'busybox:1.28',
              command: ['/bin/sh', '-c', script],
              env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            },
          ],
        },
      },
    },
  };
}

/** Creates `job` through the API and throws on an error status. */
export async function createJob(url: string, job: Job): Promise<void> {
  const response = await fetch(`${url}${batch}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(job),
  });
  if (!response.ok) {
    throw new Error(`POST job ${job.metadata.name}: ${response.status} ${await response.text()}`);
  }
}

/** Waits until every named Job has the Complete or Failed condition and returns them in order. */
export async function finishedJobs(
  url: string,
  names: string[],
  timeoutMs: number,
): Promise<Job[]> {
  return waitFor(
    `jobs ${names.join(', ')} to finish`,
    async () => {
      const { items } = await getJson<{ items: Job[] }>(`${url}${batch}/jobs`);
      const byName = new Map(items.map((job) => [job.metadata.name, job]));
      const jobs = names.map((name) => byName.get(name));
      const done = jobs.every((job) =>
        job?.status?.conditions?.some(
          (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
        ),
      );
      return done ? (jobs as Job[]) : undefined;
    },
    timeoutMs,
    250,
  );
}

/** Returns the pods of `job`, oldest first. */
export async function podsOf(url: string, job: Job): Promise<Pod[]> {
  const selector = encodeURIComponent(`batch.kubernetes.io/job-name=${job.metadata.name}`);
  const { items } = await getJson<{ items: Pod[] }>(
    `${url}/api/v1/namespaces/default/pods?labelSelector=${selector}`,
  );
  return items.sort((a, b) =>
    (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
  );
}
