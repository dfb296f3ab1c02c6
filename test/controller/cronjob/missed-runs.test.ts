// Missed activations. Only the most recent one runs, startingDeadlineSeconds bounds how late it
// may start, and more than 100 missed activations warn without stopping the run.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob } from '../../../src/api/types.js';
import type { ControllerHarness } from './controller-harness.js';
import {
  eventsAbout,
  helloCronJob,
  pendingWakeUp,
  runUntil,
  storedJobNames,
  withController,
} from './controller-harness.js';
import { at, jobNames, newCronJob, syncAt, withHarness } from './fixtures.js';

const KEY = 'default/hello';
const TOO_MANY_MISSED =
  'Warning TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew';

async function storeHello(
  harness: ControllerHarness,
  spec: Partial<CronJob['spec']>,
  lastScheduleTime?: string,
): Promise<void> {
  const cronJob = helloCronJob('hello', spec);
  if (lastScheduleTime) cronJob.status = { lastScheduleTime };
  await harness.store.create(cronJob, at('2024-03-01T00:00:00Z'));
}

void describe('controller back after downtime', () => {
  void test('only the latest activation runs', async () => {
    await withController('2024-03-04T08:42:17Z', async (harness) => {
      const spec = { schedule: '*/10 * * * *', startingDeadlineSeconds: 3600 };
      await storeHello(harness, spec, '2024-03-04T08:10:00Z');
      await harness.controller.start();
      await harness.controller.queue.idle();

      // 08:20 and 08:30 are dropped without an event, and 08:40 runs.
      assert.deepEqual(await storedJobNames(harness), ['hello-28492360']);
      assert.deepEqual(await eventsAbout(harness, 'hello'), [
        {
          first: '2024-03-04T08:42:17Z',
          line: 'Normal SuccessfulCreate: Created job hello-28492360',
          count: 1,
        },
      ]);
      // 8m0.1s minus the 17 s past 08:42.
      assert.equal(harness.controller.queue.pendingAt(KEY), at('2024-03-04T08:42:17Z') + 463_000);
      assert.equal(pendingWakeUp(harness, KEY), '2024-03-04T08:50:00Z');

      await runUntil(harness, KEY, '2024-03-04T08:50:00Z');
      assert.deepEqual(await storedJobNames(harness), ['hello-28492360', 'hello-28492370']);
    });
  });
});

void describe('resume after a week suspended', () => {
  async function suspendedSinceLastWeek(
    harness: ControllerHarness,
    startingDeadlineSeconds?: number,
  ): Promise<void> {
    const spec: Partial<CronJob['spec']> = { schedule: '0 * * * *', suspend: true };
    if (startingDeadlineSeconds !== undefined)
      spec.startingDeadlineSeconds = startingDeadlineSeconds;
    await storeHello(harness, spec, '2024-03-04T10:00:00Z');
    await harness.controller.start();
    await harness.controller.queue.idle();
    // Suspended: no wake-up until something changes.
    assert.equal(pendingWakeUp(harness, KEY), undefined);

    harness.clock.set('2024-03-11T10:20:00Z');
    const cronJob = await harness.store.get<CronJob>('CronJob', 'default', 'hello');
    cronJob.spec.suspend = false;
    await harness.store.update(cronJob);
    await harness.controller.queue.idle();
  }

  void test('no deadline: 10:00 runs at once', async () => {
    await withController('2024-03-11T10:19:00Z', async (harness) => {
      await suspendedSinceLastWeek(harness);
      assert.deepEqual(await storedJobNames(harness), ['hello-28502520']);
      // 168 hourly activations were missed, so the sync warns, and the latest still runs.
      assert.deepEqual(await eventsAbout(harness, 'hello'), [
        {
          first: '2024-03-11T10:20:00Z',
          line: 'Normal SuccessfulCreate: Created job hello-28502520',
          count: 1,
        },
        { first: '2024-03-11T10:20:00Z', line: TOO_MANY_MISSED, count: 1 },
      ]);
      assert.equal(pendingWakeUp(harness, KEY), '2024-03-11T11:00:00Z');
    });
  });

  void test('600 s deadline: waits for 11:00', async () => {
    await withController('2024-03-11T10:19:00Z', async (harness) => {
      await suspendedSinceLastWeek(harness, 600);
      assert.deepEqual(await storedJobNames(harness), []);
      assert.deepEqual(await eventsAbout(harness, 'hello'), []);
      assert.equal(pendingWakeUp(harness, KEY), '2024-03-11T11:00:00Z');

      await runUntil(harness, KEY, '2024-03-11T11:00:00Z');
      assert.deepEqual(await storedJobNames(harness), ['hello-28502580']);
      assert.deepEqual(await eventsAbout(harness, 'hello'), [
        {
          first: '2024-03-11T11:00:00Z',
          line: 'Normal SuccessfulCreate: Created job hello-28502580',
          count: 1,
        },
      ]);
    });
  });
});

void describe('TooManyMissedTimes threshold', () => {
  const cases = [
    {
      name: '100 missed hourly runs do not warn',
      now: '2024-03-08T13:00:00Z',
      job: 'mycronjob-28498380',
      warns: false,
    },
    {
      name: '101 missed hourly runs warn',
      now: '2024-03-08T14:00:00Z',
      job: 'mycronjob-28498440',
      warns: true,
    },
  ];
  for (const row of cases) {
    void test(row.name, async () => {
      await withHarness(at(row.now), async (harness) => {
        const cronJob = newCronJob({ schedule: '0 * * * *' }, at('2024-03-04T08:00:00Z'));
        cronJob.status = { lastScheduleTime: '2024-03-04T09:00:00Z' };
        await harness.store.create(cronJob, at('2024-03-04T08:00:00Z'));

        const result = await syncAt(harness, at(row.now));
        assert.deepEqual(harness.events.lines(), [
          ...(row.warns ? [TOO_MANY_MISSED] : []),
          `Normal SuccessfulCreate: Created job ${row.job}`,
        ]);
        assert.deepEqual(await jobNames(harness), [row.job]);
        assert.equal(result.requeueAfterMs, 3_600_000);
      });
    });
  }
});

void describe('@every 1h', () => {
  void test('created at 08:59 fires at 09:59 and 10:59', async () => {
    await withController('2024-03-04T08:59:00Z', async (harness) => {
      await harness.store.create(
        helloCronJob('hello', { schedule: '@every 1h' }),
        harness.clock.now(),
      );
      await harness.controller.start();
      await harness.controller.queue.idle();
      assert.equal(pendingWakeUp(harness, KEY), '2024-03-04T09:59:00Z');

      await runUntil(harness, KEY, '2024-03-04T09:59:00Z');
      assert.deepEqual(await storedJobNames(harness), ['hello-28492439']);
      assert.equal(pendingWakeUp(harness, KEY), '2024-03-04T10:59:00Z');

      await runUntil(harness, KEY, '2024-03-04T10:59:00Z');
      assert.deepEqual(await storedJobNames(harness), ['hello-28492439', 'hello-28492499']);
      assert.equal(pendingWakeUp(harness, KEY), '2024-03-04T11:59:00Z');
    });
  });
});
