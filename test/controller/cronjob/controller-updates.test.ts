// How CronJob updates reach the work queue. Port of TestControllerV2UpdateCronJob
// (pkg/controller/cronjob/cronjob_controllerv2_test.go @ 1c9cf914f2f951313b8e9f7c321f5bd50b5e3d9f).
// A schedule or time zone change requeues for the new schedule's next activation, and an earlier
// pending wake-up wins. Any other change syncs at once. Upstream reads the delay handed to a fake
// queue, so these tests read the real queue's pending wake-up instead.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob, CronJobSpec } from '../../../src/api/types.js';
import type { ControllerHarness } from './controller-harness.js';
import {
  eventsAbout,
  helloCronJob,
  pendingWakeUp,
  runUntil,
  storedJobNames,
  withController,
} from './controller-harness.js';
import { MINUTE, at, finishJob, iso } from './fixtures.js';

const KEY = 'default/hello';

/** Stores hello with `spec`, last scheduled at `lastScheduleTime`, and starts the controller. */
async function startWith(
  harness: ControllerHarness,
  spec: Partial<CronJobSpec>,
  lastScheduleTime: string,
): Promise<void> {
  const cronJob = helloCronJob('hello', spec);
  cronJob.status = { lastScheduleTime };
  await harness.store.create(cronJob, at('2016-05-19T08:00:00Z'));
  await harness.controller.start();
  await harness.controller.queue.idle();
}

async function changeSpec(
  harness: ControllerHarness,
  change: (spec: CronJobSpec) => void,
): Promise<void> {
  const cronJob = await harness.store.get<CronJob>('CronJob', 'default', 'hello');
  change(cronJob.spec);
  await harness.store.update(cronJob);
  await harness.controller.queue.idle();
}

void describe('CronJob update handling', () => {
  void test('schedule change brings the wake-up forward', async () => {
    await withController('2016-05-19T09:59:59Z', async (harness) => {
      await startWith(harness, { schedule: '30 * * * *' }, '2016-05-19T09:59:00Z');
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:30:00Z');

      await changeSpec(harness, (spec) => (spec.schedule = '*/1 * * * *'));
      // 1 s after 09:59:59. Upstream expects 1.1 s, because it adds 100 ms to every requeue.
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:00:00Z');
    });
  });

  void test('@every cadence increase', async () => {
    await withController('2016-05-19T09:59:59Z', async (harness) => {
      await startWith(harness, { schedule: '@every 3m' }, '2016-05-19T09:59:00Z');
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:02:00Z');

      await changeSpec(harness, (spec) => (spec.schedule = '@every 1m'));
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:00:00Z');
    });
  });

  void test('@every cadence decrease keeps the earlier wake-up', async () => {
    await withController('2016-05-19T09:59:59Z', async (harness) => {
      await startWith(harness, { schedule: '@every 1m' }, '2016-05-19T09:59:00Z');
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:00:00Z');

      // Upstream computes 2m1.1s (2m1s without its 100 ms); the queue keeps the earlier
      // 10:00:00, whose sync finds nothing due and moves on to 10:02:00.
      await changeSpec(harness, (spec) => (spec.schedule = '@every 3m'));
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:00:00Z');
      await runUntil(harness, KEY, '2016-05-19T10:00:00Z');
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:02:00Z');
      assert.deepEqual(await storedJobNames(harness), []);
    });
  });

  void test('time zone removal moves the wake-up to UTC hours', async () => {
    await withController('2016-05-19T09:59:59Z', async (harness) => {
      // Hourly in Asia/Kolkata (UTC+05:30) fires at half past each UTC hour.
      const spec = { schedule: '0 * * * *', timeZone: 'Asia/Kolkata' };
      await startWith(harness, spec, '2016-05-19T09:30:00Z');
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:30:00Z');

      await changeSpec(harness, (changed) => delete changed.timeZone);
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:00:00Z');
    });
  });

  void test('unparseable new schedule warns and keeps the wake-up', async () => {
    await withController('2016-05-19T09:59:59Z', async (harness) => {
      await startWith(harness, { schedule: '30 * * * *' }, '2016-05-19T09:59:00Z');

      await changeSpec(harness, (spec) => (spec.schedule = '61 * * * *'));
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:30:00Z');
      assert.deepEqual(await eventsAbout(harness, 'hello'), [
        {
          first: '2016-05-19T09:59:59Z',
          line: 'Warning UnParseableCronJobSchedule: unparseable schedule for cronjob: 61 * * * *',
          count: 1,
        },
      ]);
    });
  });

  void test('other change syncs at once', async () => {
    await withController('2016-05-19T09:59:59Z', async (harness) => {
      const { store } = harness;
      const cronJob = helloCronJob('hello', {
        schedule: '30 * * * *',
        successfulJobsHistoryLimit: 5,
      });
      cronJob.status = { lastScheduleTime: '2016-05-19T09:30:00Z' };
      const stored = await store.create(cronJob, at('2016-05-19T08:00:00Z'));
      for (const name of ['hello-1', 'hello-2']) {
        const job = finishJob(
          {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: {
              name,
              namespace: 'default',
              ownerReferences: [
                {
                  apiVersion: 'batch/v1',
                  kind: 'CronJob',
                  name: 'hello',
                  uid: stored.metadata.uid ?? '',
                  controller: true,
                },
              ],
            },
            spec: structuredClone(cronJob.spec.jobTemplate.spec),
            status: {
              startTime: iso(at('2016-05-19T08:00:00Z') + Number(name.slice(-1)) * MINUTE),
            },
          },
          'Complete',
          at('2016-05-19T09:00:00Z'),
        );
        await store.create(job, at('2016-05-19T08:00:00Z'));
      }
      await harness.controller.start();
      await harness.controller.queue.idle();
      assert.deepEqual(await storedJobNames(harness), ['hello-1', 'hello-2']);

      // Lowering the history limit is not a schedule change: the cleanup runs now.
      await changeSpec(harness, (spec) => (spec.successfulJobsHistoryLimit = 1));
      assert.deepEqual(await storedJobNames(harness), ['hello-2']);
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:30:00Z');
    });
  });

  void test('deleted CronJob leaves no wake-up', async () => {
    await withController('2016-05-19T09:59:59Z', async (harness) => {
      await startWith(harness, { schedule: '30 * * * *' }, '2016-05-19T09:59:00Z');
      assert.equal(pendingWakeUp(harness, KEY), '2016-05-19T10:30:00Z');

      await harness.store.delete('CronJob', 'default', 'hello');
      await harness.controller.queue.idle();
      assert.equal(pendingWakeUp(harness, KEY), undefined);
      assert.equal(harness.clock.pendingTimers(), 0);
    });
  });
});
