// concurrencyPolicy Forbid through the controller and its work queue. A Job that runs from 02:00
// to 04:30 blocks every activation until then, and the most recent one starts once it finishes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CronJob, Job } from '../../../src/api/types.js';
import {
  eventsAbout,
  finishStoredJob,
  helloCronJob,
  pendingWakeUp,
  runUntil,
  storedJobNames,
  withController,
} from './controller-harness.js';

const KEY = 'default/hello';
const TOO_MANY_MISSED =
  'Warning TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew';
const ALREADY_ACTIVE =
  'Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid';

void test('Forbid holds runs until the Job finishes', async () => {
  await withController('2024-03-04T01:59:30Z', async (harness) => {
    const { store, controller } = harness;
    await store.create(
      helloCronJob('hello', { schedule: '* * * * *', concurrencyPolicy: 'Forbid' }),
      harness.clock.now(),
    );
    await controller.start();
    await controller.queue.idle();
    assert.equal(pendingWakeUp(harness, KEY), '2024-03-04T02:00:00Z');

    await runUntil(harness, KEY, '2024-03-04T02:00:00Z');
    assert.deepEqual(await storedJobNames(harness), ['hello-28491960']);

    // 150 activations (02:01 ... 04:30) find the 02:00 Job running. lastScheduleTime stays
    // 02:00, so from 03:41 on more than 100 activations count as missed and each sync also warns.
    await runUntil(harness, KEY, '2024-03-04T04:30:00Z');
    assert.deepEqual(await storedJobNames(harness), ['hello-28491960']);
    assert.deepEqual(await eventsAbout(harness, 'hello'), [
      {
        first: '2024-03-04T02:00:00Z',
        line: 'Normal SuccessfulCreate: Created job hello-28491960',
        count: 1,
      },
      { first: '2024-03-04T02:01:00Z', line: ALREADY_ACTIVE, count: 150 },
      { first: '2024-03-04T03:41:00Z', line: TOO_MANY_MISSED, count: 50 },
    ]);

    // The Job finishes at 04:30:00, after that minute's sync. Its update wakes the CronJob,
    // which starts the 04:30 run.
    await finishStoredJob(harness, 'hello-28491960');
    assert.deepEqual(await storedJobNames(harness), ['hello-28491960', 'hello-28492110']);
    assert.deepEqual((await eventsAbout(harness, 'hello')).slice(2), [
      { first: '2024-03-04T03:41:00Z', line: TOO_MANY_MISSED, count: 51 },
      {
        first: '2024-03-04T04:30:00Z',
        line: 'Normal SawCompletedJob: Saw completed job: hello-28491960, condition: Complete',
        count: 1,
      },
      {
        first: '2024-03-04T04:30:00Z',
        line: 'Normal SuccessfulCreate: Created job hello-28492110',
        count: 1,
      },
    ]);
    assert.equal(pendingWakeUp(harness, KEY), '2024-03-04T04:31:00Z');

    // Each later Job finishes within its minute, so every activation runs.
    await runUntil(harness, KEY, '2024-03-04T04:30:30Z');
    await finishStoredJob(harness, 'hello-28492110');
    await runUntil(harness, KEY, '2024-03-04T04:31:30Z');
    await finishStoredJob(harness, 'hello-28492111');
    await runUntil(harness, KEY, '2024-03-04T04:32:00Z');
    assert.deepEqual(await storedJobNames(harness), [
      'hello-28491960',
      'hello-28492110',
      'hello-28492111',
      'hello-28492112',
    ]);

    const cronJob = await store.get<CronJob>('CronJob', 'default', 'hello');
    const lastJob = await store.get<Job>('Job', 'default', 'hello-28492112');
    assert.deepEqual(cronJob.status, {
      active: [
        {
          kind: 'Job',
          namespace: 'default',
          name: 'hello-28492112',
          uid: lastJob.metadata.uid,
          apiVersion: 'batch/v1',
          resourceVersion: lastJob.metadata.resourceVersion,
        },
      ],
      lastScheduleTime: '2024-03-04T04:32:00Z',
      lastSuccessfulTime: '2024-03-04T04:31:30Z',
    });
    const alreadyActive = (await eventsAbout(harness, 'hello')).filter(
      (event) => event.line === ALREADY_ACTIVE,
    );
    assert.deepEqual(alreadyActive, [
      { first: '2024-03-04T02:01:00Z', line: ALREADY_ACTIVE, count: 150 },
    ]);
  });
});
