import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../src/api/types.js';
import { JobController, POD_EVENT_BATCH_MS } from '../../../src/controller/job/controller.js';
import { silentLogger } from '../../../src/util/logger.js';
import type { Harness } from './harness.js';
import {
  SECOND,
  claim,
  createJob,
  finish,
  newJob,
  podsOf,
  readJob,
  withHarness,
} from './harness.js';

/** Starts a JobController on the harness and waits until its first reconciles are done. */
async function startController(harness: Harness): Promise<JobController> {
  const controller = new JobController({
    store: harness.store,
    clock: harness.clock,
    recorder: harness.recorder,
    logger: silentLogger,
  });
  await controller.start();
  await controller.queue.idle();
  return controller;
}

/** Plays the worker: claims the newest pod of `job` and fails it at the current instant. */
async function failLatest(harness: Harness, job: Job): Promise<void> {
  const latest = (await podsOf(harness, job)).at(-1);
  assert.ok(latest);
  await claim(harness, latest);
  await finish(harness, latest, 'Failed');
}

/**
 * Moves the fake clock and waits until the reconciles it triggered are done. A reconcile reads
 * the clock when it starts but schedules its requeue after it ends, so tests advance in steps that
 * end at each timer they want to observe.
 */
async function advance(harness: Harness, controller: JobController, ms: number): Promise<void> {
  harness.clock.advance(ms);
  await controller.queue.idle();
}

void describe('replacement pod back-off', () => {
  void it('waits 10 s doubling up to 600 s', () =>
    withHarness(async (harness) => {
      const controller = await startController(harness);
      try {
        const job = await createJob(harness, newJob('job', { backoffLimit: 10 }));
        await controller.queue.idle();
        assert.equal((await podsOf(harness, job)).length, 1);

        const measured: number[] = [];
        for (let failures = 1; failures <= 8; failures++) {
          await failLatest(harness, job);
          const failedAt = harness.clock.now();

          // The controller sees the pod update after the batching delay, then waits out the back-off.
          await advance(harness, controller, POD_EVENT_BATCH_MS);
          const delay = Math.min(10 * SECOND * 2 ** (failures - 1), 600 * SECOND);
          await advance(harness, controller, delay - POD_EVENT_BATCH_MS - 1);
          assert.equal(
            (await podsOf(harness, job)).length,
            failures,
            `no pod 1 ms before ${delay} ms`,
          );

          await advance(harness, controller, 1);
          assert.equal((await podsOf(harness, job)).length, failures + 1, `a pod at ${delay} ms`);
          measured.push((harness.clock.now() - failedAt) / SECOND);
        }
        assert.deepEqual(measured, [10, 20, 40, 80, 160, 320, 600, 600]);

        const synced = await readJob(harness, 'job');
        assert.equal(synced.status?.failed, 8);
        assert.equal(synced.status?.active, 1);
      } finally {
        await controller.stop();
      }
    }));

  void it('restarts the count after a success', () =>
    withHarness(async (harness) => {
      const controller = await startController(harness);
      try {
        const job = await createJob(harness, newJob('job', { completions: 3, backoffLimit: 10 }));
        await controller.queue.idle();

        // Two failures: the second replacement waits 20 s.
        for (const wait of [10 * SECOND, 20 * SECOND]) {
          await failLatest(harness, job);
          await advance(harness, controller, POD_EVENT_BATCH_MS);
          await advance(harness, controller, wait - POD_EVENT_BATCH_MS);
        }
        assert.equal((await podsOf(harness, job)).length, 3);

        // A success ends the back-off, so the next pod needs no wait.
        const third = (await podsOf(harness, job)).at(-1);
        assert.ok(third);
        await claim(harness, third);
        await finish(harness, third, 'Succeeded');
        await advance(harness, controller, POD_EVENT_BATCH_MS);
        assert.equal((await podsOf(harness, job)).length, 4);

        // The first failure after the success waits 10 s again.
        await failLatest(harness, job);
        await advance(harness, controller, POD_EVENT_BATCH_MS);
        await advance(harness, controller, 10 * SECOND - POD_EVENT_BATCH_MS - 1);
        assert.equal((await podsOf(harness, job)).length, 4);
        await advance(harness, controller, 1);
        assert.equal((await podsOf(harness, job)).length, 5);
      } finally {
        await controller.stop();
      }
    }));
});
