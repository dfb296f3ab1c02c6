// graphile-worker on the local PostgreSQL: bulk addJobs then a runner with a no-op task, with and
// without its local queue, and a crontab of every-minute entries. Each run uses a schema of its
// own and drops it at the end.

import { createRequire } from 'node:module';

import { Logger, makeWorkerUtils, parseCronItems, run } from 'graphile-worker';
import type { Runner, RunnerOptions, Task } from 'graphile-worker';

import { nextMinuteBoundary } from '../scale/fire-lag-plan.js';
import { dropOwnSchema, POSTGRES_URL, uniqueName, waitUntil } from './local-services.js';
import type {
  LatenessResult,
  SchedulerSubject,
  ThroughputResult,
  ThroughputScenario,
} from './subject.js';

const VERSION = (
  createRequire(import.meta.url)('graphile-worker/package.json') as { version: string }
).version;
const CONCURRENCY = 32;
/** graphile-worker's advice: a pool of concurrency + 2 connections when that exceeds 10. */
const POOL_SIZE = CONCURRENCY + 2;
const LOCAL_QUEUE_SIZE = 500;
const ENQUEUE_CHUNK = 1_000;
/** Time between the runner being ready and the minute boundary that the lateness run uses. */
const MIN_CRON_LEAD_MS = 5_000;

const silentLogger = new Logger(() => () => undefined);

function baseOptions(schema: string, taskList: RunnerOptions['taskList']): RunnerOptions {
  return {
    connectionString: POSTGRES_URL,
    schema,
    concurrency: CONCURRENCY,
    maxPoolSize: POOL_SIZE,
    noHandleSignals: true,
    logger: silentLogger,
    taskList,
  };
}

function throughputScenario(localQueue: boolean): ThroughputScenario {
  const settings =
    `concurrency ${CONCURRENCY}, pool ${POOL_SIZE}` +
    (localQueue ? `, localQueue.size ${LOCAL_QUEUE_SIZE}` : ', no local queue (default)');
  return {
    settings,
    async run(jobCount: number, timeLimitMs: number): Promise<ThroughputResult> {
      const schema = uniqueName(localQueue ? 'bench_graphilelq' : 'bench_graphile');
      const utils = await makeWorkerUtils({
        connectionString: POSTGRES_URL,
        schema,
        logger: silentLogger,
      });
      let runner: Runner | undefined;
      try {
        await utils.migrate();
        const enqueueStart = performance.now();
        for (let offset = 0; offset < jobCount; offset += ENQUEUE_CHUNK) {
          const size = Math.min(ENQUEUE_CHUNK, jobCount - offset);
          await utils.addJobs(
            Array.from({ length: size }, () => ({ identifier: 'noop', payload: {} })),
          );
        }
        const enqueueSeconds = (performance.now() - enqueueStart) / 1000;

        let processed = 0;
        let lastAt = performance.now();
        const noop: Task = () => {
          processed++;
          lastAt = performance.now();
        };
        const options = baseOptions(schema, { noop });
        if (localQueue) options.preset = { worker: { localQueue: { size: LOCAL_QUEUE_SIZE } } };
        const processStart = performance.now();
        runner = await run(options);
        const done = await waitUntil(() => processed >= jobCount, Date.now() + timeLimitMs);
        return {
          enqueued: jobCount,
          processed,
          enqueueSeconds,
          processSeconds: ((done ? lastAt : performance.now()) - processStart) / 1000,
          timedOut: !done,
        };
      } finally {
        await runner?.stop();
        await utils.release();
        await dropOwnSchema(schema);
      }
    },
  };
}

async function runLateness(scheduleCount: number, timeLimitMs: number): Promise<LatenessResult> {
  const schema = uniqueName('bench_graphilecron');
  const lateByInstant = new Map<number, number[]>();
  const noop: Task = (payload) => {
    const startedAt = Date.now();
    const ts = (payload as { _cron?: { ts?: string } })._cron?.ts;
    const scheduledAt = ts === undefined ? Number.NaN : Date.parse(ts);
    const samples = lateByInstant.get(scheduledAt) ?? [];
    samples.push(startedAt - scheduledAt);
    lateByInstant.set(scheduledAt, samples);
  };
  const cronItems = parseCronItems(
    Array.from({ length: scheduleCount }, (_, index) => ({
      task: 'noop',
      match: '* * * * *',
      identifier: `bench_${index}`,
    })),
  );
  let runner: Runner | undefined;
  try {
    runner = await run({ ...baseOptions(schema, { noop }), parsedCronItems: cronItems });
    // The first tick after the runner is ready could be cut short by its startup, so the run
    // measures the first minute boundary at least MIN_CRON_LEAD_MS away.
    const fireAt = nextMinuteBoundary(Date.now() + MIN_CRON_LEAD_MS);
    const count = (): number => lateByInstant.get(fireAt)?.length ?? 0;
    await waitUntil(() => count() >= scheduleCount, fireAt + timeLimitMs);
    const lateMs = lateByInstant.get(fireAt) ?? [];
    return {
      schedules: scheduleCount,
      fireInstants: 1,
      lateMs: [...lateMs],
      missing: scheduleCount - lateMs.length,
    };
  } finally {
    await runner?.stop();
    await dropOwnSchema(schema);
  }
}

export const graphileWorker: SchedulerSubject = {
  system: 'graphile-worker',
  label: `graphile-worker ${VERSION}`,
  throughput: throughputScenario(false),
  lateness: {
    settings: `crontab of N \`* * * * *\` entries, concurrency ${CONCURRENCY}, no local queue`,
    run: runLateness,
  },
};

export const graphileWorkerLocalQueue: SchedulerSubject = {
  system: 'graphile-worker',
  label: `graphile-worker ${VERSION} (local queue)`,
  throughput: throughputScenario(true),
};
