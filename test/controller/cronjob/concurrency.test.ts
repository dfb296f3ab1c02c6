// concurrencyPolicy Replace, and the AlreadyExists branch that adopts a Job this CronJob created
// but did not record (a crash between the create and the status write).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob, Job } from '../../../src/api/types.js';
import type { Harness } from './fixtures.js';
import {
  activeNames,
  activeReference,
  at,
  jobNames,
  newCronJob,
  ownedJob,
  readCronJob,
  syncAt,
  withHarness,
} from './fixtures.js';

/** Stores an hourly CronJob last scheduled at 09:00 whose 09:00 Job is running and active. */
async function runningSinceNine(harness: Harness, spec: Partial<CronJob['spec']>): Promise<void> {
  const cronJob = newCronJob({ schedule: '0 * * * *', ...spec }, at('2016-05-19T08:00:00Z'));
  const job = await harness.store.create(
    ownedJob('mycronjob-24394140', at('2016-05-19T09:00:00Z'), cronJob),
    at('2016-05-19T09:00:00Z'),
  );
  cronJob.status = { active: [activeReference(job)], lastScheduleTime: '2016-05-19T09:00:00Z' };
  await harness.store.create(cronJob, at('2016-05-19T08:00:00Z'));
}

void describe('concurrencyPolicy Replace', () => {
  void test('replaces the active Job in one sync', async () => {
    await withHarness(at('2016-05-19T10:00:05Z'), async (harness) => {
      await runningSinceNine(harness, { concurrencyPolicy: 'Replace' });

      const result = await syncAt(harness, at('2016-05-19T10:00:05Z'));
      assert.deepEqual(harness.events.lines(), [
        'Normal SuccessfulDelete: Deleted job mycronjob-24394140',
        'Normal SuccessfulCreate: Created job mycronjob-24394200',
      ]);
      assert.deepEqual(await jobNames(harness), ['mycronjob-24394200']);
      assert.deepEqual(await activeNames(harness), ['mycronjob-24394200']);
      assert.equal((await readCronJob(harness)).status?.lastScheduleTime, '2016-05-19T10:00:00Z');
      // 11:00:00 - 10:00:05
      assert.equal(result.requeueAfterMs, 3_595_000);
    });
  });

  void test('deletes nothing before the next activation', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      await runningSinceNine(harness, { concurrencyPolicy: 'Replace' });

      const result = await syncAt(harness, at('2016-05-19T09:30:00Z'));
      assert.deepEqual(harness.events.lines(), []);
      assert.deepEqual(await jobNames(harness), ['mycronjob-24394140']);
      assert.deepEqual(await activeNames(harness), ['mycronjob-24394140']);
      assert.equal(result.requeueAfterMs, 1_800_000);
    });
  });

  void test('records the deletion when create fails', async () => {
    await withHarness(at('2016-05-19T10:00:05Z'), async (harness) => {
      await runningSinceNine(harness, { concurrencyPolicy: 'Replace' });

      await assert.rejects(
        syncAt(harness, at('2016-05-19T10:00:05Z'), {
          createJob: () => Promise.reject(new Error('quota for # of jobs reached')),
        }),
        { message: 'quota for # of jobs reached' },
      );
      assert.deepEqual(harness.events.lines(), [
        'Normal SuccessfulDelete: Deleted job mycronjob-24394140',
        'Warning FailedCreate: Error creating job: quota for # of jobs reached',
      ]);
      assert.deepEqual(await jobNames(harness), []);
      // As upstream, the status edits made before the failure are still written.
      assert.deepEqual(await activeNames(harness), []);
      assert.equal((await readCronJob(harness)).status?.lastScheduleTime, '2016-05-19T09:00:00Z');
    });
  });
});

/** Stores an hourly CronJob, last scheduled at 09:00, with nothing active. */
async function idleSinceNine(harness: Harness): Promise<CronJob> {
  const cronJob = newCronJob({ schedule: '0 * * * *' }, at('2016-05-19T08:00:00Z'));
  cronJob.status = { lastScheduleTime: '2016-05-19T09:00:00Z' };
  return harness.store.create(cronJob, at('2016-05-19T08:00:00Z'));
}

void describe('due Job already exists', () => {
  void test('owned by this CronJob: adopted without SuccessfulCreate', async () => {
    await withHarness(at('2016-05-19T10:00:05Z'), async (harness) => {
      const cronJob = await idleSinceNine(harness);
      const existing = await harness.store.create(
        ownedJob('mycronjob-24394200', at('2016-05-19T10:00:00Z'), cronJob),
        at('2016-05-19T10:00:00Z'),
      );

      const result = await syncAt(harness, at('2016-05-19T10:00:05Z'));
      // The Job is listed before the create conflicts, so it is reported as unexpected first.
      assert.deepEqual(harness.events.lines(), [
        'Warning UnexpectedJob: Saw a job that the controller did not create or forgot: mycronjob-24394200',
      ]);
      const stored = await readCronJob(harness);
      assert.deepEqual(stored.status?.active, [activeReference(existing)]);
      assert.equal(stored.status?.lastScheduleTime, '2016-05-19T10:00:00Z');
      assert.equal(result.requeueAfterMs, 3_595_000);
    });
  });

  void test('owned by another CronJob: untouched, no requeue', async () => {
    await withHarness(at('2016-05-19T10:00:05Z'), async (harness) => {
      const before = await idleSinceNine(harness);
      const other = newCronJob();
      other.metadata.name = 'othercronjob';
      other.metadata.uid = 'other-uid';
      const existing = await harness.store.create(
        ownedJob('mycronjob-24394200', at('2016-05-19T10:00:00Z'), other),
        at('2016-05-19T10:00:00Z'),
      );

      const result = await syncAt(harness, at('2016-05-19T10:00:05Z'));
      assert.equal(result.requeueAfterMs, undefined);
      assert.deepEqual(harness.events.lines(), []);
      assert.deepEqual(await readCronJob(harness), before);
      assert.deepEqual(
        await harness.store.get<Job>('Job', 'snazzycats', 'mycronjob-24394200'),
        existing,
      );
    });
  });

  void test('without an owner: untouched, no requeue', async () => {
    await withHarness(at('2016-05-19T10:00:05Z'), async (harness) => {
      const before = await idleSinceNine(harness);
      const orphan = ownedJob('mycronjob-24394200', at('2016-05-19T10:00:00Z'));
      delete orphan.metadata.ownerReferences;
      const existing = await harness.store.create(orphan, at('2016-05-19T10:00:00Z'));

      const result = await syncAt(harness, at('2016-05-19T10:00:05Z'));
      assert.equal(result.requeueAfterMs, undefined);
      assert.deepEqual(harness.events.lines(), []);
      assert.deepEqual(await readCronJob(harness), before);
      assert.deepEqual(
        await harness.store.get<Job>('Job', 'snazzycats', 'mycronjob-24394200'),
        existing,
      );
    });
  });
});
