// One cronmesh throughput run on PostgreSQL. N no-op Jobs (`/bin/true`) are created through the
// store. Then `cronmesh worker` processes and one `cronmesh serve` (API and controllers, no
// embedded worker) start on the schema, and the run ends when every Job's attempt has succeeded.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { prepareForCreate } from '../../src/api/index.js';
import type { Job } from '../../src/api/types.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SystemClock } from '../../src/util/clock.js';
import { startServe, startWorker, stopAll } from './cronmesh-processes.js';
import type { CronmeshProcess } from './cronmesh-processes.js';
import { SchemaReader } from './cronmesh-progress.js';
import { dropOwnSchema, POSTGRES_URL, uniqueName } from './local-services.js';
import { canMeasureCpu, cpuSecondsOf } from './process-cpu.js';
import type { ThroughputResult } from './subject.js';

/** Store.create calls in flight while the Jobs are created, as from several API clients. */
const CREATE_CONCURRENCY = 8;
export const NOOP_COMMAND = '/bin/true';

export interface CronmeshClusterShape {
  /** `cronmesh worker` processes. */
  workers: number;
  /** `--concurrency` of each worker. */
  concurrency: number;
}

/** Returns the store URL of `schema` in the bench database. */
export function storeUrlOf(schema: string): string {
  return `${POSTGRES_URL}?schema=${schema}`;
}

/** Builds the manifest of a Job that runs NOOP_COMMAND once. */
export function noopJob(name: string): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'none', command: [NOOP_COMMAND] }],
        },
      },
    },
  };
}

/**
 * Creates `jobCount` Jobs through a PostgresStore of this process, CREATE_CONCURRENCY at a time.
 * Returns the seconds it took.
 */
async function createJobs(storeUrl: string, jobCount: number): Promise<number> {
  const clock = new SystemClock();
  const store = await PostgresStore.open({ url: storeUrl, clock });
  try {
    const begin = performance.now();
    let next = 0;
    const createNext = async (): Promise<void> => {
      while (next < jobCount) {
        const job = prepareForCreate(noopJob(`noop-${next++}`));
        await store.create(job, clock.now());
      }
    };
    await Promise.all(Array.from({ length: CREATE_CONCURRENCY }, createNext));
    return (performance.now() - begin) / 1000;
  } finally {
    await store.close();
  }
}

/** CPU seconds by process id, of the cluster's processes and of their PostgreSQL backends. */
interface CpuSnapshot {
  processes: Map<number, number>;
  backends: Map<number, number>;
}

async function snapshotCpu(
  processes: readonly CronmeshProcess[],
  reader: SchemaReader,
  since: number,
): Promise<CpuSnapshot> {
  const seconds = (pids: readonly (number | undefined)[]): Map<number, number> =>
    new Map(pids.flatMap((pid) => (pid === undefined ? [] : [[pid, cpuSecondsOf(pid)]])));
  return {
    processes: seconds(processes.map((cronmesh) => cronmesh.child.pid)),
    backends: seconds(await reader.backendPids(since)),
  };
}

/** Returns the CPU seconds used between two snapshots; processes new in `end` count in full. */
function cpuBetween(start: CpuSnapshot, end: CpuSnapshot): { system: number; postgres: number } {
  const used = (before: Map<number, number>, after: Map<number, number>): number => {
    let total = 0;
    for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
    return total;
  };
  return {
    system: used(start.processes, end.processes),
    postgres: used(start.backends, end.backends),
  };
}

/**
 * Runs one throughput run on a fresh schema and removes the schema afterwards. The processing
 * time runs from starting `cronmesh serve`, whose Job controller creates the attempts, to the
 * last attempt's change to Succeeded. The workers are registered before that. The CPU seconds
 * cover the same span, from the /proc files of the processes and of the PostgreSQL backends that
 * cronmesh stores opened since the workers started, so PostgreSQL must run on this machine.
 */
export async function runCronmeshThroughput(
  shape: CronmeshClusterShape,
  jobCount: number,
  timeLimitMs: number,
): Promise<ThroughputResult> {
  const schema = uniqueName('bench_cronmesh');
  const storeUrl = storeUrlOf(schema);
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-bench-'));
  const processes: CronmeshProcess[] = [];
  let reader: SchemaReader | undefined;
  try {
    const enqueueSeconds = await createJobs(storeUrl, jobCount);
    reader = await SchemaReader.open(schema);
    const clusterStart = Date.now();
    for (let index = 0; index < shape.workers; index++) {
      processes.push(await startWorker(storeUrl, shape.concurrency));
    }
    const cpuAtStart = await snapshotCpu(processes, reader, clusterStart);
    const processStart = Date.now();
    processes.push(await startServe(storeUrl, dataDir));
    const succeeded = await reader.waitForSucceeded(jobCount, processStart + timeLimitMs);
    const cpuAtEnd = await snapshotCpu(processes, reader, clusterStart);
    const done = succeeded.count >= jobCount;
    const result: ThroughputResult = {
      enqueued: jobCount,
      processed: succeeded.count,
      enqueueSeconds,
      processSeconds: ((done ? succeeded.lastAt : Date.now()) - processStart) / 1000,
      timedOut: !done,
    };
    if (canMeasureCpu()) result.cpuSeconds = cpuBetween(cpuAtStart, cpuAtEnd);
    return result;
  } finally {
    await stopAll(processes);
    await reader?.close();
    await dropOwnSchema(schema);
    await rm(dataDir, { recursive: true, force: true });
  }
}
