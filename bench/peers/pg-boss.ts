// pg-boss on the local PostgreSQL: bulk insert then work() loops for throughput, and one queue
// with one cron schedule per schedule for lateness, as pg-boss keys schedules by queue name. Each
// run uses a schema of its own and drops it at the end.

import { createRequire } from 'node:module';

import PgBoss from 'pg-boss';

import { nextMinuteBoundary } from '../scale/fire-lag-plan.js';
import { dropOwnSchema, POSTGRES_URL, uniqueName, waitUntil } from './local-services.js';
import type {
  LatenessResult,
  SchedulerSubject,
  ThroughputResult,
  ThroughputScenario,
} from './subject.js';

const VERSION = (createRequire(import.meta.url)('pg-boss/package.json') as { version: string })
  .version;
const QUEUE = 'noop';
/** work() loops on the throughput queue; each fetches a batch, runs it and fetches again. */
const WORKERS = 4;
/**
 * pg-boss's minimum polling interval. A work() loop starts its next fetch this long after the
 * previous one began, even when that fetch returned a full batch, unless the fetch and the
 * handler took longer than the interval less 100 ms. So batchSize sets the throughput.
 */
const POLLING_INTERVAL_SECONDS = 0.5;
const ENQUEUE_CHUNK = 1_000;
/** Time between the last schedule being written and the minute boundary they fire at. */
const MIN_SCHEDULE_LEAD_MS = 10_000;

/**
 * Creates a PgBoss instance in `schema` with the list its errors go to. pg-boss emits the errors
 * of its polling loops instead of throwing them, and a run rethrows the first one at its end.
 */
function createBoss(schema: string): { boss: PgBoss; errors: Error[] } {
  const boss = new PgBoss({ connectionString: POSTGRES_URL, schema });
  const errors: Error[] = [];
  boss.on('error', (error) => errors.push(error));
  return { boss, errors };
}

function throwFirst(errors: readonly Error[]): void {
  const first = errors[0];
  if (first !== undefined) throw first;
}

async function runThroughput(
  batchSize: number,
  jobCount: number,
  timeLimitMs: number,
): Promise<ThroughputResult> {
  const schema = uniqueName('bench_pgboss');
  const { boss, errors } = createBoss(schema);
  try {
    await boss.start();
    await boss.createQueue(QUEUE);
    const enqueueStart = performance.now();
    for (let offset = 0; offset < jobCount; offset += ENQUEUE_CHUNK) {
      const size = Math.min(ENQUEUE_CHUNK, jobCount - offset);
      await boss.insert(Array.from({ length: size }, () => ({ name: QUEUE, data: {} })));
    }
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;

    let processed = 0;
    let lastAt = performance.now();
    const processStart = performance.now();
    for (let index = 0; index < WORKERS; index++) {
      await boss.work(
        QUEUE,
        { batchSize, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
        // eslint-disable-next-line @typescript-eslint/require-await -- pg-boss expects a promise.
        async (jobs) => {
          processed += jobs.length;
          lastAt = performance.now();
        },
      );
    }
    const done = await waitUntil(() => processed >= jobCount, Date.now() + timeLimitMs);
    throwFirst(errors);
    return {
      enqueued: jobCount,
      processed,
      enqueueSeconds,
      processSeconds: ((done ? lastAt : performance.now()) - processStart) / 1000,
      timedOut: !done,
    };
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await dropOwnSchema(schema);
  }
}

async function runLateness(scheduleCount: number, timeLimitMs: number): Promise<LatenessResult> {
  const schema = uniqueName('bench_pgbosscron');
  const { boss, errors } = createBoss(schema);
  const names = Array.from({ length: scheduleCount }, (_, index) => `cron-${index}`);
  const lateMs: number[] = [];
  try {
    await boss.start();
    for (const name of names) await boss.createQueue(name);
    // The schedule names a single minute of the hour. pg-boss sends a cron job when the cron's
    // previous tick is less than 60 s old, so a `* * * * *` schedule would also fire for the
    // tick before its creation. At the measured tick both forms behave the same.
    const fireAt = nextMinuteBoundary(Date.now() + MIN_SCHEDULE_LEAD_MS);
    const cron = `${new Date(fireAt).getUTCMinutes()} * * * *`;
    for (const name of names) await boss.schedule(name, cron, {}, { tz: 'UTC' });
    for (const name of names) {
      // eslint-disable-next-line @typescript-eslint/require-await -- pg-boss expects a promise.
      await boss.work(name, async (jobs) => {
        const startedAt = Date.now();
        for (let index = 0; index < jobs.length; index++) lateMs.push(startedAt - fireAt);
      });
    }
    await waitUntil(() => lateMs.length >= scheduleCount, fireAt + timeLimitMs);
    throwFirst(errors);
    return {
      schedules: scheduleCount,
      fireInstants: 1,
      lateMs: [...lateMs],
      missing: Math.max(0, scheduleCount - lateMs.length),
    };
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await dropOwnSchema(schema);
  }
}

function throughputScenario(batchSize: number): ThroughputScenario {
  return {
    settings:
      `${WORKERS} work() loops, batchSize ${batchSize}, ` +
      `pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS}`,
    run: (jobCount, timeLimitMs) => runThroughput(batchSize, jobCount, timeLimitMs),
  };
}

export const pgBoss: SchedulerSubject = {
  system: 'pg-boss',
  label: `pg-boss ${VERSION}`,
  throughput: throughputScenario(100),
  lateness: {
    settings:
      'one queue, schedule and default work() (batchSize 1, polling 2 s) per schedule; ' +
      'default cron intervals (monitor 30 s, send worker 5 s with batches of 50)',
    run: runLateness,
  },
};

export const pgBossLargeBatch: SchedulerSubject = {
  system: 'pg-boss',
  label: `pg-boss ${VERSION} (batchSize 1000)`,
  throughput: throughputScenario(1_000),
};
