import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { prepareForCreate } from '../../src/api/index.js';
import type { ConfigMap, CronJob, Event, Job, Pod, Secret } from '../../src/api/types.js';
import { SystemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import type { SchedulerHandle } from '../../src/worker/host.js';
import { startScheduler } from '../../src/worker/host.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';

const clock = new SystemClock();

function shellJob(name: string, script: string, spec: Partial<Job['spec']> = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      backoffLimit: 0,
      ...spec,
      template: {
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'busybox:1.28', command: ['/bin/sh', '-c', script] }],
        },
      },
    },
  };
}

async function finishedJob(temp: TempStore, name: string, timeoutMs = 15_000): Promise<Job> {
  return waitFor(
    `job ${name} to finish`,
    async () => {
      const job = await temp.store.get<Job>('Job', 'default', name);
      const done = job.status?.conditions?.some(
        (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      );
      return done ? job : undefined;
    },
    timeoutMs,
  );
}

async function podsOf(temp: TempStore, job: Job): Promise<Pod[]> {
  return temp.store.list<Pod>('Pod', { namespace: 'default', ownerUid: job.metadata.uid });
}

async function logOf(temp: TempStore, pod: Pod, container = 'main'): Promise<string> {
  const chunks = await temp.store.readLog({
    namespace: 'default',
    pod: pod.metadata.name,
    container,
  });
  return chunks.map((chunk) => chunk.data).join('');
}

describe('scheduler end to end', () => {
  let temp: TempStore;
  let scheduler: SchedulerHandle;

  beforeEach(async () => {
    temp = await openTempStore();
    scheduler = await startScheduler({
      store: temp.store,
      clock,
      logger: silentLogger,
      workerConcurrency: 4,
      pollIntervalMs: 200,
    });
  });

  afterEach(async () => {
    await scheduler.stop();
    await temp.cleanup();
  });

  it('runs a job to completion and stores its output', async () => {
    await temp.store.create(
      prepareForCreate(shellJob('hello', 'echo out; echo err >&2')),
      clock.now(),
    );

    const job = await finishedJob(temp, 'hello');
    const pods = await podsOf(temp, job);

    assert.equal(job.status?.conditions?.at(-1)?.type, 'Complete');
    assert.equal(job.status?.succeeded, 1);
    assert.equal(job.status?.failed, 0);
    assert.equal(pods.length, 1);
    assert.equal(pods[0]?.status?.phase, 'Succeeded');
    assert.equal(await logOf(temp, pods[0]), 'out\nerr\n');
  });

  it('fails a job at backoffLimit 0 with the exit code recorded', async () => {
    await temp.store.create(prepareForCreate(shellJob('broken', 'exit 3')), clock.now());

    const job = await finishedJob(temp, 'broken');
    const pods = await podsOf(temp, job);
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');

    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    assert.equal(failed?.message, 'Job has reached the specified backoff limit');
    assert.equal(job.status?.failed, 1);
    assert.equal(pods[0]?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);
  });

  it('stops a job past activeDeadlineSeconds and kills its processes', async () => {
    const pidFile = join(temp.dataDir, 'pid');
    // Kubernetes reduces `$$` to `$` in command and args, so the shell's `$$` is written `$$$$`.
    const script = `echo $$$$ > ${pidFile}; sleep 30`;
    await temp.store.create(
      prepareForCreate(shellJob('slow', script, { activeDeadlineSeconds: 1, backoffLimit: 6 })),
      clock.now(),
    );

    const job = await finishedJob(temp, 'slow');
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed');
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    const pods = await podsOf(temp, job);

    assert.equal(failed?.reason, 'DeadlineExceeded');
    assert.equal(failed?.message, 'Job was active longer than specified deadline');
    assert.equal(pods[0]?.status?.phase, 'Failed');
    assert.equal(pods[0]?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 143);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
  });

  it('resolves env from ConfigMaps, Secrets and the downward API', async () => {
    const configMap: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: 'default' },
      data: { GREETING: 'hi', COLOR: 'blue' },
    };
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'default' },
      data: { token: Buffer.from('s3cret').toString('base64') },
    };
    await temp.store.create(configMap, clock.now());
    await temp.store.create(secret, clock.now());
    const job = shellJob('env', 'echo "$CFG_GREETING $COLOR_NAME $TOKEN $POD_NS $REF"');
    const container = job.spec.template.spec.containers[0];
    assert.ok(container);
    container.envFrom = [{ prefix: 'CFG_', configMapRef: { name: 'settings' } }];
    container.env = [
      { name: 'COLOR_NAME', valueFrom: { configMapKeyRef: { name: 'settings', key: 'COLOR' } } },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
      { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'REF', value: '$(COLOR_NAME)-x' },
    ];
    await temp.store.create(prepareForCreate(job), clock.now());

    const finished = await finishedJob(temp, 'env');
    const pods = await podsOf(temp, finished);

    assert.equal(await logOf(temp, pods[0] as Pod), 'hi blue s3cret default blue-x\n');
  });

  it('fails an attempt whose ConfigMap is missing', async () => {
    const job = shellJob('nocm', 'echo never');
    const container = job.spec.template.spec.containers[0];
    assert.ok(container);
    container.envFrom = [{ configMapRef: { name: 'absent' } }];
    await temp.store.create(prepareForCreate(job), clock.now());

    const finished = await finishedJob(temp, 'nocm');
    const pods = await podsOf(temp, finished);

    assert.equal(pods[0]?.status?.reason, 'CreateContainerConfigError');
    assert.equal(pods[0]?.status?.message, 'configmap "absent" not found');
  });

  it('creates and runs a job for a CronJob', async () => {
    const cronJob: CronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default' },
      spec: {
        schedule: '@every 1s',
        concurrencyPolicy: 'Allow',
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 1,
        jobTemplate: { spec: shellJob('unused', 'echo tick').spec },
      },
    };
    await temp.store.create(prepareForCreate(cronJob), clock.now());

    const job = await waitFor('a job of the CronJob', async () => {
      const jobs = await temp.store.list<Job>('Job', { namespace: 'default' });
      return jobs[0];
    });
    const done = await finishedJob(temp, job.metadata.name);
    const pods = await podsOf(temp, done);
    const stored = await temp.store.get<CronJob>('CronJob', 'default', 'tick');
    const events = await temp.store.list<Event>('Event', { namespace: 'default' });

    const scheduled = job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'];
    const created = events.find(
      (e) => e.reason === 'SuccessfulCreate' && e.involvedObject.kind === 'CronJob',
    );

    assert.equal(job.metadata.name, `tick-${Math.floor(Date.parse(scheduled ?? '') / 60_000)}`);
    assert.equal(await logOf(temp, pods[0] as Pod), 'tick\n');
    // Later activations in the same minute map to the same Job name and are adopted, so the
    // last schedule time moves on within that minute.
    assert.equal(
      Math.floor(Date.parse(stored.status?.lastScheduleTime ?? '') / 60_000),
      Math.floor(Date.parse(scheduled ?? '') / 60_000),
    );
    assert.equal(created?.message, `Created job ${job.metadata.name}`);
  });
});
