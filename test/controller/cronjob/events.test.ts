// Event reasons and messages of the CronJob controller, written to the store by the real
// StoreEventRecorder. Message texts are the Kubernetes ones, verbatim.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob, Event } from '../../../src/api/types.js';
import { syncCronJob } from '../../../src/controller/cronjob/sync.js';
import { StoreEventRecorder } from '../../../src/controller/events.js';
import type { Harness } from './fixtures.js';
import {
  NAMESPACE,
  activeReference,
  at,
  createJobIn,
  finishJob,
  newCronJob,
  ownedJob,
  withHarness,
} from './fixtures.js';

// One recorder per harness, because the recorder keeps the state that merges repeated Events.
const recorders = new WeakMap<Harness, StoreEventRecorder>();

/** Runs one sync at the harness clock, recording Events in the store. */
async function syncRecordingEvents(harness: Harness): Promise<void> {
  let recorder = recorders.get(harness);
  if (!recorder) {
    recorder = new StoreEventRecorder(harness.store, harness.clock, 'cronjob-controller');
    recorders.set(harness, recorder);
  }
  await syncCronJob(NAMESPACE, 'mycronjob', {
    store: harness.store,
    recorder,
    now: harness.clock.now(),
    defaultDstPolicy: 'kubernetes',
    createJob: createJobIn(harness.store),
  });
}

async function storedEvents(harness: Harness): Promise<string[]> {
  const events = await harness.store.list<Event>('Event', { namespace: NAMESPACE });
  return events.map((event) => `${event.type} ${event.reason}: ${event.message}`).sort();
}

/** Stores an hourly CronJob last scheduled at 09:00 and the Jobs that `jobs` describes. */
async function hourlyWithJobs(
  harness: Harness,
  spec: Partial<CronJob['spec']>,
  jobs: Array<{ name: string; finished?: 'Complete' | 'Failed'; active: boolean; stored: boolean }>,
): Promise<CronJob> {
  const cronJob = newCronJob({ schedule: '0 * * * *', ...spec }, at('2016-05-19T08:00:00Z'));
  cronJob.status = { lastScheduleTime: '2016-05-19T09:00:00Z', active: [] };
  for (const entry of jobs) {
    const job = ownedJob(entry.name, at('2016-05-19T09:00:00Z'), cronJob);
    job.metadata.uid = `uid-${entry.name}`;
    if (entry.finished) finishJob(job, entry.finished, at('2016-05-19T09:10:00Z'));
    if (entry.stored) await harness.store.create(job, at('2016-05-19T09:00:00Z'));
    if (entry.active) cronJob.status.active?.push(activeReference(job));
  }
  return harness.store.create(cronJob, at('2016-05-19T08:00:00Z'));
}

void describe('CronJob controller events', () => {
  void test('SuccessfulCreate is a complete Event', async () => {
    await withHarness(at('2016-05-19T10:00:00.100Z'), async (harness) => {
      const cronJob = await hourlyWithJobs(harness, {}, []);
      await syncRecordingEvents(harness);

      const events = await harness.store.list<Event>('Event', { namespace: NAMESPACE });
      assert.equal(events.length, 1);
      const [event] = events;
      assert.equal(event?.type, 'Normal');
      assert.equal(event?.reason, 'SuccessfulCreate');
      assert.equal(event?.message, 'Created job mycronjob-24394200');
      assert.deepEqual(event?.involvedObject, {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        namespace: NAMESPACE,
        name: 'mycronjob',
        uid: '1a2b3c',
        resourceVersion: cronJob.metadata.resourceVersion,
      });
      assert.equal(event?.count, 1);
      assert.equal(event?.firstTimestamp, '2016-05-19T10:00:00Z');
      assert.equal(event?.lastTimestamp, '2016-05-19T10:00:00Z');
      assert.deepEqual(event?.source, { component: 'cronjob-controller' });
    });
  });

  void test('SawCompletedJob for Complete and Failed', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      await hourlyWithJobs(harness, {}, [
        { name: 'succeeded', finished: 'Complete', active: true, stored: true },
        { name: 'failed', finished: 'Failed', active: true, stored: true },
      ]);
      await syncRecordingEvents(harness);
      assert.deepEqual(await storedEvents(harness), [
        'Normal SawCompletedJob: Saw completed job: failed, condition: Failed',
        'Normal SawCompletedJob: Saw completed job: succeeded, condition: Complete',
      ]);
    });
  });

  void test('MissingJob for an active Job that is gone', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      await hourlyWithJobs(harness, {}, [{ name: 'deleted-by-user', active: true, stored: false }]);
      await syncRecordingEvents(harness);
      assert.deepEqual(await storedEvents(harness), [
        'Normal MissingJob: Active job went missing: deleted-by-user',
      ]);
    });
  });

  void test('UnexpectedJob for a running Job missing from active', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      await hourlyWithJobs(harness, {}, [{ name: 'stray', active: false, stored: true }]);
      await syncRecordingEvents(harness);
      assert.deepEqual(await storedEvents(harness), [
        'Warning UnexpectedJob: Saw a job that the controller did not create or forgot: stray',
      ]);
    });
  });

  void test('UnknownTimeZone', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      await hourlyWithJobs(harness, { timeZone: 'Mars/Olympus_Mons' }, []);
      await syncRecordingEvents(harness);
      assert.deepEqual(await storedEvents(harness), [
        'Warning UnknownTimeZone: invalid timeZone: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons',
      ]);
    });
  });

  void test('UnparseableSchedule', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      await hourlyWithJobs(harness, { schedule: '* * * *' }, []);
      await syncRecordingEvents(harness);
      assert.deepEqual(await storedEvents(harness), [
        'Warning UnparseableSchedule: unparseable schedule: "* * * *" : expected exactly 5 fields, found 4: [* * * *]',
      ]);
    });
  });

  void test('repeated warning raises the count', async () => {
    await withHarness(at('2016-05-19T09:30:00Z'), async (harness) => {
      await hourlyWithJobs(harness, { schedule: '* * * *' }, []);
      await syncRecordingEvents(harness);
      harness.clock.advance(60_000);
      await syncRecordingEvents(harness);

      const events = await harness.store.list<Event>('Event', { namespace: NAMESPACE });
      assert.equal(events.length, 1);
      assert.equal(events[0]?.count, 2);
      assert.equal(events[0]?.firstTimestamp, '2016-05-19T09:30:00Z');
      assert.equal(events[0]?.lastTimestamp, '2016-05-19T09:31:00Z');
    });
  });
});
