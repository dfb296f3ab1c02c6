import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Job } from '../../src/api/types.js';
import type { Status } from '../../src/server/status.js';
import type { TestServer } from './harness.js';
import {
  cronJobManifest,
  cronJobsPath,
  jobManifest,
  jobsPath,
  request,
  startTestServer,
} from './harness.js';

describe('DELETE routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  async function createOwnerAndJob(name: string): Promise<{ owner: CronJob; job: Job }> {
    const owner = (await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest(name)))
      .body;
    const job = (await request<Job>(server, 'POST', jobsPath, jobManifest(`${name}-job`, owner)))
      .body;
    return { owner, job };
  }

  test('delete returns a Success status', async () => {
    const created = (await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('gone')))
      .body;
    const response = await request<Status>(server, 'DELETE', `${cronJobsPath}/gone`);
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'gone', group: 'batch', kind: 'cronjobs', uid: created.metadata.uid },
      code: 200,
    });
    const after = await request<Status>(server, 'GET', `${cronJobsPath}/gone`);
    assert.equal(after.status, 404);
  });

  test('delete of a missing object is NotFound', async () => {
    const response = await request<Status>(server, 'DELETE', `${cronJobsPath}/never`);
    assert.equal(response.status, 404);
    assert.equal(response.body.message, 'cronjobs.batch "never" not found');
  });

  test('background delete leaves dependents to the collector', async () => {
    const { owner } = await createOwnerAndJob('background');
    const response = await request(server, 'DELETE', `${cronJobsPath}/background`);
    assert.equal(response.status, 200);
    const job = await request<Job>(server, 'GET', `${jobsPath}/background-job`);
    assert.equal(job.status, 200);
    assert.equal(job.body.metadata.ownerReferences?.[0]?.uid, owner.metadata.uid);
  });

  test('orphan delete removes owner references', async () => {
    await createOwnerAndJob('orphaner');
    const response = await request(
      server,
      'DELETE',
      `${cronJobsPath}/orphaner?propagationPolicy=Orphan`,
    );
    assert.equal(response.status, 200);
    const job = await request<Job>(server, 'GET', `${jobsPath}/orphaner-job`);
    assert.equal(job.status, 200);
    assert.equal(job.body.metadata.ownerReferences, undefined);
  });

  test('propagation policy from DeleteOptions body', async () => {
    await createOwnerAndJob('body-orphan');
    const options = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Orphan' };
    const response = await request(server, 'DELETE', `${cronJobsPath}/body-orphan`, options);
    assert.equal(response.status, 200);
    const job = await request<Job>(server, 'GET', `${jobsPath}/body-orphan-job`);
    assert.equal(job.body.metadata.ownerReferences, undefined);
  });

  test('unknown propagation policy is rejected', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('policy'));
    const response = await request<Status>(
      server,
      'DELETE',
      `${cronJobsPath}/policy?propagationPolicy=Later`,
    );
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'propagationPolicy: Unsupported value: "Later": supported values: "Foreground", "Background", "Orphan"',
    );
  });

  test('uid precondition mismatch conflicts before orphaning', async () => {
    const { owner } = await createOwnerAndJob('guarded');
    const options = { propagationPolicy: 'Orphan', preconditions: { uid: 'wrong-uid' } };
    const response = await request<Status>(server, 'DELETE', `${cronJobsPath}/guarded`, options);
    assert.equal(response.status, 409);
    assert.equal(
      response.body.message,
      `Operation cannot be fulfilled on cronjobs.batch "guarded": Precondition failed: UID in precondition: wrong-uid, UID in object meta: ${owner.metadata.uid}`,
    );
    const job = await request<Job>(server, 'GET', `${jobsPath}/guarded-job`);
    assert.equal(job.body.metadata.ownerReferences?.[0]?.uid, owner.metadata.uid);
    const still = await request(server, 'GET', `${cronJobsPath}/guarded`);
    assert.equal(still.status, 200);
  });
});
