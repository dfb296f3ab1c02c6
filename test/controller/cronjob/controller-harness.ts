import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CronJob, Event, Job } from '../../../src/api/types.js';
import { CronJobController } from '../../../src/controller/cronjob/controller.js';
import { StoreEventRecorder } from '../../../src/controller/events.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/store.js';
import { FakeClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { iso } from './fixtures.js';

export const NAMESPACE = 'default';

/** A CronJobController on a real SQLite store, driven by a fake clock. */
export interface ControllerHarness {
  store: Store;
  clock: FakeClock;
  controller: CronJobController;
}

/**
 * Runs `body` with a fresh store, a clock at `start` and a controller that `body` starts.
 * Stops the controller and removes the data afterwards, also when `body` fails.
 */
export async function withController(
  start: string,
  body: (harness: ControllerHarness) => Promise<void>,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-cronjob-controller-'));
  const clock = new FakeClock(start);
  const store = await openStore({ dataDir, clock });
  const controller = new CronJobController({
    store,
    clock,
    recorder: new StoreEventRecorder(store, clock, 'cronjob-controller'),
    logger: silentLogger,
    createJob: (job, now) => store.create(job, now),
    defaultDstPolicy: 'kubernetes',
  });
  try {
    await body({ store, clock, controller });
  } finally {
    await controller.stop();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Returns a CronJob in the default namespace running `busybox date`. */
export function helloCronJob(name: string, spec: Partial<CronJob['spec']>): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [{ name: 'hello', image: 'busybox', command: ['date'] }],
            },
          },
        },
      },
      ...spec,
    },
  };
}

// Bounds the number of wake-ups one `runUntil` may process, so a requeue loop fails the test.
const MAX_WAKE_UPS = 10_000;

/**
 * Moves the clock to `target` one queue wake-up at a time, waiting for each reconcile before
 * the next, as real time would pass.
 */
export async function runUntil(
  harness: ControllerHarness,
  key: string,
  target: string,
): Promise<void> {
  const end = Date.parse(target);
  for (let wakeUps = 0; ; wakeUps++) {
    if (wakeUps >= MAX_WAKE_UPS)
      throw new Error(`more than ${MAX_WAKE_UPS} wake-ups before ${target}`);
    const next = harness.controller.queue.pendingAt(key);
    if (next === undefined || next > end) break;
    harness.clock.set(next);
    await harness.controller.queue.idle();
  }
  harness.clock.set(end);
  await harness.controller.queue.idle();
}

/** Returns the pending wake-up of `key` as RFC 3339, or undefined when none is pending. */
export function pendingWakeUp(harness: ControllerHarness, key: string): string | undefined {
  const at = harness.controller.queue.pendingAt(key);
  return at === undefined ? undefined : iso(at);
}

/** Marks the stored Job finished with `type` at the clock's current instant. */
export async function finishStoredJob(
  harness: ControllerHarness,
  name: string,
  type: 'Complete' | 'Failed' = 'Complete',
): Promise<void> {
  const job = await harness.store.get<Job>('Job', NAMESPACE, name);
  const now = iso(harness.clock.now());
  job.status = {
    ...job.status,
    conditions: [{ type, status: 'True', lastTransitionTime: now }],
    ...(type === 'Complete' ? { completionTime: now, succeeded: 1 } : { failed: 1 }),
  };
  await harness.store.update(job);
  await harness.controller.queue.idle();
}

export async function storedJobNames(harness: ControllerHarness): Promise<string[]> {
  const jobs = await harness.store.list<Job>('Job', { namespace: NAMESPACE });
  return jobs.map((job) => job.metadata.name).sort();
}

/** One stored Event in a comparable shape. */
export interface EventSummary {
  /** `firstTimestamp` of the Event. */
  first: string | undefined;
  /** `Type Reason: message`. */
  line: string;
  count: number | undefined;
}

/**
 * Returns the stored Events about `name`, by first timestamp and then by line. Events of one
 * second have no stored order, so the line breaks the tie.
 */
export async function eventsAbout(
  harness: ControllerHarness,
  name: string,
): Promise<EventSummary[]> {
  const events = await harness.store.list<Event>('Event', { namespace: NAMESPACE });
  const summaries = events
    .filter((event) => event.involvedObject.name === name)
    .map((event) => ({
      first: event.firstTimestamp,
      line: `${event.type} ${event.reason}: ${event.message}`,
      count: event.count,
    }));
  return summaries.sort(
    (a, b) => (a.first ?? '').localeCompare(b.first ?? '') || a.line.localeCompare(b.line),
  );
}
