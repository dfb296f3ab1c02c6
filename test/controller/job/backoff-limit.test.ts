import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PodPhase } from '../../../src/api/types.js';
import {
  BACKOFF_LIMIT_EXCEEDED,
  SECOND,
  T0,
  addPod,
  claim,
  conditionsOf,
  countsOf,
  createJob,
  eventsOf,
  finish,
  newJob,
  podsOf,
  readJob,
  restart,
  sync,
  withHarness,
} from './harness.js';

const FAILURE_TARGET = `FailureTarget=True ${BACKOFF_LIMIT_EXCEEDED}`;
const FAILED = `Failed=True ${BACKOFF_LIMIT_EXCEEDED}`;

// Ported from kubernetes/kubernetes pkg/controller/job/job_controller_test.go,
// TestJobBackoffOnRestartPolicyNever: failed pods finished long ago, so no back-off delay applies.
void describe('backoffLimit with restartPolicy Never', () => {
  const cases: Array<{
    name: string;
    parallelism: number;
    completions: number;
    backoffLimit: number;
    running: number;
    failed: number;
    expected: { active: number; succeeded: number; failed: number };
    conditions: string[];
  }> = [
    {
      name: 'limit 0, one running pod',
      parallelism: 1,
      completions: 1,
      backoffLimit: 0,
      running: 1,
      failed: 0,
      expected: { active: 1, succeeded: 0, failed: 0 },
      conditions: [],
    },
    {
      name: 'limit 1, one failure',
      parallelism: 1,
      completions: 1,
      backoffLimit: 1,
      running: 0,
      failed: 1,
      expected: { active: 1, succeeded: 0, failed: 1 },
      conditions: [],
    },
    {
      name: 'limit 1, two failures',
      parallelism: 1,
      completions: 1,
      backoffLimit: 1,
      running: 0,
      failed: 2,
      expected: { active: 0, succeeded: 0, failed: 2 },
      conditions: [FAILURE_TARGET, FAILED],
    },
    {
      name: 'limit 6, six failures',
      parallelism: 2,
      completions: 2,
      backoffLimit: 6,
      running: 1,
      failed: 6,
      expected: { active: 2, succeeded: 0, failed: 6 },
      conditions: [],
    },
    {
      name: 'limit 6, seven failures',
      parallelism: 2,
      completions: 2,
      backoffLimit: 6,
      running: 0,
      failed: 7,
      expected: { active: 0, succeeded: 0, failed: 7 },
      conditions: [FAILURE_TARGET, FAILED],
    },
  ];

  for (const testCase of cases) {
    void it(testCase.name, () =>
      withHarness(async (harness) => {
        const { parallelism, completions, backoffLimit } = testCase;
        const job = await createJob(
          harness,
          newJob('job', { parallelism, completions, backoffLimit }),
        );
        for (let i = 0; i < testCase.failed; i++) {
          await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - 3600 * SECOND });
        }
        for (let i = 0; i < testCase.running; i++) await addPod(harness, job, { phase: 'Running' });

        await sync(harness, 'job');

        const synced = await readJob(harness, 'job');
        assert.deepEqual(countsOf(synced), testCase.expected);
        assert.deepEqual(conditionsOf(synced), testCase.conditions);
      }),
    );
  }

  void it('fails on the 7th failure by default', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job'));
      assert.equal(job.spec.backoffLimit, undefined);

      for (let attempt = 1; attempt <= 7; attempt++) {
        await sync(harness, 'job');
        const pods = await podsOf(harness, job);
        assert.equal(pods.length, attempt, `pods before failure ${attempt}`);
        const latest = pods[attempt - 1];
        assert.ok(latest);
        await claim(harness, latest);
        await finish(harness, latest, 'Failed');
        // The next sync runs after the back-off of the failure has passed.
        harness.clock.advance(600 * SECOND);
      }
      await sync(harness, 'job');

      const failed = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(failed), [FAILURE_TARGET, FAILED]);
      assert.deepEqual(countsOf(failed), { active: 0, succeeded: 0, failed: 7 });
      assert.equal(failed.status?.completionTime, undefined);
      assert.equal((await podsOf(harness, job)).length, 7);
      const events = await eventsOf(harness, 'job');
      assert.equal(events.filter((event) => event.startsWith('Normal SuccessfulCreate')).length, 7);
      assert.equal(events.at(-1), `Warning ${BACKOFF_LIMIT_EXCEEDED}`);
    }));

  void it('keeps running after six failures', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job'));
      for (let i = 0; i < 6; i++)
        await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - 3600 * SECOND });

      await sync(harness, 'job');

      const synced = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(synced), []);
      assert.deepEqual(countsOf(synced), { active: 1, succeeded: 0, failed: 6 });
    }));
});

// Ported from kubernetes/kubernetes pkg/controller/job/job_controller_test.go,
// TestJobBackoffForOnFailure, with the delayed terminal condition of current Kubernetes. The Job
// first gets FailureTarget while its pods stop. It gets Failed once the worker reports them ended.
void describe('backoffLimit with restartPolicy OnFailure', () => {
  const cases: Array<{
    name: string;
    parallelism: number;
    completions: number;
    backoffLimit: number;
    restartCounts: number[];
    phase: PodPhase;
    fails: boolean;
  }> = [
    {
      name: 'limit 0, no restarts',
      parallelism: 1,
      completions: 1,
      backoffLimit: 0,
      restartCounts: [0],
      phase: 'Running',
      fails: false,
    },
    {
      name: 'limit 1, no restarts',
      parallelism: 1,
      completions: 1,
      backoffLimit: 1,
      restartCounts: [0],
      phase: 'Running',
      fails: false,
    },
    {
      name: 'limit 1, one restart running',
      parallelism: 1,
      completions: 1,
      backoffLimit: 1,
      restartCounts: [1],
      phase: 'Running',
      fails: true,
    },
    {
      name: 'limit 1, one restart pending',
      parallelism: 1,
      completions: 1,
      backoffLimit: 1,
      restartCounts: [1],
      phase: 'Pending',
      fails: true,
    },
    {
      name: 'limit 2, one pod restarted twice',
      parallelism: 1,
      completions: 5,
      backoffLimit: 2,
      restartCounts: [2],
      phase: 'Running',
      fails: true,
    },
    {
      name: 'limit 2, pending pod restarted twice',
      parallelism: 1,
      completions: 5,
      backoffLimit: 2,
      restartCounts: [2],
      phase: 'Pending',
      fails: true,
    },
    {
      name: 'limit 2, two pods one restart each',
      parallelism: 2,
      completions: 5,
      backoffLimit: 2,
      restartCounts: [1, 1],
      phase: 'Running',
      fails: true,
    },
    {
      name: 'limit 2, two pending pods',
      parallelism: 2,
      completions: 5,
      backoffLimit: 2,
      restartCounts: [1, 1],
      phase: 'Pending',
      fails: true,
    },
    {
      name: 'limit 3, two restarts in total',
      parallelism: 2,
      completions: 5,
      backoffLimit: 3,
      restartCounts: [1, 1],
      phase: 'Running',
      fails: false,
    },
  ];

  for (const testCase of cases) {
    void it(testCase.name, () =>
      withHarness(async (harness) => {
        const { parallelism, completions, backoffLimit } = testCase;
        const job = await createJob(
          harness,
          newJob('job', { parallelism, completions, backoffLimit }, 'OnFailure'),
        );
        for (const restartCount of testCase.restartCounts) {
          await addPod(harness, job, { phase: testCase.phase, restartCount });
        }

        await sync(harness, 'job');

        const synced = await readJob(harness, 'job');
        const pods = await podsOf(harness, job);
        if (!testCase.fails) {
          assert.deepEqual(conditionsOf(synced), []);
          assert.deepEqual(countsOf(synced), {
            active: testCase.restartCounts.length,
            succeeded: 0,
            failed: 0,
          });
          assert.deepEqual(
            pods.map((pod) => pod.metadata.deletionTimestamp),
            pods.map(() => undefined),
          );
          return;
        }
        // Stopped pods count as failed at once.
        const failedCount = testCase.restartCounts.length;
        assert.deepEqual(countsOf(synced), { active: 0, succeeded: 0, failed: failedCount });
        assert.deepEqual(
          pods.map((pod) => pod.metadata.deletionTimestamp),
          pods.map(() => '2024-05-01T10:00:00Z'),
        );
        if (testCase.phase === 'Pending') {
          // No worker claimed the pending pods, so they fail when stopped and the Job fails now.
          assert.deepEqual(conditionsOf(synced), [FAILURE_TARGET, FAILED]);
          return;
        }
        assert.deepEqual(conditionsOf(synced), [FAILURE_TARGET]);

        // The worker reports the running pods ended.
        for (const pod of pods) await finish(harness, pod, 'Failed');
        harness.clock.advance(SECOND);
        await sync(harness, 'job');

        const failed = await readJob(harness, 'job');
        assert.deepEqual(conditionsOf(failed), [FAILURE_TARGET, FAILED]);
        assert.deepEqual(countsOf(failed), { active: 0, succeeded: 0, failed: failedCount });
      }),
    );
  }

  void it('sums restarts of running pods', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { backoffLimit: 3 }, 'OnFailure'));
      await sync(harness, 'job');
      const [pod] = await podsOf(harness, job);
      assert.ok(pod);
      await claim(harness, pod);

      await restart(harness, pod, 2);
      await sync(harness, 'job');
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), []);

      await restart(harness, pod, 3);
      await sync(harness, 'job');
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), [FAILURE_TARGET]);
    }));

  void it('ignores restarts of finished pods', () =>
    withHarness(async (harness) => {
      const job = await createJob(
        harness,
        newJob('job', { parallelism: 2, completions: 2, backoffLimit: 2 }, 'OnFailure'),
      );
      await addPod(harness, job, { phase: 'Succeeded', restartCount: 5, finishedAt: T0 - SECOND });
      await addPod(harness, job, { phase: 'Running', restartCount: 1 });

      await sync(harness, 'job');

      const synced = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(synced), []);
      assert.deepEqual(countsOf(synced), { active: 1, succeeded: 1, failed: 0 });
    }));

  void it('still counts failed pods', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { backoffLimit: 1 }, 'OnFailure'));
      await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - 3600 * SECOND });
      await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - 3600 * SECOND });

      await sync(harness, 'job');

      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), [FAILURE_TARGET, FAILED]);
    }));
});
