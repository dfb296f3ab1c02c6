import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Job } from '../../src/api/types.js';
import type { TestServer } from './harness.js';
import { cronJobManifest, cronJobsPath, request, runCli, startCliServer } from './harness.js';

describe('cronjob actions', () => {
  let server: TestServer;
  let cronJob: CronJob;

  before(async () => {
    server = await startCliServer();
    const manifest = cronJobManifest('hello');
    manifest.spec.jobTemplate.metadata = {
      labels: { app: 'hello' },
      annotations: { team: 'data' },
    };
    cronJob = (await request<CronJob>(server, 'POST', cronJobsPath, manifest)).body;
  });
  after(async () => {
    await server.close();
  });

  test('create job from a cronjob', async () => {
    const result = await runCli(server, ['create', 'job', 'manual-1', '--from=cronjob/hello']);
    assert.equal(result.stdout, 'job.batch/manual-1 created\n');
    assert.equal(result.code, 0);

    const job = await server.store.get<Job>('Job', 'default', 'manual-1');
    assert.deepEqual(job.metadata.annotations, {
      'cronjob.kubernetes.io/instantiate': 'manual',
      team: 'data',
    });
    assert.equal(job.metadata.labels?.app, 'hello');
    assert.deepEqual(job.metadata.ownerReferences, [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'hello',
        uid: cronJob.metadata.uid,
        controller: true,
      },
    ]);
    assert.deepEqual(
      job.spec.template.spec.containers,
      cronJob.spec.jobTemplate.spec.template.spec.containers,
    );
  });

  test('create job from a missing cronjob', async () => {
    const result = await runCli(server, ['create', 'job', 'manual-2', '--from=cronjob/absent']);
    assert.equal(
      result.stderr,
      'Error from server (NotFound): cronjobs.batch "absent" not found\n',
    );
    assert.equal(result.code, 1);
  });

  test('create job needs --from', async () => {
    const result = await runCli(server, ['create', 'job', 'manual-3']);
    assert.equal(
      result.stderr,
      'error: create job needs --from=cronjob/NAME: cronmesh creates Jobs from CronJobs\n',
    );
    assert.equal(result.code, 1);
  });

  test('suspend and resume', async () => {
    const suspended = await runCli(server, ['suspend', 'cronjob/hello']);
    assert.equal(suspended.stdout, 'cronjob.batch/hello suspended\n');
    assert.equal(
      (await server.store.get<CronJob>('CronJob', 'default', 'hello')).spec.suspend,
      true,
    );

    const resumed = await runCli(server, ['resume', 'hello']);
    assert.equal(resumed.stdout, 'cronjob.batch/hello resumed\n');
    assert.equal(
      (await server.store.get<CronJob>('CronJob', 'default', 'hello')).spec.suspend,
      false,
    );
  });

  test('suspend rejects a configmap', async () => {
    const result = await runCli(server, ['suspend', 'configmap/x']);
    assert.equal(result.stderr, 'error: only cronjobs and jobs can be suspended, not configmaps\n');
    assert.equal(result.code, 1);
  });
});
