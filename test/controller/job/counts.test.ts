import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../src/api/types.js';
import { toRfc3339 } from '../../../src/util/time.js';
import {
  BACKOFF_LIMIT_EXCEEDED,
  COMPLETIONS_REACHED,
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

/** Failed and succeeded pods of the table finished this long ago, past any back-off. */
const LONG_AGO = T0 - 3600 * SECOND;

// Ported from kubernetes/kubernetes pkg/controller/job/job_controller_test.go,
// TestControllerSyncJob (NonIndexed cases), with the delayed terminal condition of current
// Kubernetes. `completions: undefined` is a work-queue Job.
void describe('parallelism and completions', () => {
  const cases: Array<{
    name: string;
    parallelism: number;
    completions: number | undefined;
    backoffLimit?: number;
    pending?: number;
    running?: number;
    succeeded?: number;
    failed?: number;
    /** The failed pods finished at the same instant as the succeeded ones. */
    failedWithSuccess?: boolean;
    created: number;
    stopped: number;
    expected: { active: number; succeeded: number; failed: number };
    conditions?: string[];
  }> = [
    {
      name: 'job start',
      parallelism: 2,
      completions: 5,
      created: 2,
      stopped: 0,
      expected: { active: 2, succeeded: 0, failed: 0 },
    },
    {
      name: 'work-queue job start',
      parallelism: 2,
      completions: undefined,
      created: 2,
      stopped: 0,
      expected: { active: 2, succeeded: 0, failed: 0 },
    },
    {
      name: 'pending pods',
      parallelism: 2,
      completions: 5,
      pending: 2,
      created: 0,
      stopped: 0,
      expected: { active: 2, succeeded: 0, failed: 0 },
    },
    {
      name: 'correct number of pods',
      parallelism: 3,
      completions: 5,
      running: 3,
      created: 0,
      stopped: 0,
      expected: { active: 3, succeeded: 0, failed: 0 },
    },
    {
      name: 'work-queue correct number',
      parallelism: 2,
      completions: undefined,
      running: 2,
      created: 0,
      stopped: 0,
      expected: { active: 2, succeeded: 0, failed: 0 },
    },
    {
      name: 'too few active pods',
      parallelism: 2,
      completions: 5,
      running: 1,
      succeeded: 1,
      created: 1,
      stopped: 0,
      expected: { active: 2, succeeded: 1, failed: 0 },
    },
    {
      name: 'work-queue too few active',
      parallelism: 2,
      completions: undefined,
      running: 1,
      created: 1,
      stopped: 0,
      expected: { active: 2, succeeded: 0, failed: 0 },
    },
    {
      name: 'success resets the back-off',
      parallelism: 2,
      completions: 5,
      running: 1,
      succeeded: 1,
      failed: 1,
      failedWithSuccess: true,
      created: 1,
      stopped: 0,
      expected: { active: 2, succeeded: 1, failed: 1 },
    },
    {
      name: 'new failed pod',
      parallelism: 2,
      completions: 5,
      running: 1,
      failed: 1,
      created: 1,
      stopped: 0,
      expected: { active: 2, succeeded: 0, failed: 1 },
    },
    {
      name: 'too many active pods',
      parallelism: 2,
      completions: 5,
      running: 3,
      created: 0,
      stopped: 1,
      expected: { active: 2, succeeded: 0, failed: 0 },
    },
    {
      name: 'more active than parallelism',
      parallelism: 2,
      completions: 5,
      running: 10,
      created: 0,
      stopped: 8,
      expected: { active: 2, succeeded: 0, failed: 0 },
    },
    {
      name: 'more active than remaining',
      parallelism: 3,
      completions: 4,
      running: 3,
      succeeded: 2,
      created: 0,
      stopped: 1,
      expected: { active: 2, succeeded: 2, failed: 0 },
    },
    {
      name: 'status change',
      parallelism: 2,
      completions: 5,
      running: 2,
      succeeded: 2,
      created: 0,
      stopped: 0,
      expected: { active: 2, succeeded: 2, failed: 0 },
    },
    {
      name: 'work-queue job finishing',
      parallelism: 2,
      completions: undefined,
      running: 1,
      succeeded: 1,
      created: 0,
      stopped: 0,
      expected: { active: 1, succeeded: 1, failed: 0 },
    },
    {
      name: 'job finish',
      parallelism: 2,
      completions: 5,
      succeeded: 5,
      created: 0,
      stopped: 0,
      expected: { active: 0, succeeded: 5, failed: 0 },
      conditions: [
        `SuccessCriteriaMet=True ${COMPLETIONS_REACHED}`,
        `Complete=True ${COMPLETIONS_REACHED}`,
      ],
    },
    {
      name: 'work-queue all finished',
      parallelism: 2,
      completions: undefined,
      succeeded: 2,
      created: 0,
      stopped: 0,
      expected: { active: 0, succeeded: 2, failed: 0 },
      conditions: [
        `SuccessCriteriaMet=True ${COMPLETIONS_REACHED}`,
        `Complete=True ${COMPLETIONS_REACHED}`,
      ],
    },
    {
      name: 'work-queue done despite failure',
      parallelism: 2,
      completions: undefined,
      succeeded: 1,
      failed: 1,
      created: 0,
      stopped: 0,
      expected: { active: 0, succeeded: 1, failed: 1 },
      conditions: [
        `SuccessCriteriaMet=True ${COMPLETIONS_REACHED}`,
        `Complete=True ${COMPLETIONS_REACHED}`,
      ],
    },
    {
      name: 'too many job failures',
      parallelism: 2,
      completions: 5,
      backoffLimit: 0,
      failed: 1,
      created: 0,
      stopped: 0,
      expected: { active: 0, succeeded: 0, failed: 1 },
      conditions: [
        `FailureTarget=True ${BACKOFF_LIMIT_EXCEEDED}`,
        `Failed=True ${BACKOFF_LIMIT_EXCEEDED}`,
      ],
    },
    {
      name: 'failing job stops active pods',
      parallelism: 2,
      completions: 3,
      backoffLimit: 0,
      running: 2,
      failed: 1,
      created: 0,
      stopped: 2,
      // The stopped pods count as failed at once.
      expected: { active: 0, succeeded: 0, failed: 3 },
      conditions: [`FailureTarget=True ${BACKOFF_LIMIT_EXCEEDED}`],
    },
  ];

  for (const testCase of cases) {
    void it(testCase.name, () =>
      withHarness(async (harness) => {
        const { parallelism, completions } = testCase;
        const job = await createJob(
          harness,
          newJob('job', { parallelism, completions, backoffLimit: testCase.backoffLimit ?? 6 }),
        );
        const failedAt = testCase.failedWithSuccess ? LONG_AGO : LONG_AGO - SECOND;
        for (let i = 0; i < (testCase.pending ?? 0); i++)
          await addPod(harness, job, { phase: 'Pending' });
        for (let i = 0; i < (testCase.running ?? 0); i++)
          await addPod(harness, job, { phase: 'Running' });
        for (let i = 0; i < (testCase.succeeded ?? 0); i++) {
          await addPod(harness, job, { phase: 'Succeeded', finishedAt: LONG_AGO });
        }
        for (let i = 0; i < (testCase.failed ?? 0); i++) {
          await addPod(harness, job, { phase: 'Failed', finishedAt: failedAt });
        }
        const before = (await podsOf(harness, job)).length;

        await sync(harness, 'job');

        const synced = await readJob(harness, 'job');
        const pods = await podsOf(harness, job);
        const stopped = pods.filter((pod) => pod.metadata.deletionTimestamp !== undefined);
        assert.equal(pods.length - before, testCase.created, 'created pods');
        assert.equal(stopped.length, testCase.stopped, 'stopped pods');
        assert.deepEqual(countsOf(synced), testCase.expected);
        assert.deepEqual(conditionsOf(synced), testCase.conditions ?? []);
        assert.equal(synced.status?.startTime, toRfc3339(T0));
      }),
    );
  }

  void it('names created pods in events', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { parallelism: 2, completions: 5 }));

      await sync(harness, 'job');

      const pods = await podsOf(harness, job);
      const names = pods.map((pod) => pod.metadata.name).sort();
      const events = await eventsOf(harness, 'job');
      assert.deepEqual(
        [...events].sort(),
        names.map((name) => `Normal SuccessfulCreate: Created pod: ${name}`),
      );
      for (const name of names) assert.match(name, /^job-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    }));

  void it('gives pods a controller reference', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job'));

      await sync(harness, 'job');

      const [pod] = await podsOf(harness, job);
      assert.deepEqual(pod?.metadata.ownerReferences, [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: 'job',
          uid: job.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      assert.deepEqual(pod?.metadata.labels, { app: 'job' });
      assert.equal(pod?.status?.phase, 'Pending');
    }));

  void it('runs nothing with parallelism 0', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { parallelism: 0, completions: 2 }));

      await sync(harness, 'job');

      assert.deepEqual(await podsOf(harness, job), []);
      assert.deepEqual(countsOf(await readJob(harness, 'job')), {
        active: 0,
        succeeded: 0,
        failed: 0,
      });
    }));

  void it('stops unclaimed pods first', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { parallelism: 1, completions: 5 }));
      const running = await addPod(harness, job, { phase: 'Running' });
      const pending = await addPod(harness, job, { phase: 'Pending' });

      await sync(harness, 'job');

      const byName = new Map((await podsOf(harness, job)).map((pod) => [pod.metadata.name, pod]));
      assert.equal(byName.get(running.metadata.name)?.metadata.deletionTimestamp, undefined);
      assert.equal(byName.get(pending.metadata.name)?.metadata.deletionTimestamp, toRfc3339(T0));
      // No worker runs an unclaimed pod, so stopping it fails it at once.
      assert.equal(byName.get(pending.metadata.name)?.status?.phase, 'Failed');
    }));
});

void describe('finished and ignored Jobs', () => {
  void it('leaves a complete Job alone', () =>
    withHarness(async (harness) => {
      // Ported from TestSyncJobComplete.
      const job = newJob('job', { parallelism: 1, completions: 1 });
      const at = toRfc3339(T0 - SECOND);
      job.status = {
        conditions: [
          { type: 'Complete', status: 'True', lastProbeTime: at, lastTransitionTime: at },
        ],
      };
      const stored = await createJob(harness, job);

      const result = await sync(harness, 'job');

      const after = await readJob(harness, 'job');
      assert.deepEqual(result, {});
      assert.equal(after.status?.conditions?.length, 1);
      assert.equal(after.metadata.resourceVersion, stored.metadata.resourceVersion);
      assert.deepEqual(await podsOf(harness, stored), []);
    }));

  void it('ignores a deleted Job', () =>
    withHarness(async (harness) => {
      // Ported from TestSyncJobDeleted: a Job that is not stored is a no-op.
      assert.deepEqual(await sync(harness, 'missing'), {});
      assert.deepEqual(await harness.store.list('Pod'), []);
    }));

  void it('ignores a Job being deleted', () =>
    withHarness(async (harness) => {
      const job = newJob('job', { parallelism: 2, completions: 5 });
      job.metadata.deletionTimestamp = toRfc3339(T0);
      const stored = await createJob(harness, job);

      await sync(harness, 'job');

      assert.deepEqual(await podsOf(harness, stored), []);
      assert.equal(
        (await readJob(harness, 'job')).metadata.resourceVersion,
        stored.metadata.resourceVersion,
      );
    }));

  for (const type of ['FailureTarget', 'SuccessCriteriaMet'] as const) {
    void it(`ignores a manual ${type}=False`, () =>
      withHarness(async (harness) => {
        const job: Job = newJob('job', { parallelism: 1, completions: 1 });
        const at = toRfc3339(T0 - SECOND);
        job.status = {
          active: 1,
          startTime: at,
          conditions: [
            {
              type,
              status: 'False',
              reason: 'ConditionAddedManually',
              message: 'Testing',
              lastProbeTime: at,
              lastTransitionTime: at,
            },
          ],
        };
        const stored = await createJob(harness, job);
        await addPod(harness, stored, { phase: 'Running' });

        await sync(harness, 'job');

        const synced = await readJob(harness, 'job');
        assert.deepEqual(conditionsOf(synced), [`${type}=False ConditionAddedManually: Testing`]);
        assert.deepEqual(countsOf(synced), { active: 1, succeeded: 0, failed: 0 });
      }));
  }
});
