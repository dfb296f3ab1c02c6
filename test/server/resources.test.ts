import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Job, Pod, Secret } from '../../src/api/types.js';
import type { Status } from '../../src/server/status.js';
import type { TestServer } from './harness.js';
import {
  cronJobManifest,
  cronJobsPath,
  jobManifest,
  jobsPath,
  podObject,
  podsPath,
  request,
  startTestServer,
} from './harness.js';

interface List<T> {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string };
  items: T[];
}

describe('resource routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('create cronjob applies defaults and metadata', async () => {
    const response = await request<CronJob>(
      server,
      'POST',
      cronJobsPath,
      cronJobManifest('create-1'),
    );
    assert.equal(response.status, 201);
    const created = response.body;
    assert.equal(created.metadata.namespace, 'default');
    assert.equal(created.metadata.creationTimestamp, '2024-01-01T00:00:00Z');
    assert.equal(created.metadata.generation, 1);
    assert.equal(typeof created.metadata.uid, 'string');
    assert.match(created.metadata.resourceVersion ?? '', /^\d+$/);
    assert.equal(created.spec.concurrencyPolicy, 'Allow');
    assert.equal(created.spec.suspend, false);
    assert.equal(created.spec.successfulJobsHistoryLimit, 3);
    assert.equal(created.spec.failedJobsHistoryLimit, 1);

    const fetched = await request<CronJob>(server, 'GET', `${cronJobsPath}/create-1`);
    assert.equal(fetched.status, 200);
    assert.deepEqual(fetched.body, created);
  });

  test('create existing name returns AlreadyExists', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('dup'));
    const response = await request<Status>(server, 'POST', cronJobsPath, cronJobManifest('dup'));
    assert.equal(response.status, 409);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'cronjobs.batch "dup" already exists',
      reason: 'AlreadyExists',
      details: { name: 'dup', group: 'batch', kind: 'cronjobs' },
      code: 409,
    });
  });

  test('get missing object returns NotFound', async () => {
    const response = await request<Status>(server, 'GET', `${cronJobsPath}/nope`);
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'cronjobs.batch "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', group: 'batch', kind: 'cronjobs' },
      code: 404,
    });
  });

  test('invalid cronjob returns Invalid status', async () => {
    const manifest = cronJobManifest('tz');
    manifest.spec.schedule = 'CRON_TZ=Etc/UTC */20 * * * *';
    const response = await request<Status>(server, 'POST', cronJobsPath, manifest);
    const detail =
      'Invalid value: "CRON_TZ=Etc/UTC */20 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead';
    assert.equal(response.status, 422);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `CronJob.batch "tz" is invalid: spec.schedule: ${detail}`,
      reason: 'Invalid',
      details: {
        name: 'tz',
        group: 'batch',
        kind: 'CronJob',
        causes: [{ reason: 'FieldValueInvalid', message: detail, field: 'spec.schedule' }],
      },
      code: 422,
    });
  });

  test('several invalid fields are listed in brackets', async () => {
    const manifest = cronJobManifest('two-errors');
    manifest.spec.successfulJobsHistoryLimit = -1;
    manifest.spec.failedJobsHistoryLimit = -2;
    const response = await request<Status>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'CronJob.batch "two-errors" is invalid: [' +
        'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0, ' +
        'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0]',
    );
    assert.equal(response.body.details?.causes?.length, 2);
  });

  test('53-character cronjob name is rejected', async () => {
    const name = 'a'.repeat(53);
    const response = await request<Status>(server, 'POST', cronJobsPath, cronJobManifest(name));
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      `CronJob.batch "${name}" is invalid: metadata.name: Invalid value: "${name}": must be no more than 52 characters`,
    );
  });

  test('body apiVersion must match the path', async () => {
    const manifest = { ...cronJobManifest('old'), apiVersion: 'batch/v1beta1' };
    const response = await request<Status>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 400);
    assert.equal(response.body.reason, 'BadRequest');
    assert.equal(
      response.body.message,
      'the API version in the data (batch/v1beta1) does not match the expected API version (batch/v1)',
    );
  });

  test('body namespace must match the path', async () => {
    const manifest = cronJobManifest('elsewhere');
    manifest.metadata.namespace = 'other';
    const response = await request<Status>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });

  test('create rejects a resourceVersion', async () => {
    const manifest = cronJobManifest('versioned');
    manifest.metadata.resourceVersion = '7';
    const response = await request<Status>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'resourceVersion should not be set on objects to be created',
    );
  });

  test('generateName gets a random suffix', async () => {
    const manifest = cronJobManifest('');
    (manifest.metadata as { generateName?: string }).generateName = 'gen-';
    const response = await request<CronJob>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 201);
    assert.match(response.body.metadata.name, /^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  test('list returns a typed list in name order', async () => {
    const namespace = '/apis/batch/v1/namespaces/listing/cronjobs';
    for (const name of ['b', 'a']) {
      const manifest = cronJobManifest(name, { tier: name === 'a' ? 'web' : 'db' });
      await request(server, 'POST', namespace, manifest);
    }
    const response = await request<List<CronJob>>(server, 'GET', namespace);
    assert.equal(response.status, 200);
    assert.equal(response.body.kind, 'CronJobList');
    assert.equal(response.body.apiVersion, 'batch/v1');
    assert.deepEqual(
      response.body.items.map((item) => item.metadata.name),
      ['a', 'b'],
    );
    const versions = response.body.items.map((item) => Number(item.metadata.resourceVersion));
    assert.equal(response.body.metadata.resourceVersion, String(Math.max(...versions)));

    const selected = await request<List<CronJob>>(
      server,
      'GET',
      `${namespace}?labelSelector=tier%3Dweb`,
    );
    assert.deepEqual(
      selected.body.items.map((item) => item.metadata.name),
      ['a'],
    );
    const byName = await request<List<CronJob>>(
      server,
      'GET',
      `${namespace}?fieldSelector=metadata.name%3Db`,
    );
    assert.deepEqual(
      byName.body.items.map((item) => item.metadata.name),
      ['b'],
    );
  });

  test('list across namespaces includes every namespace', async () => {
    await request(server, 'POST', '/apis/batch/v1/namespaces/ns-x/cronjobs', cronJobManifest('x'));
    const response = await request<List<CronJob>>(
      server,
      'GET',
      '/apis/batch/v1/cronjobs?labelSelector=tier',
    );
    assert.deepEqual(
      response.body.items.map((item) => `${item.metadata.namespace}/${item.metadata.name}`),
      ['listing/a', 'listing/b'],
    );
    const all = await request<List<CronJob>>(server, 'GET', '/apis/batch/v1/cronjobs');
    assert.equal(
      all.body.items.some((item) => item.metadata.namespace === 'ns-x'),
      true,
    );
  });

  test('unknown field selector is rejected', async () => {
    const response = await request<Status>(
      server,
      'GET',
      `${cronJobsPath}?fieldSelector=spec.schedule%3Dx`,
    );
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      '"spec.schedule" is not a known field selector: only "metadata.name", "metadata.namespace"',
    );
  });

  test('put replaces spec and keeps status', async () => {
    const created = (await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('put-1')))
      .body;
    const status = { ...created, status: { lastScheduleTime: '2024-01-01T00:00:00Z' } };
    const withStatus = await request<CronJob>(
      server,
      'PUT',
      `${cronJobsPath}/put-1/status`,
      status,
    );
    assert.equal(withStatus.status, 200);

    const changed = structuredClone(withStatus.body);
    changed.spec.schedule = '0 * * * *';
    changed.status = { lastScheduleTime: '2030-01-01T00:00:00Z' };
    const response = await request<CronJob>(server, 'PUT', `${cronJobsPath}/put-1`, changed);
    assert.equal(response.status, 200);
    assert.equal(response.body.spec.schedule, '0 * * * *');
    assert.equal(response.body.metadata.generation, 2);
    assert.equal(response.body.metadata.uid, created.metadata.uid);
    assert.deepEqual(response.body.status, { lastScheduleTime: '2024-01-01T00:00:00Z' });
  });

  test('put with stale resourceVersion conflicts', async () => {
    const created = (await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('stale')))
      .body;
    const first = structuredClone(created);
    first.spec.suspend = true;
    assert.equal((await request(server, 'PUT', `${cronJobsPath}/stale`, first)).status, 200);

    const second = structuredClone(created);
    second.spec.schedule = '1 * * * *';
    const response = await request<Status>(server, 'PUT', `${cronJobsPath}/stale`, second);
    assert.equal(response.status, 409);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on cronjobs.batch "stale": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'stale', group: 'batch', kind: 'cronjobs' },
      code: 409,
    });
  });

  test('put name must match the path', async () => {
    const response = await request<Status>(
      server,
      'PUT',
      `${cronJobsPath}/one`,
      cronJobManifest('other'),
    );
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'the name of the object (other) does not match the name on the URL (one)',
    );
  });

  test('put of a missing object is NotFound', async () => {
    const response = await request<Status>(
      server,
      'PUT',
      `${cronJobsPath}/ghost`,
      cronJobManifest('ghost'),
    );
    assert.equal(response.status, 404);
    assert.equal(response.body.message, 'cronjobs.batch "ghost" not found');
  });

  test('status put changes only status', async () => {
    const created = (
      await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('status-1'))
    ).body;
    const body = structuredClone(created);
    body.spec.schedule = '7 7 * * *';
    body.status = { lastScheduleTime: '2024-01-01T00:05:00Z' };
    const response = await request<CronJob>(server, 'PUT', `${cronJobsPath}/status-1/status`, body);
    assert.equal(response.status, 200);
    assert.equal(response.body.spec.schedule, '*/5 * * * *');
    assert.deepEqual(response.body.status, { lastScheduleTime: '2024-01-01T00:05:00Z' });
    assert.equal(response.body.metadata.generation, 1);

    const fetched = await request<CronJob>(server, 'GET', `${cronJobsPath}/status-1/status`);
    assert.deepEqual(fetched.body, response.body);
  });

  test('job create generates the selector', async () => {
    const response = await request<Job>(server, 'POST', jobsPath, jobManifest('job-1'));
    assert.equal(response.status, 201);
    const job = response.body;
    const uid = job.metadata.uid ?? '';
    assert.deepEqual(job.spec.selector, {
      matchLabels: { 'batch.kubernetes.io/controller-uid': uid },
    });
    assert.equal(job.spec.template.metadata?.labels?.['batch.kubernetes.io/job-name'], 'job-1');
    assert.equal(job.spec.backoffLimit, 6);
    assert.equal(job.metadata.generation, 1);
  });

  test('pod create starts pending', async () => {
    const pod = podObject('pod-1', ['main']);
    const response = await request<Pod>(server, 'POST', podsPath, pod);
    assert.equal(response.status, 201);
    assert.deepEqual(response.body.status, { phase: 'Pending' });
  });

  test('secret stringData is stored as data', async () => {
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token' },
      stringData: { token: 'abc' },
    };
    const response = await request<Secret>(
      server,
      'POST',
      '/api/v1/namespaces/default/secrets',
      secret,
    );
    assert.equal(response.status, 201);
    assert.deepEqual(response.body.data, { token: 'YWJj' });
    assert.equal(response.body.stringData, undefined);
    assert.equal(response.body.type, 'Opaque');
  });
});
