import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../src/api/types.js';
import { syncJob } from '../../../src/controller/job/sync.js';
import { toRfc3339 } from '../../../src/util/time.js';
import type { Harness } from './harness.js';
import {
  COMPLETIONS_REACHED,
  DEADLINE_EXCEEDED,
  NAMESPACE,
  SECOND,
  T0,
  addPod,
  conditionsOf,
  countsOf,
  createJob,
  eventsOf,
  newJob,
  podsOf,
  readJob,
  sync,
  withHarness,
} from './harness.js';

const SUSPENDED = 'Suspended=True JobSuspended: Job suspended';
const RESUMED = 'Suspended=False JobResumed: Job resumed';

/** Sets `spec.suspend` of the stored Job, as `kubectl patch` would. */
async function setSuspend(harness: Harness, name: string, suspend: boolean): Promise<Job> {
  const job = await readJob(harness, name);
  job.spec.suspend = suspend;
  return harness.store.update(job);
}

void describe('suspend and resume', () => {
  void it('deletes active pods on suspend', () =>
    withHarness(async (harness) => {
      // Ported from TestControllerSyncJob, "suspending a job with satisfied expectations".
      const job = await createJob(
        harness,
        newJob('job', { parallelism: 2, completions: 4, suspend: true }),
      );
      const first = await addPod(harness, job, { phase: 'Running' });
      const second = await addPod(harness, job, { phase: 'Running' });

      await sync(harness, 'job');

      const suspended = await readJob(harness, 'job');
      assert.deepEqual(await podsOf(harness, job), []);
      assert.deepEqual(conditionsOf(suspended), [SUSPENDED]);
      assert.deepEqual(countsOf(suspended), { active: 0, succeeded: 0, failed: 0 });
      assert.equal(suspended.status?.startTime, undefined);
      assert.deepEqual(await eventsOf(harness, 'job'), [
        `Normal SuccessfulDelete: Deleted pod: ${first.metadata.name}`,
        `Normal SuccessfulDelete: Deleted pod: ${second.metadata.name}`,
        'Normal Suspended: Job suspended',
      ]);
    }));

  void it('creates nothing while suspended', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { suspend: true }));

      assert.deepEqual(await sync(harness, 'job'), {});
      harness.clock.advance(60 * SECOND);
      assert.deepEqual(await sync(harness, 'job'), {});

      const suspended = await readJob(harness, 'job');
      assert.deepEqual(await podsOf(harness, job), []);
      assert.deepEqual(conditionsOf(suspended), [SUSPENDED]);
      assert.equal(suspended.status?.conditions?.[0]?.lastTransitionTime, toRfc3339(T0));
      assert.deepEqual(await eventsOf(harness, 'job'), ['Normal Suspended: Job suspended']);
    }));

  void it('resumes with a new startTime', () =>
    withHarness(async (harness) => {
      // Ported from TestControllerSyncJob, "resuming a suspended job".
      const job = await createJob(
        harness,
        newJob('job', { parallelism: 2, completions: 4, suspend: true }),
      );
      await sync(harness, 'job');

      harness.clock.advance(100 * SECOND);
      await setSuspend(harness, 'job', false);
      await sync(harness, 'job');

      const resumed = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(resumed), [RESUMED]);
      assert.equal(
        resumed.status?.conditions?.[0]?.lastTransitionTime,
        toRfc3339(T0 + 100 * SECOND),
      );
      assert.equal(resumed.status?.startTime, toRfc3339(T0 + 100 * SECOND));
      assert.deepEqual(countsOf(resumed), { active: 2, succeeded: 0, failed: 0 });
      assert.equal((await podsOf(harness, job)).length, 2);
      const events = await eventsOf(harness, 'job');
      assert.deepEqual(events.slice(0, 2), [
        'Normal Suspended: Job suspended',
        'Normal Resumed: Job resumed',
      ]);
    }));

  void it('restarts the deadline on resume', () =>
    withHarness(async (harness) => {
      await createJob(harness, newJob('job', { activeDeadlineSeconds: 30 }));
      await sync(harness, 'job');
      assert.equal((await readJob(harness, 'job')).status?.startTime, toRfc3339(T0));

      harness.clock.set(T0 + 20 * SECOND);
      await setSuspend(harness, 'job', true);
      await sync(harness, 'job');
      harness.clock.set(T0 + 50 * SECOND);
      await setSuspend(harness, 'job', false);
      const resumed = await sync(harness, 'job');
      assert.deepEqual(resumed, { requeueAfterMs: 30 * SECOND });

      harness.clock.set(T0 + 79 * SECOND);
      await sync(harness, 'job');
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), [RESUMED]);

      harness.clock.set(T0 + 80 * SECOND);
      await sync(harness, 'job');
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), [
        RESUMED,
        `FailureTarget=True ${DEADLINE_EXCEEDED}`,
        `Failed=True ${DEADLINE_EXCEEDED}`,
      ]);
    }));

  void it('sends no resume event without suspend', () =>
    withHarness(async (harness) => {
      await createJob(harness, newJob('job', { suspend: false }));

      await sync(harness, 'job');

      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), []);
      const events = await eventsOf(harness, 'job');
      assert.deepEqual(
        events.filter((event) => !event.startsWith('Normal SuccessfulCreate')),
        [],
      );
    }));

  void it('completes a suspended finished Job', () =>
    withHarness(async (harness) => {
      // Ported from TestJobBackoffForOnFailure, "finished job": suspending does not hide that
      // every completion has succeeded.
      const job = await createJob(
        harness,
        newJob(
          'job',
          { parallelism: 2, completions: 4, backoffLimit: 6, suspend: true },
          'OnFailure',
        ),
      );
      for (const restartCount of [1, 1, 2, 0]) {
        await addPod(harness, job, { phase: 'Succeeded', restartCount, finishedAt: T0 - SECOND });
      }

      await sync(harness, 'job');

      const done = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(done), [
        `SuccessCriteriaMet=True ${COMPLETIONS_REACHED}`,
        `Complete=True ${COMPLETIONS_REACHED}`,
      ]);
      assert.deepEqual(countsOf(done), { active: 0, succeeded: 4, failed: 0 });
    }));

  void it('stops an OnFailure Job on suspend', () =>
    withHarness(async (harness) => {
      // Ported from TestJobBackoffForOnFailure, "suspending a job".
      const job = await createJob(
        harness,
        newJob(
          'job',
          { parallelism: 2, completions: 4, backoffLimit: 6, suspend: true },
          'OnFailure',
        ),
      );
      await addPod(harness, job, { phase: 'Running', restartCount: 1 });
      await addPod(harness, job, { phase: 'Running', restartCount: 1 });

      await sync(harness, 'job');

      const suspended = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(suspended), [SUSPENDED]);
      assert.deepEqual(countsOf(suspended), { active: 0, succeeded: 0, failed: 0 });
    }));

  void it('reports a failed pod deletion', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { suspend: true }));
      const pod = await addPod(harness, job, { phase: 'Running' });
      // A store whose pod deletions fail, as a locked database would make them.
      const store = new Proxy(harness.store, {
        get(target, property, receiver) {
          if (property === 'delete') {
            return () => Promise.reject(new Error('database is locked'));
          }
          const value: unknown = Reflect.get(target, property, receiver);
          return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
        },
      });

      await assert.rejects(
        syncJob(NAMESPACE, 'job', { store, recorder: harness.recorder, now: harness.clock.now() }),
        { message: 'database is locked' },
      );

      assert.deepEqual(await eventsOf(harness, 'job'), [
        'Warning FailedDelete: Error deleting: database is locked',
      ]);
      assert.equal((await podsOf(harness, job))[0]?.metadata.name, pod.metadata.name);
    }));
});
