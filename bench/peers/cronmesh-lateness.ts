// One cronmesh lateness run on PostgreSQL. N CronJobs with the schedule `* * * * *` run
// `/bin/true`, and `cronmesh worker` processes and one `cronmesh serve` start on the schema. The
// run measures one minute boundary: when each Job was created, and when a worker claimed each
// attempt, minus the scheduled instant.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { prepareForCreate } from '../../src/api/index.js';
import type { CronJob } from '../../src/api/types.js';
import { jobNameFor } from '../../src/controller/cronjob/job-template.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SystemClock } from '../../src/util/clock.js';
import { nextMinuteBoundary } from '../scale/fire-lag-plan.js';
import { startServe, startWorker, stopAll } from './cronmesh-processes.js';
import type { CronmeshProcess } from './cronmesh-processes.js';
import { SchemaReader } from './cronmesh-progress.js';
import type { CronmeshClusterShape } from './cronmesh-throughput.js';
import { NOOP_COMMAND, storeUrlOf } from './cronmesh-throughput.js';
import { dropOwnSchema, sleep, uniqueName } from './local-services.js';
import type { LatenessResult } from './subject.js';

/** Time between the cluster being ready and the minute boundary that the run measures. */
const MIN_LEAD_MS = 15_000;
/**
 * The setup starts at least this long before the next minute boundary, or else after it, so
 * that no boundary passes before serve starts and no CronJob fires for a missed schedule.
 */
const MIN_SETUP_WINDOW_MS = 20_000;
const POLL_MS = 200;

/** Builds the manifest of a CronJob that runs NOOP_COMMAND every minute (UTC). */
export function everyMinuteCronJob(name: string): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      timeZone: 'UTC',
      jobTemplate: {
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: 'none', command: [NOOP_COMMAND] }],
            },
          },
        },
      },
    },
  };
}

async function createCronJobs(storeUrl: string, names: readonly string[]): Promise<void> {
  const clock = new SystemClock();
  const store = await PostgresStore.open({ url: storeUrl, clock });
  try {
    for (const name of names) {
      await store.create(prepareForCreate(everyMinuteCronJob(name)), clock.now());
    }
  } finally {
    await store.close();
  }
}

/** Waits until the next minute boundary is at least MIN_SETUP_WINDOW_MS away. */
async function waitForSetupWindow(): Promise<void> {
  const untilBoundary = nextMinuteBoundary(Date.now() + 1) - Date.now();
  if (untilBoundary < MIN_SETUP_WINDOW_MS) await sleep(untilBoundary + 1_000);
}

/**
 * Runs one lateness run on a fresh schema and removes the schema afterwards. `lateMs` contains
 * the Job creation lateness, and `claimLateMs` the lateness of the workers' claims of the
 * attempts.
 */
export async function runCronmeshLateness(
  shape: CronmeshClusterShape,
  scheduleCount: number,
  timeLimitMs: number,
): Promise<LatenessResult> {
  const schema = uniqueName('bench_cronmeshcron');
  const storeUrl = storeUrlOf(schema);
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-bench-'));
  const cronJobs = Array.from({ length: scheduleCount }, (_, index) => `every-minute-${index}`);
  const processes: CronmeshProcess[] = [];
  let reader: SchemaReader | undefined;
  try {
    await waitForSetupWindow();
    await createCronJobs(storeUrl, cronJobs);
    reader = await SchemaReader.open(schema);
    for (let index = 0; index < shape.workers; index++) {
      processes.push(await startWorker(storeUrl, shape.concurrency));
    }
    processes.push(await startServe(storeUrl, dataDir));

    const fireAt = nextMinuteBoundary(Date.now() + MIN_LEAD_MS);
    const jobs = cronJobs.map((name) => jobNameFor(name, fireAt));
    const deadline = fireAt + timeLimitMs;
    await sleep(Math.max(0, fireAt - Date.now()));
    while (Date.now() < deadline && (await reader.countJobs(jobs)) < jobs.length) {
      await sleep(POLL_MS);
    }
    const claimed = await reader.waitForClaims(jobs, deadline);
    const created = await reader.jobCreationTimes(jobs);
    return {
      schedules: scheduleCount,
      fireInstants: 1,
      lateMs: [...created.values()].map((at) => at - fireAt),
      missing: jobs.length - created.size,
      claimLateMs: [...claimed.values()].map((at) => at - fireAt),
      claimMissing: jobs.length - claimed.size,
    };
  } finally {
    await stopAll(processes);
    await reader?.close();
    await dropOwnSchema(schema);
    await rm(dataDir, { recursive: true, force: true });
  }
}
