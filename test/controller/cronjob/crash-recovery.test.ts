// A server killed between creating a scheduled Job and writing the CronJob status leaves a Job
// that the status does not know. The next sync must not run that scheduled time again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  at,
  finishJob,
  jobNames,
  newCronJob,
  ownedJob,
  readCronJob,
  syncAt,
  withHarness,
} from './fixtures.js';

void describe('sync after a lost status write', () => {
  for (const type of ['Complete', 'Failed'] as const) {
    void test(`cleaned-up ${type} Job is not recreated`, () =>
      withHarness(at('2016-05-19T10:10:00Z'), async (harness) => {
        const cronJob = newCronJob(
          {
            schedule: '0 * * * *',
            successfulJobsHistoryLimit: 0,
            failedJobsHistoryLimit: 0,
          },
          at('2016-05-19T08:00:00Z'),
        );
        cronJob.status = { lastScheduleTime: '2016-05-19T09:00:00Z' };
        await harness.store.create(cronJob, at('2016-05-19T08:00:00Z'));
        // The Job of 10:00 was created and has finished; the status write that lists it was lost.
        const job = finishJob(
          ownedJob('mycronjob-24394200', at('2016-05-19T10:00:00Z')),
          type,
          at('2016-05-19T10:05:00Z'),
        );
        await harness.store.create(job, at('2016-05-19T10:00:00Z'));

        const result = await syncAt(harness, at('2016-05-19T10:10:00Z'));
        const stored = await readCronJob(harness);

        assert.deepEqual(await jobNames(harness), []);
        assert.deepEqual(harness.events.lines(), [
          'Normal SuccessfulDelete: Deleted job mycronjob-24394200',
        ]);
        assert.equal(stored.status?.lastScheduleTime, '2016-05-19T10:00:00Z');
        assert.deepEqual(stored.status?.active ?? [], []);
        assert.equal(result.requeueAfterMs, 50 * 60_000);
      }));
  }
});
