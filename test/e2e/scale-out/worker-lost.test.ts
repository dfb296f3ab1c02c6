import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Job, Pod } from '../../../src/api/types.js';
import {
  dropSchema,
  freshSchemaName,
  storeUrlOf,
  testDatabaseUrl,
} from '../../store/postgres-schema.js';
import {
  SchemaReader,
  createThroughApi,
  killAll,
  startReplica,
  startWorkerProcess,
  type CronmeshProcess,
} from '../../support/cronmesh-cluster.js';
import { waitFor } from '../../support/wait.js';

/** Real milliseconds a killed worker's lease outlives its last renewal. */
const workerLeaseMs = 3000;
/**
 * Upper bound of the real time from a worker's SIGKILL to its attempt marked WorkerLost: the
 * lease, one 5 s sweep interval of the leader, and slack for a loaded machine.
 */
const lossDetectionMs = workerLeaseMs + 5000 + 10_000;
/** Upper bound of the real time until the retry runs: the 10 s pod failure back-off, and slack. */
const retryStartMs = 10_000 + 10_000;

function sleeperJob(pidFile: string): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'sleeper', namespace: 'default' },
    spec: {
      backoffLimit: 1,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'busybox:1.28',
              // The shell records its PID, then becomes `sleep`, so the test can end the
              // process that a killed worker leaves behind.
              command: ['/bin/sh', '-c', `echo $$$$ >> ${pidFile}; exec sleep 30`],
            },
          ],
        },
      },
    },
  };
}

describe('attempts of a killed worker', () => {
  let dir: string;
  let schema: string;
  let reader: SchemaReader | undefined;
  const processes: CronmeshProcess[] = [];
  let passed = false;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-worker-lost-'));
    schema = freshSchemaName();
  });

  after(async () => {
    await killAll(processes);
    // A SIGKILLed worker cannot stop its attempt, so the attempt's `sleep` outlives it.
    const pids = await readFile(join(dir, 'pids'), 'utf8').catch(() => '');
    for (const pid of pids.split('\n').filter((line) => line !== '')) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // It has exited already.
      }
    }
    await reader?.close();
    await dropSchema(schema);
    if (passed) await rm(dir, { recursive: true, force: true });
    else console.log(`worker-lost test: process logs kept in ${dir}`);
  });

  it('fail WorkerLost and count against backoffLimit', async () => {
    const storeUrl = storeUrlOf(schema);
    const settings = { logDir: dir };
    const replica = await startReplica('replica', storeUrl, ['--worker-concurrency', '0'], {
      ...settings,
      readyPath: '/readyz',
    });
    processes.push(replica);

    const workerArgs = [
      '--concurrency',
      '1',
      '--lease-duration',
      `${workerLeaseMs}ms`,
      '--heartbeat-interval',
      '1s',
      // The test signals the host PIDs that the jobs record, which a PID namespace would hide.
      '--sandbox=none',
    ];
    const workers = new Map<string, CronmeshProcess>();
    for (const name of ['worker-a', 'worker-b', 'worker-c']) {
      const worker = await startWorkerProcess(name, storeUrl, workerArgs, {
        ...settings,
        readyPath: '/readyz',
      });
      processes.push(worker);
      const id = worker.logs().find((record) => record.msg === 'worker started')?.['worker'];
      workers.set(String(id), worker);
    }

    reader = new SchemaReader(testDatabaseUrl, schema);
    const db = reader;
    const podsOfJob = async (): Promise<Pod[]> =>
      (await db.objects<Pod>('Pod')).filter(
        (pod) => pod.metadata.labels?.['batch.kubernetes.io/job-name'] === 'sleeper',
      );
    const pidFile = join(dir, 'pids');
    // An attempt runs once its container is reported running and its shell has written its
    // PID. A claim alone already sets phase Running, before any process exists.
    const runningPod = (exclude: string[]) => async (): Promise<Pod | undefined> => {
      const started = (await readFile(pidFile, 'utf8').catch(() => '')).split('\n').length - 1;
      if (started !== exclude.length + 1) return undefined;
      return (await podsOfJob()).find(
        (pod) =>
          pod.status?.phase === 'Running' &&
          pod.status.containerStatuses?.[0]?.state?.running !== undefined &&
          !exclude.includes(pod.metadata.name),
      );
    };
    const job = async (): Promise<Job | undefined> =>
      (await db.objects<Job>('Job')).find((found) => found.metadata.name === 'sleeper');

    await createThroughApi<Job>(replica.url, [sleeperJob(pidFile)]);
    const first = await waitFor('the first attempt to run', runningPod([]), 30_000, 100);
    const firstWorker = workers.get(first.status?.nodeName ?? '');
    assert.ok(firstWorker, `the first attempt ran on ${first.status?.nodeName}, not a test worker`);
    process.kill(firstWorker.pid, 'SIGKILL');
    await firstWorker.exited;

    const firstLost = await waitFor(
      'the first attempt to fail',
      async () =>
        (await podsOfJob()).find(
          (pod) => pod.metadata.name === first.metadata.name && pod.status?.phase === 'Failed',
        ),
      lossDetectionMs,
      100,
    );
    const firstLease = await db.lease(`worker/${first.status?.nodeName}`);
    const second = await waitFor(
      'a retry to run',
      runningPod([first.metadata.name]),
      retryStartMs,
      100,
    );
    // The Job counts the retry as active at its next sync after the retry was created.
    const afterFirstLoss = await waitFor(
      'the Job to count the retry as active',
      async () => {
        const found = await job();
        return found?.status?.active === 1 ? found : undefined;
      },
      10_000,
      100,
    );

    assert.equal(firstLost.status?.reason, 'WorkerLost');
    assert.equal(
      firstLost.status?.message,
      `worker ${first.status?.nodeName} stopped while the attempt was running`,
    );
    assert.equal(firstLost.status?.containerStatuses?.[0]?.state?.terminated?.reason, 'WorkerLost');
    assert.equal(firstLost.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 137);
    assert.equal(firstLease?.holder, '', 'the lost worker lease is revoked');
    assert.notEqual(second.status?.nodeName, first.status?.nodeName);
    assert.equal(workers.has(second.status?.nodeName ?? ''), true);
    assert.equal(afterFirstLoss.status?.failed, 1);
    assert.equal(afterFirstLoss.status?.succeeded ?? 0, 0);
    assert.deepEqual(
      (afterFirstLoss.status?.conditions ?? []).filter((condition) => condition.status === 'True'),
      [],
    );

    // A second loss is the second failure, one more than backoffLimit allows.
    const secondWorker = workers.get(second.status?.nodeName ?? '') as CronmeshProcess;
    process.kill(secondWorker.pid, 'SIGKILL');
    await secondWorker.exited;
    const failedJob = await waitFor(
      'the Job to fail',
      async () => {
        const found = await job();
        return found?.status?.conditions?.some(
          (condition) => condition.type === 'Failed' && condition.status === 'True',
        )
          ? found
          : undefined;
      },
      lossDetectionMs,
      100,
    );
    const pods = await podsOfJob();
    const secondLost = pods.find((pod) => pod.metadata.name === second.metadata.name);
    const failedCondition = failedJob.status?.conditions?.find(
      (condition) => condition.type === 'Failed',
    );

    assert.equal(secondLost?.status?.phase, 'Failed');
    assert.equal(secondLost?.status?.reason, 'WorkerLost');
    assert.equal(failedCondition?.reason, 'BackoffLimitExceeded');
    assert.equal(failedCondition?.message, 'Job has reached the specified backoff limit');
    assert.equal(failedJob.status?.failed, 2);
    assert.equal(failedJob.status?.succeeded ?? 0, 0);
    assert.equal(failedJob.status?.active ?? 0, 0);
    assert.deepEqual(pods.map((pod) => pod.status?.phase).sort(), ['Failed', 'Failed']);
    passed = true;
  });
});
