// A schedule that parses but never fires (April has no 31st) through the controller: one
// InvalidSchedule warning, no Job, and no wake-up left on the queue.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob } from '../../../src/api/types.js';
import {
  eventsAbout,
  helloCronJob,
  pendingWakeUp,
  runUntil,
  storedJobNames,
  withController,
} from './controller-harness.js';

const KEY = 'default/april';
const INVALID =
  'Warning InvalidSchedule: invalid schedule: 0 0 31 4 * : time difference between two schedules is less than 1 second';

void describe('schedule that never fires', () => {
  void test('created with it: one warning', async () => {
    await withController('2024-03-04T10:00:00Z', async (harness) => {
      await harness.store.create(
        helloCronJob('april', { schedule: '0 0 31 4 *' }),
        harness.clock.now(),
      );
      await harness.controller.start();
      await harness.controller.queue.idle();

      assert.equal(pendingWakeUp(harness, KEY), undefined);
      assert.equal(harness.clock.pendingTimers(), 0);
      await runUntil(harness, KEY, '2025-05-01T00:00:00Z');
      assert.deepEqual(await storedJobNames(harness), []);
      assert.deepEqual(await eventsAbout(harness, 'april'), [
        { first: '2024-03-04T10:00:00Z', line: INVALID, count: 1 },
      ]);
    });
  });

  void test('changed to it: warns at once', async () => {
    await withController('2024-03-04T10:00:00Z', async (harness) => {
      const { store, controller } = harness;
      await store.create(helloCronJob('april', { schedule: '0 * * * *' }), harness.clock.now());
      await controller.start();
      await controller.queue.idle();
      assert.equal(pendingWakeUp(harness, KEY), '2024-03-04T11:00:00Z');

      harness.clock.set('2024-03-04T10:20:00Z');
      const cronJob = await store.get<CronJob>('CronJob', 'default', 'april');
      cronJob.spec.schedule = '0 0 31 4 *';
      await store.update(cronJob);
      await controller.queue.idle();

      assert.deepEqual(await eventsAbout(harness, 'april'), [
        { first: '2024-03-04T10:20:00Z', line: INVALID, count: 1 },
      ]);
      assert.equal(pendingWakeUp(harness, KEY), undefined);
      assert.deepEqual(await storedJobNames(harness), []);
    });
  });
});
