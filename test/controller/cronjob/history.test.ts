// History cleanup: ports of TestByJobStartTime (pkg/controller/cronjob/utils_test.go
// @ 8921bcdb70d8b3cc58dde1c47adfd68650219e25) and TestControllerV2CleanupFinishedJobs
// (cronjob_controllerv2_test.go @ 1c9cf914f2f951313b8e9f7c321f5bd50b5e3d9f), then the order and
// the API default limits (3 successful, 1 failed) on a real store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob, Job } from '../../../src/api/types.js';
import { byJobStartTime } from '../../../src/controller/cronjob/history.js';
import {
  HOUR,
  MINUTE,
  activeNames,
  activeReference,
  at,
  finishJob,
  jobNames,
  newCronJob,
  ownedJob,
  readCronJob,
  syncAt,
  withHarness,
} from './fixtures.js';
import type { Harness } from './fixtures.js';

function jobStartedAt(name: string, startTime?: string): Job {
  const job = ownedJob(name, at('2018-01-01T00:00:00Z'));
  if (startTime !== undefined) job.status = { startTime };
  return job;
}

void describe('byJobStartTime', () => {
  const aNil = jobStartedAt('a');
  const bNil = jobStartedAt('b');
  const aSet = jobStartedAt('a', '2018-01-01T02:03:04Z');
  const bSet = jobStartedAt('b', '2018-01-01T02:03:04Z');
  const aSetLater = jobStartedAt('a', '2019-01-01T02:03:04Z');

  const cases: Array<{ name: string; input: Job[]; expected: Job[] }> = [
    { name: 'both without start time', input: [bNil, aNil], expected: [aNil, bNil] },
    { name: 'first without start time', input: [aNil, bSet], expected: [bSet, aNil] },
    { name: 'second without start time', input: [aSet, bNil], expected: [aSet, bNil] },
    { name: 'equal start times', input: [bSet, aSet], expected: [aSet, bSet] },
    { name: 'different start times', input: [aSetLater, bSet], expected: [bSet, aSetLater] },
  ];
  for (const row of cases) {
    void test(row.name, () => {
      assert.deepEqual([...row.input].sort(byJobStartTime), row.expected);
    });
  }
});

/** Stores `cronJob` and the Jobs it owns; running Jobs go into `status.active`. */
async function seed(harness: Harness, cronJob: CronJob, jobs: Job[]): Promise<void> {
  const active = [];
  for (const job of jobs) {
    const stored = await harness.store.create(job, at('2016-05-19T08:00:00Z'));
    if (!job.status?.conditions) active.push(activeReference(stored));
  }
  if (active.length > 0) cronJob.status = { ...cronJob.status, active };
  await harness.store.create(cronJob, at('2016-05-19T08:00:00Z'));
}

void describe('history cleanup ported from upstream', () => {
  void test('deletes even when the Job create fails', async () => {
    // As upstream requires, a quota error must not block the cleanup that would free the quota.
    await withHarness(at('2016-05-19T10:01:00Z'), async (harness) => {
      const cronJob = newCronJob({ schedule: '0 * * * ?', successfulJobsHistoryLimit: 1 });
      cronJob.status = { lastScheduleTime: '2016-05-19T09:01:00Z' };
      const hourAgo = finishJob(ownedJob('finished-job-started-hour-ago', 0), 'Complete', 0);
      hourAgo.status = { ...hourAgo.status, startTime: '2016-05-19T08:59:00Z' };
      const minuteAgo = finishJob(ownedJob('finished-job-started-minute-ago', 0), 'Complete', 0);
      minuteAgo.status = { ...minuteAgo.status, startTime: '2016-05-19T09:59:00Z' };
      await seed(harness, cronJob, [hourAgo, minuteAgo]);

      await assert.rejects(
        syncAt(harness, at('2016-05-19T10:01:00Z'), {
          createJob: () => Promise.reject(new Error('quota for # of jobs reached')),
        }),
        { message: 'quota for # of jobs reached' },
      );
      assert.deepEqual(await jobNames(harness), ['finished-job-started-minute-ago']);
      assert.deepEqual(harness.events.lines(), [
        'Normal SuccessfulDelete: Deleted job finished-job-started-hour-ago',
        'Warning FailedCreate: Error creating job: quota for # of jobs reached',
      ]);
    });
  });

  void test('keeps Jobs within the limit', async () => {
    await withHarness(at('2016-05-19T09:59:00Z'), async (harness) => {
      const cronJob = newCronJob({ schedule: '0 * * * ?', successfulJobsHistoryLimit: 2 });
      cronJob.status = { lastScheduleTime: '2016-05-19T09:01:00Z' };
      const hourAgo = finishJob(ownedJob('finished-job-started-hour-ago', 0), 'Complete', 0);
      hourAgo.status = { ...hourAgo.status, startTime: '2016-05-19T08:59:00Z' };
      await seed(harness, cronJob, [hourAgo]);

      await syncAt(harness, at('2016-05-19T09:59:00Z'));
      assert.deepEqual(await jobNames(harness), ['finished-job-started-hour-ago']);
      assert.deepEqual(harness.events.lines(), []);
    });
  });
});

/** Returns a Job that finished at 09:00 as `type`, with `startTime` when given. */
function finished(name: string, type: 'Complete' | 'Failed', startTime?: string): Job {
  const job = finishJob(ownedJob(name, 0), type, at('2016-05-19T08:00:00Z') + HOUR);
  if (startTime !== undefined) job.status = { ...job.status, startTime };
  return job;
}

void describe('history cleanup order and default limits', () => {
  void test('oldest start first, no start time last, ties by name', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      // The API defaults: successfulJobsHistoryLimit 3, failedJobsHistoryLimit 1.
      const cronJob = newCronJob({
        schedule: '0 * * * ?',
        suspend: true,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
      });
      const running = ownedJob('running', 0);
      running.status = { startTime: '2016-05-19T06:00:00Z' };
      await seed(harness, cronJob, [
        finished('ok-e', 'Complete'),
        finished('ok-b', 'Complete', '2016-05-19T08:00:00Z'),
        finished('ok-d', 'Complete'),
        finished('ok-a', 'Complete', '2016-05-19T08:00:00Z'),
        finished('ok-c', 'Complete', '2016-05-19T07:00:00Z'),
        finished('failed-y', 'Failed'),
        finished('failed-x', 'Failed', '2016-05-19T09:00:00Z'),
        running,
      ]);

      await syncAt(harness, at('2016-05-19T09:30:00Z'));
      // Deleted: ok-c (07:00), ok-a (08:00, before ok-b by name), failed-x (has a start time).
      assert.deepEqual(await jobNames(harness), ['failed-y', 'ok-b', 'ok-d', 'ok-e', 'running']);
      assert.deepEqual(await activeNames(harness), ['running']);
      assert.deepEqual(harness.events.lines(), [
        'Normal SuccessfulDelete: Deleted job ok-c',
        'Normal SuccessfulDelete: Deleted job ok-a',
        'Normal SuccessfulDelete: Deleted job failed-x',
      ]);
    });
  });

  void test('deleted active Job leaves status.active', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      const cronJob = newCronJob({
        schedule: '0 * * * ?',
        suspend: true,
        successfulJobsHistoryLimit: 0,
        failedJobsHistoryLimit: 1,
      });
      const job = await harness.store.create(
        finished('done', 'Complete', '2016-05-19T08:00:00Z'),
        at('2016-05-19T08:00:00Z'),
      );
      cronJob.status = { active: [activeReference(job)] };
      await harness.store.create(cronJob, at('2016-05-19T08:00:00Z'));

      await syncAt(harness, at('2016-05-19T09:30:00Z'));
      assert.deepEqual(await jobNames(harness), []);
      assert.deepEqual(await activeNames(harness), []);
      assert.deepEqual(harness.events.lines(), ['Normal SuccessfulDelete: Deleted job done']);
      assert.equal((await readCronJob(harness)).status?.lastSuccessfulTime, '2016-05-19T09:00:00Z');
    });
  });

  void test('no limits set keeps every Job', async () => {
    // The API always sets both limits; a CronJob stored without them keeps its history.
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      const cronJob = newCronJob({ schedule: '0 * * * ?', suspend: true });
      await seed(harness, cronJob, [
        finished('ok-a', 'Complete', '2016-05-19T08:00:00Z'),
        finished('ok-b', 'Complete', '2016-05-19T08:00:00Z'),
        finished('failed-a', 'Failed', '2016-05-19T08:00:00Z'),
        finished('failed-b', 'Failed', '2016-05-19T08:00:00Z'),
      ]);

      await syncAt(harness, at('2016-05-19T09:30:00Z') + MINUTE);
      assert.deepEqual(await jobNames(harness), ['failed-a', 'failed-b', 'ok-a', 'ok-b']);
      assert.deepEqual(harness.events.lines(), []);
    });
  });
});
