import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CronJob, Event, Job, JobCondition, Pod } from '../../../src/api/types.js';
import { GarbageCollector } from '../../../src/controller/garbage-collector.js';
import { silentLogger } from '../../../src/util/logger.js';
import { toRfc3339 } from '../../../src/util/time.js';
import type { Harness } from './harness.js';
import {
  NAMESPACE,
  SECOND,
  T0,
  addPod,
  claim,
  createJob,
  finish,
  newJob,
  podsOf,
  sync,
  withHarness,
} from './harness.js';

async function startCollector(harness: Harness): Promise<GarbageCollector> {
  const collector = new GarbageCollector({
    store: harness.store,
    clock: harness.clock,
    logger: silentLogger,
  });
  await collector.start();
  await collector.idle();
  return collector;
}

/**
 * Moves the fake clock and waits until the collection work it triggered is done. Tests wait for
 * idle before each advance, because a reconcile schedules its requeue from the clock at its end.
 */
async function advance(harness: Harness, collector: GarbageCollector, ms: number): Promise<void> {
  harness.clock.advance(ms);
  await collector.idle();
}

/** Builds a Job that finished with `type` at `finishedAt`. */
function finishedJob(
  name: string,
  type: 'Complete' | 'Failed',
  finishedAt: number,
  ttl?: number,
): Job {
  const job = newJob(name, ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl });
  const at = toRfc3339(finishedAt);
  const condition: JobCondition = {
    type,
    status: 'True',
    lastProbeTime: at,
    lastTransitionTime: at,
  };
  job.status = { conditions: [condition] };
  return job;
}

async function jobExists(harness: Harness, name: string): Promise<boolean> {
  return (await harness.store.find<Job>('Job', NAMESPACE, name)) !== undefined;
}

function cronJob(name: string): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: NAMESPACE },
    spec: { schedule: '*/1 * * * *', jobTemplate: { spec: newJob(name).spec } },
  };
}

/** Builds a Job owned by `owner`, as the CronJob controller creates them. */
function ownedJob(name: string, owner: CronJob): Job {
  const job = newJob(name);
  job.metadata.ownerReferences = [
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      name: owner.metadata.name,
      uid: owner.metadata.uid ?? '',
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  return job;
}

async function logOf(harness: Harness, pod: Pod): Promise<string[]> {
  const chunks = await harness.store.readLog({
    namespace: NAMESPACE,
    pod: pod.metadata.name,
    container: 'main',
  });
  return chunks.map((chunk) => chunk.data);
}

async function writeLog(harness: Harness, pod: Pod, text: string): Promise<void> {
  await harness.store.appendLog(
    { namespace: NAMESPACE, pod: pod.metadata.name, container: 'main' },
    'stdout',
    text,
    harness.clock.now(),
  );
}

// Cases follow kubernetes/kubernetes pkg/controller/ttlafterfinished/ttlafterfinished_controller_test.go
// (TestTimeLeft): the Job is deleted at finish + ttlSecondsAfterFinished, and not before.
void describe('ttlSecondsAfterFinished', () => {
  const cases: Array<{
    name: string;
    type: 'Complete' | 'Failed';
    finishedAgo: number;
    ttl: number;
    left: number;
  }> = [
    { name: 'completed now, 0 s', type: 'Complete', finishedAgo: 0, ttl: 0, left: 0 },
    { name: 'completed now, 10 s', type: 'Complete', finishedAgo: 0, ttl: 10, left: 10 },
    { name: 'completed 10 s ago, 15 s', type: 'Complete', finishedAgo: 10, ttl: 15, left: 5 },
    { name: 'failed now, 0 s', type: 'Failed', finishedAgo: 0, ttl: 0, left: 0 },
    { name: 'failed now, 10 s', type: 'Failed', finishedAgo: 0, ttl: 10, left: 10 },
    { name: 'failed 10 s ago, 15 s', type: 'Failed', finishedAgo: 10, ttl: 15, left: 5 },
  ];
  for (const { name, type, finishedAgo, ttl, left } of cases) {
    void it(name, () =>
      withHarness(async (harness) => {
        const collector = await startCollector(harness);
        try {
          await createJob(harness, finishedJob('job', type, T0 - finishedAgo * SECOND, ttl));
          await collector.idle();
          if (left > 0) {
            await advance(harness, collector, left * SECOND - 1);
            assert.equal(await jobExists(harness, 'job'), true, '1 ms before expiry');
            await advance(harness, collector, 1);
          }
          assert.equal(await jobExists(harness, 'job'), false, 'at expiry');
        } finally {
          await collector.stop();
        }
      }),
    );
  }

  void it('keeps an unfinished Job', () =>
    withHarness(async (harness) => {
      const collector = await startCollector(harness);
      try {
        await createJob(harness, newJob('job', { ttlSecondsAfterFinished: 0 }));
        await collector.idle();
        await advance(harness, collector, 3600 * SECOND);
        assert.equal(await jobExists(harness, 'job'), true);
      } finally {
        await collector.stop();
      }
    }));

  void it('keeps a finished Job without TTL', () =>
    withHarness(async (harness) => {
      const collector = await startCollector(harness);
      try {
        await createJob(harness, finishedJob('job', 'Complete', T0));
        await collector.idle();
        await advance(harness, collector, 3600 * SECOND);
        assert.equal(await jobExists(harness, 'job'), true);
      } finally {
        await collector.stop();
      }
    }));

  void it('waits when finish is in the future', () =>
    withHarness(async (harness) => {
      const collector = await startCollector(harness);
      try {
        // Clock skew: the condition records a finish 60 s from now.
        await createJob(harness, finishedJob('job', 'Complete', T0 + 60 * SECOND, 0));
        await collector.idle();
        await advance(harness, collector, 60 * SECOND - 1);
        assert.equal(await jobExists(harness, 'job'), true);
        await advance(harness, collector, 1);
        assert.equal(await jobExists(harness, 'job'), false);
      } finally {
        await collector.stop();
      }
    }));

  void it('expires Jobs finished before start', () =>
    withHarness(async (harness) => {
      await createJob(harness, finishedJob('old', 'Complete', T0 - 100 * SECOND, 30));
      await createJob(harness, finishedJob('recent', 'Failed', T0 - 10 * SECOND, 30));

      const collector = await startCollector(harness);
      try {
        assert.equal(await jobExists(harness, 'old'), false);
        assert.equal(await jobExists(harness, 'recent'), true);
        await advance(harness, collector, 20 * SECOND);
        assert.equal(await jobExists(harness, 'recent'), false);
      } finally {
        await collector.stop();
      }
    }));

  void it('deletes the pods after the Job', () =>
    withHarness(async (harness) => {
      const collector = await startCollector(harness);
      try {
        const job = await createJob(harness, newJob('job', { ttlSecondsAfterFinished: 30 }));
        await sync(harness, 'job');
        const [pod] = await podsOf(harness, job);
        assert.ok(pod);
        await claim(harness, pod);
        await writeLog(harness, pod, 'hello\n');
        harness.clock.advance(5 * SECOND);
        await finish(harness, pod, 'Succeeded');
        harness.clock.advance(SECOND);
        await sync(harness, 'job');
        await collector.idle();

        // Complete at T0 + 6 s, so the Job expires at T0 + 36 s.
        await advance(harness, collector, 30 * SECOND - 1);
        assert.equal(await jobExists(harness, 'job'), true);
        assert.equal((await podsOf(harness, job)).length, 1);

        await advance(harness, collector, 1);
        assert.equal(harness.clock.now(), T0 + 36 * SECOND);
        assert.equal(await jobExists(harness, 'job'), false);
        assert.deepEqual(await podsOf(harness, job), []);
        assert.deepEqual(await logOf(harness, pod), []);
      } finally {
        await collector.stop();
      }
    }));
});

void describe('cascading deletion', () => {
  void it('follows CronJob to Jobs to pods to logs', () =>
    withHarness(async (harness) => {
      const collector = await startCollector(harness);
      try {
        const owner = await harness.store.create(cronJob('nightly'), T0);
        const other = await harness.store.create(cronJob('hourly'), T0);
        const first = await createJob(harness, ownedJob('nightly-1', owner));
        const second = await createJob(harness, ownedJob('nightly-2', owner));
        const kept = await createJob(harness, ownedJob('hourly-1', other));
        const pods = [
          await addPod(harness, first, { phase: 'Succeeded' }),
          await addPod(harness, second, { phase: 'Running' }),
        ];
        const keptPod = await addPod(harness, kept, { phase: 'Running' });
        for (const pod of [...pods, keptPod])
          await writeLog(harness, pod, `${pod.metadata.name}\n`);

        await harness.store.delete('CronJob', NAMESPACE, 'nightly');
        await collector.idle();

        const jobs = await harness.store.list<Job>('Job');
        assert.deepEqual(
          jobs.map((job) => job.metadata.name),
          ['hourly-1'],
        );
        const remaining = await harness.store.list<Pod>('Pod');
        assert.deepEqual(
          remaining.map((pod) => pod.metadata.name),
          [keptPod.metadata.name],
        );
        for (const pod of pods) assert.deepEqual(await logOf(harness, pod), [], pod.metadata.name);
        assert.deepEqual(await logOf(harness, keptPod), [`${keptPod.metadata.name}\n`]);
      } finally {
        await collector.stop();
      }
    }));

  // A controller that read the owner just before it was deleted creates the dependent after the
  // collector has already deleted the owner's dependents.
  void it('deletes dependents created after their owner', () =>
    withHarness(async (harness) => {
      const collector = await startCollector(harness);
      try {
        const owner = await harness.store.create(cronJob('nightly'), T0);
        const job = await createJob(harness, newJob('single'));
        await harness.store.delete('CronJob', NAMESPACE, 'nightly');
        await harness.store.delete('Job', NAMESPACE, 'single');
        await collector.idle();

        const lateJob = await createJob(harness, ownedJob('nightly-1', owner));
        const latePod = await addPod(harness, job, { phase: 'Pending' });
        await collector.idle();

        assert.equal(await harness.store.find('Job', NAMESPACE, lateJob.metadata.name), undefined);
        assert.equal(await harness.store.find('Pod', NAMESPACE, latePod.metadata.name), undefined);
      } finally {
        await collector.stop();
      }
    }));

  void it('matches owners by uid', () =>
    withHarness(async (harness) => {
      const collector = await startCollector(harness);
      try {
        const old = await createJob(harness, newJob('reused'));
        await harness.store.delete('Job', NAMESPACE, 'reused');
        const current = await createJob(harness, newJob('reused'));
        const podOfOld = await addPod(harness, old, { phase: 'Pending' });
        const podOfCurrent = await addPod(harness, current, { phase: 'Pending' });
        await collector.idle();

        const pods = await harness.store.list<Pod>('Pod');
        assert.deepEqual(
          pods.map((pod) => pod.metadata.name),
          [podOfCurrent.metadata.name],
        );
        assert.notEqual(podOfOld.metadata.name, podOfCurrent.metadata.name);
      } finally {
        await collector.stop();
      }
    }));

  void it('sweeps orphans at start', () =>
    withHarness(async (harness) => {
      const owner = await harness.store.create(cronJob('nightly'), T0);
      const orphanJob = await createJob(
        harness,
        ownedJob('gone-1', await harness.store.create(cronJob('gone'), T0)),
      );
      await harness.store.delete('CronJob', NAMESPACE, 'gone');
      const liveJob = await createJob(harness, ownedJob('nightly-1', owner));
      const standalone = await createJob(harness, newJob('manual'));
      const orphanJobPod = await addPod(harness, orphanJob, { phase: 'Succeeded' });
      const livePod = await addPod(harness, liveJob, { phase: 'Running' });
      const standalonePod = await addPod(harness, standalone, { phase: 'Running' });
      const deletedJob = await createJob(harness, newJob('deleted'));
      const podOfDeleted = await addPod(harness, deletedJob, { phase: 'Failed' });
      await harness.store.delete('Job', NAMESPACE, 'deleted');

      const collector = await startCollector(harness);
      try {
        const jobs = await harness.store.list<Job>('Job');
        assert.deepEqual(
          jobs.map((job) => job.metadata.name),
          ['manual', 'nightly-1'],
        );
        const pods = await harness.store.list<Pod>('Pod');
        assert.deepEqual(
          pods.map((pod) => pod.metadata.name).sort(),
          [livePod.metadata.name, standalonePod.metadata.name].sort(),
        );
        assert.equal(
          await harness.store.find('Pod', NAMESPACE, orphanJobPod.metadata.name),
          undefined,
        );
        assert.equal(
          await harness.store.find('Pod', NAMESPACE, podOfDeleted.metadata.name),
          undefined,
        );
      } finally {
        await collector.stop();
      }
    }));
});

void describe('Event expiry', () => {
  void it('deletes Events older than an hour', () =>
    withHarness(async (harness) => {
      const event = (name: string, lastAt: number): Event => ({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: NAMESPACE },
        involvedObject: { kind: 'Job', name: 'job', namespace: NAMESPACE },
        reason: 'Completed',
        message: 'Job completed',
        type: 'Normal',
        lastTimestamp: toRfc3339(lastAt),
      });
      await harness.store.create(event('old', T0 - 61 * 60 * SECOND), T0);
      await harness.store.create(event('recent', T0 - 59 * 60 * SECOND), T0);

      const collector = await startCollector(harness);
      try {
        const names = async (): Promise<string[]> =>
          (await harness.store.list<Event>('Event')).map((item) => item.metadata.name);
        assert.deepEqual(await names(), ['recent']);
        // The next sweep runs 5 minutes later, when the other Event is 64 minutes old.
        await advance(harness, collector, 5 * 60 * SECOND - 1);
        assert.deepEqual(await names(), ['recent']);
        await advance(harness, collector, 1);
        assert.deepEqual(await names(), []);
      } finally {
        await collector.stop();
      }
    }));
});
