// BullMQ on the local Redis: addBulk then a Worker for throughput, and job schedulers that fire
// every second from a common start instant for lateness. Each run uses its own key prefix and
// obliterates its queue at the end.

import { createRequire } from 'node:module';

import { Queue, Worker } from 'bullmq';
import type { Job } from 'bullmq';

import { REDIS_HOST, REDIS_PORT, uniqueName, waitUntil } from './local-services.js';
import type { LatenessResult, SchedulerSubject, ThroughputResult } from './subject.js';

const require = createRequire(import.meta.url);
const VERSION = (require('bullmq/package.json') as { version: string }).version;
const CONCURRENCY = 32;
const ENQUEUE_CHUNK = 1_000;
const JOB_NAME = 'noop';
/** The schedulers fire every second; the run measures this many consecutive fires. */
const MEASURED_FIRES = 10;
const EVERY_MS = 1_000;
/** Time between starting to create the schedulers and their first fire. */
const SCHEDULER_LEAD_MS = 5_000;

// BullMQ requires maxRetriesPerRequest null for the blocking connections of a Worker.
const connection = { host: REDIS_HOST, port: REDIS_PORT, maxRetriesPerRequest: null };

/** Returns the queue name and the Redis key prefix of one run. */
function runNames(kind: string): { queueName: string; prefix: string } {
  const name = uniqueName(`bench_bullmq${kind}`);
  return { queueName: name, prefix: `cronmesh-bench-${name}` };
}

async function removeQueue(queue: Queue): Promise<void> {
  await queue.obliterate({ force: true });
  await queue.close();
}

async function runThroughput(jobCount: number, timeLimitMs: number): Promise<ThroughputResult> {
  const { queueName, prefix } = runNames('');
  const queue = new Queue(queueName, { connection, prefix });
  let worker: Worker | undefined;
  try {
    const enqueueStart = performance.now();
    for (let offset = 0; offset < jobCount; offset += ENQUEUE_CHUNK) {
      const size = Math.min(ENQUEUE_CHUNK, jobCount - offset);
      await queue.addBulk(
        Array.from({ length: size }, () => ({
          name: JOB_NAME,
          data: {},
          opts: { removeOnComplete: true },
        })),
      );
    }
    const enqueueSeconds = (performance.now() - enqueueStart) / 1000;

    let processed = 0;
    let lastAt = performance.now();
    const processStart = performance.now();
    worker = new Worker(
      queueName,
      // eslint-disable-next-line @typescript-eslint/require-await -- BullMQ expects a promise.
      async () => {
        processed++;
        lastAt = performance.now();
      },
      { connection, prefix, concurrency: CONCURRENCY },
    );
    const done = await waitUntil(() => processed >= jobCount, Date.now() + timeLimitMs);
    return {
      enqueued: jobCount,
      processed,
      enqueueSeconds,
      processSeconds: ((done ? lastAt : performance.now()) - processStart) / 1000,
      timedOut: !done,
    };
  } finally {
    await worker?.close();
    await removeQueue(queue);
  }
}

/** Returns the scheduled instant of a job scheduler's job from its id, `repeat:ID:MILLIS`. */
function scheduledInstantOf(job: Job): number {
  return Number(job.id?.slice(job.id.lastIndexOf(':') + 1));
}

async function runLateness(scheduleCount: number, timeLimitMs: number): Promise<LatenessResult> {
  const { queueName, prefix } = runNames('cron');
  const queue = new Queue(queueName, { connection, prefix });
  let worker: Worker | undefined;
  const firstFire = Math.ceil((Date.now() + SCHEDULER_LEAD_MS) / EVERY_MS) * EVERY_MS;
  const lastFire = firstFire + (MEASURED_FIRES - 1) * EVERY_MS;
  const lateMs: number[] = [];
  try {
    worker = new Worker(
      queueName,
      // eslint-disable-next-line @typescript-eslint/require-await -- BullMQ expects a promise.
      async (job) => {
        const startedAt = Date.now();
        const scheduledAt = scheduledInstantOf(job);
        if (scheduledAt >= firstFire && scheduledAt <= lastFire) {
          lateMs.push(startedAt - scheduledAt);
        }
      },
      { connection, prefix, concurrency: CONCURRENCY },
    );
    for (let index = 0; index < scheduleCount; index++) {
      await queue.upsertJobScheduler(
        `bench-${index}`,
        { every: EVERY_MS, startDate: firstFire },
        { name: JOB_NAME, data: {}, opts: { removeOnComplete: true } },
      );
    }
    if (Date.now() >= firstFire) {
      throw new Error(
        `creating ${scheduleCount} job schedulers took longer than ${SCHEDULER_LEAD_MS} ms, ` +
          'so their first fire was in the past',
      );
    }
    const expected = scheduleCount * MEASURED_FIRES;
    await waitUntil(() => lateMs.length >= expected, lastFire + timeLimitMs);
    return {
      schedules: scheduleCount,
      fireInstants: MEASURED_FIRES,
      lateMs: [...lateMs],
      missing: Math.max(0, expected - lateMs.length),
    };
  } finally {
    await worker?.close();
    await removeQueue(queue);
  }
}

export const bullmq: SchedulerSubject = {
  system: 'bullmq',
  label: `BullMQ ${VERSION}`,
  throughput: {
    settings: `Worker concurrency ${CONCURRENCY}, removeOnComplete`,
    run: runThroughput,
  },
  lateness: {
    settings:
      `upsertJobScheduler every ${EVERY_MS} ms from a common startDate, ${MEASURED_FIRES} fires ` +
      `measured, Worker concurrency ${CONCURRENCY}`,
    run: runLateness,
  },
};
