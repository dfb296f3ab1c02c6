import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toRfc3339 } from '../../../src/util/time.js';
import {
  BACKOFF_LIMIT_EXCEEDED,
  COMPLETIONS_REACHED,
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
  sync,
  withHarness,
} from './harness.js';

void describe('Job conditions', () => {
  void it('completes a single-pod Job', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job'));
      await sync(harness, 'job');
      const [pod] = await podsOf(harness, job);
      assert.ok(pod);

      harness.clock.advance(2 * SECOND);
      await claim(harness, pod);
      harness.clock.advance(5 * SECOND);
      await finish(harness, pod, 'Succeeded');
      harness.clock.advance(SECOND);
      await sync(harness, 'job');

      const done = await readJob(harness, 'job');
      const at = toRfc3339(T0 + 8 * SECOND);
      assert.deepEqual(done.status, {
        active: 0,
        succeeded: 1,
        failed: 0,
        ready: 0,
        startTime: toRfc3339(T0),
        completionTime: at,
        conditions: [
          {
            type: 'SuccessCriteriaMet',
            status: 'True',
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
            lastProbeTime: at,
            lastTransitionTime: at,
          },
          {
            type: 'Complete',
            status: 'True',
            reason: 'CompletionsReached',
            message: 'Reached expected number of succeeded pods',
            lastProbeTime: at,
            lastTransitionTime: at,
          },
        ],
      });
      assert.deepEqual(await eventsOf(harness, 'job'), [
        `Normal SuccessfulCreate: Created pod: ${pod.metadata.name}`,
        'Normal Completed: Job completed',
      ]);
    }));

  void it('waits for a stopping pod to complete', () =>
    withHarness(async (harness) => {
      // Three pods may run but two completions suffice: the third is stopped once two succeed.
      const job = await createJob(harness, newJob('job', { parallelism: 3, completions: 2 }));
      await addPod(harness, job, { phase: 'Succeeded', finishedAt: T0 - SECOND });
      await addPod(harness, job, { phase: 'Succeeded', finishedAt: T0 - SECOND });
      const extra = await addPod(harness, job, { phase: 'Running' });

      await sync(harness, 'job');

      const interim = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(interim), [`SuccessCriteriaMet=True ${COMPLETIONS_REACHED}`]);
      assert.equal(interim.status?.completionTime, undefined);
      const stopping = await harness.store.get('Pod', 'default', extra.metadata.name);
      assert.equal(stopping.metadata.deletionTimestamp, toRfc3339(T0));

      // A second sync while the pod still stops changes nothing.
      harness.clock.advance(SECOND);
      await sync(harness, 'job');
      assert.deepEqual(conditionsOf(await readJob(harness, 'job')), [
        `SuccessCriteriaMet=True ${COMPLETIONS_REACHED}`,
      ]);

      harness.clock.advance(4 * SECOND);
      await finish(harness, extra, 'Failed');
      await sync(harness, 'job');

      const done = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(done), [
        `SuccessCriteriaMet=True ${COMPLETIONS_REACHED}`,
        `Complete=True ${COMPLETIONS_REACHED}`,
      ]);
      const complete = done.status?.conditions?.find((c) => c.type === 'Complete');
      assert.equal(complete?.lastTransitionTime, toRfc3339(T0 + 5 * SECOND));
      assert.equal(done.status?.completionTime, toRfc3339(T0 + 5 * SECOND));
      assert.deepEqual(countsOf(done), { active: 0, succeeded: 2, failed: 1 });
      assert.deepEqual(await eventsOf(harness, 'job'), [
        `Normal SuccessfulDelete: Deleted pod: ${extra.metadata.name}`,
        'Normal Completed: Job completed',
      ]);
    }));

  void it('waits for a stopping pod to fail', () =>
    withHarness(async (harness) => {
      const job = await createJob(
        harness,
        newJob('job', { parallelism: 2, completions: 2, backoffLimit: 1 }),
      );
      await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - 3600 * SECOND });
      await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - 3600 * SECOND });
      const running = await addPod(harness, job, { phase: 'Running' });

      await sync(harness, 'job');

      const interim = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(interim), [`FailureTarget=True ${BACKOFF_LIMIT_EXCEEDED}`]);
      assert.deepEqual(countsOf(interim), { active: 0, succeeded: 0, failed: 3 });

      harness.clock.advance(5 * SECOND);
      await finish(harness, running, 'Failed');
      await sync(harness, 'job');

      const failed = await readJob(harness, 'job');
      assert.deepEqual(conditionsOf(failed), [
        `FailureTarget=True ${BACKOFF_LIMIT_EXCEEDED}`,
        `Failed=True ${BACKOFF_LIMIT_EXCEEDED}`,
      ]);
      const failedCondition = failed.status?.conditions?.find((c) => c.type === 'Failed');
      assert.equal(failedCondition?.lastTransitionTime, toRfc3339(T0 + 5 * SECOND));
      assert.equal(failed.status?.completionTime, undefined);
      assert.deepEqual(countsOf(failed), { active: 0, succeeded: 0, failed: 3 });
      assert.deepEqual(await eventsOf(harness, 'job'), [
        `Warning ${BACKOFF_LIMIT_EXCEEDED}`,
        `Normal SuccessfulDelete: Deleted pod: ${running.metadata.name}`,
      ]);
    }));

  void it('never reconciles a failed Job again', () =>
    withHarness(async (harness) => {
      const job = await createJob(harness, newJob('job', { backoffLimit: 0 }));
      await addPod(harness, job, { phase: 'Failed', finishedAt: T0 - SECOND });
      await sync(harness, 'job');
      const failed = await readJob(harness, 'job');

      harness.clock.advance(3600 * SECOND);
      const result = await sync(harness, 'job');

      assert.deepEqual(result, {});
      assert.equal(
        (await readJob(harness, 'job')).metadata.resourceVersion,
        failed.metadata.resourceVersion,
      );
      assert.equal((await podsOf(harness, job)).length, 1);
    }));
});
