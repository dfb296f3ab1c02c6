import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../src/api/types.js';
import { toRfc3339 } from '../../../src/util/time.js';
import type { Harness } from './harness.js';
import {
  BACKOFF_LIMIT_EXCEEDED,
  DEADLINE_EXCEEDED,
  SECOND,
  T0,
  addPod,
  conditionsOf,
  countsOf,
  createJob,
  eventsOf,
  finish,
  newJob,
  podsOf,
  readJob,
  sync,
  withHarness,
} from './harness.js';

/** Stores `job` as having started `secondsAgo` before the clock's current instant. */
async function createStarted(harness: Harness, job: Job, secondsAgo: number): Promise<Job> {
  job.status = { startTime: toRfc3339(harness.clock.now() - secondsAgo * SECOND) };
  return createJob(harness, job);
}

/** Plays the worker: ends every pod that the controller asked to stop. */
async function stopTerminatingPods(harness: Harness, job: Job): Promise<void> {
  for (const pod of await podsOf(harness, job)) {
    const ended = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (pod.metadata.deletionTimestamp !== undefined && !ended)
      await finish(harness, pod, 'Failed');
  }
}

// Ported from kubernetes/kubernetes pkg/controller/job/job_controller_test.go,
// TestSyncJobPastDeadline, with the delayed terminal condition of current Kubernetes.
void describe('activeDeadlineSeconds', () => {
  void it('stops a pod running past it', () =>
    withHarness(async (harness) => {
      const job = await createStarted(
        harness,
        newJob('job', {
          parallelism: 1,
          completions: 1,
          activeDeadlineSeconds: 10,
          backoffLimit: 6,
        }),
        15,
      );
      await addPod(harness, job, { phase: 'Running' });

      await sync(harness, 'job');

      const target = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(target), [`FailureTarget=True ${DEADLINE_EXCEEDED}`]);
      // The stopped pod counts as failed at once.
      assert.deepEqual(countsOf(target), { active: 0, succeeded: 0, failed: 1 });
      const pods = await podsOf(harness, job);
      assert.deepEqual(
        pods.map((pod) => pod.metadata.deletionTimestamp),
        [toRfc3339(T0)],
      );

      await stopTerminatingPods(harness, job);
      await sync(harness, 'job');

      const failed = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(failed), [
        `FailureTarget=True ${DEADLINE_EXCEEDED}`,
        `Failed=True ${DEADLINE_EXCEEDED}`,
      ]);
      assert.deepEqual(countsOf(failed), { active: 0, succeeded: 0, failed: 1 });
      assert.deepEqual(await eventsOf(harness, 'job'), [
        `Warning ${DEADLINE_EXCEEDED}`,
        `Normal SuccessfulDelete: Deleted pod: ${pods[0]?.metadata.name ?? ''}`,
      ]);
    }));

  void it('fails with one completion left', () =>
    withHarness(async (harness) => {
      const job = await createStarted(
        harness,
        newJob('job', {
          parallelism: 1,
          completions: 2,
          activeDeadlineSeconds: 10,
          backoffLimit: 6,
        }),
        15,
      );
      await addPod(harness, job, { phase: 'Succeeded', finishedAt: T0 - 10 * SECOND });
      await addPod(harness, job, { phase: 'Running' });

      await sync(harness, 'job');
      await stopTerminatingPods(harness, job);
      await sync(harness, 'job');

      const failed = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(failed), [
        `FailureTarget=True ${DEADLINE_EXCEEDED}`,
        `Failed=True ${DEADLINE_EXCEEDED}`,
      ]);
      assert.deepEqual(countsOf(failed), { active: 0, succeeded: 1, failed: 1 });
    }));

  void it('fails before any pod starts', () =>
    withHarness(async (harness) => {
      const job = await createStarted(
        harness,
        newJob('job', {
          parallelism: 1,
          completions: 1,
          activeDeadlineSeconds: 10,
          backoffLimit: 6,
        }),
        10,
      );

      await sync(harness, 'job');

      const failed = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(failed), [
        `FailureTarget=True ${DEADLINE_EXCEEDED}`,
        `Failed=True ${DEADLINE_EXCEEDED}`,
      ]);
      assert.deepEqual(await podsOf(harness, job), []);
    }));

  void it('yields to the backoff limit', () =>
    withHarness(async (harness) => {
      const job = await createStarted(
        harness,
        newJob('job', {
          parallelism: 1,
          completions: 1,
          activeDeadlineSeconds: 1,
          backoffLimit: 0,
        }),
        10,
      );
      await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - 5 * SECOND });

      await sync(harness, 'job');

      const failed = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(failed), [
        `FailureTarget=True ${BACKOFF_LIMIT_EXCEEDED}`,
        `Failed=True ${BACKOFF_LIMIT_EXCEEDED}`,
      ]);
      assert.deepEqual(countsOf(failed), { active: 0, succeeded: 0, failed: 1 });
    }));

  void it('does not fire while suspended', () =>
    withHarness(async (harness) => {
      await createStarted(
        harness,
        newJob('job', {
          parallelism: 1,
          completions: 2,
          activeDeadlineSeconds: 10,
          backoffLimit: 6,
          suspend: true,
        }),
        15,
      );

      const result = await sync(harness, 'job');

      const suspended = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(suspended), ['Suspended=True JobSuspended: Job suspended']);
      assert.deepEqual(result, {});
    }));

  void it('is inclusive at the deadline', () =>
    withHarness(async (harness) => {
      await createJob(harness, newJob('job', { activeDeadlineSeconds: 30 }));

      const first = await sync(harness, 'job');
      assert.deepEqual(first, { requeueAfterMs: 30 * SECOND });
      assert.equal((await readJob(harness, 'job')).status?.startTime, toRfc3339(T0));

      harness.clock.set(T0 + 30 * SECOND - 1);
      const justBefore = await sync(harness, 'job');
      assert.deepEqual(justBefore, { requeueAfterMs: 1 });
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), []);

      harness.clock.set(T0 + 30 * SECOND);
      const atDeadline = await sync(harness, 'job');
      assert.deepEqual(atDeadline, {});
      // No worker claimed the pod, so it is stopped at once and the Job fails in this sync.
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), [
        `FailureTarget=True ${DEADLINE_EXCEEDED}`,
        `Failed=True ${DEADLINE_EXCEEDED}`,
      ]);
    }));

  void it('counts from startTime, not creation', () =>
    withHarness(async (harness) => {
      const job = newJob('job', { activeDeadlineSeconds: 30 });
      job.status = { startTime: toRfc3339(T0 + 100 * SECOND) };
      await createJob(harness, job);
      harness.clock.set(T0 + 129 * SECOND);

      const result = await sync(harness, 'job');

      assert.deepEqual(result, { requeueAfterMs: SECOND });
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), []);
    }));

  void it('replaces a manual Failed=False', () =>
    withHarness(async (harness) => {
      // Ported from TestSingleJobFailedCondition.
      const job = newJob('job', {
        parallelism: 1,
        completions: 1,
        activeDeadlineSeconds: 10,
        backoffLimit: 6,
      });
      job.status = {
        startTime: toRfc3339(T0 - 15 * SECOND),
        conditions: [
          {
            type: 'Failed',
            status: 'False',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
            lastProbeTime: toRfc3339(T0 - 15 * SECOND),
            lastTransitionTime: toRfc3339(T0 - 15 * SECOND),
          },
        ],
      };
      await createJob(harness, job);

      await sync(harness, 'job');

      const failed = await readJob(harness, 'job');
      const failedConditions = (failed.status?.conditions ?? []).filter((c) => c.type === 'Failed');
      assert.equal(failedConditions.length, 1);
      assert.equal(failedConditions[0]?.status, 'True');
      assert.equal(failedConditions[0]?.lastTransitionTime, toRfc3339(T0));
    }));
});
