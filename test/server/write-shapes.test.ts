import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Job, Pod } from '../../src/api/types.js';
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

const mergePatch = 'application/merge-patch+json';
const eventsPath = '/api/v1/namespaces/default/events';

describe('status subresource field types', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('cronjob status of the wrong type is Invalid', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('typed-status'));
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/typed-status/status`,
      { status: { active: 'garbage' } },
      mergePatch,
    );
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'CronJob.batch "typed-status" is invalid: status.active: Invalid value: "garbage": must be a list, not a string',
    );
    assert.deepEqual(response.body.details?.causes, [
      {
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "garbage": must be a list, not a string',
        field: 'status.active',
      },
    ]);
    const stored = await server.store.get<CronJob>('CronJob', 'default', 'typed-status');
    assert.equal(stored.status, undefined);
  });

  test('cronjob status PUT with a numeric time is Invalid', async () => {
    const created = await request<CronJob>(
      server,
      'POST',
      cronJobsPath,
      cronJobManifest('numeric-time'),
    );
    const body = { ...created.body, status: { lastScheduleTime: 12 } };
    const response = await request<Status>(
      server,
      'PUT',
      `${cronJobsPath}/numeric-time/status`,
      body,
    );
    assert.equal(response.status, 422);
    assert.equal(response.body.details?.causes?.[0]?.field, 'status.lastScheduleTime');
  });

  test('valid cronjob status is stored', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('good-status'));
    const status = {
      active: [{ kind: 'Job', namespace: 'default', name: 'good-status-1', uid: 'u-1' }],
      lastScheduleTime: '2024-01-01T00:00:00Z',
    };
    const response = await request<CronJob>(
      server,
      'PATCH',
      `${cronJobsPath}/good-status/status`,
      { status },
      mergePatch,
    );
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.status, status);
  });

  test('null status clears the status', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('cleared'));
    const patched = await request<CronJob>(
      server,
      'PATCH',
      `${cronJobsPath}/cleared/status`,
      { status: { lastScheduleTime: '2024-01-01T00:00:00Z' } },
      mergePatch,
    );
    const response = await request<CronJob>(server, 'PUT', `${cronJobsPath}/cleared/status`, {
      ...patched.body,
      status: null,
    });
    assert.equal(response.status, 200);
    assert.equal('status' in response.body, false);
  });

  test('unknown status field warns and is dropped', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('extra-status'));
    const response = await request<CronJob>(
      server,
      'PATCH',
      `${cronJobsPath}/extra-status/status`,
      { status: { lastScheduleTime: '2024-01-01T00:00:00Z', nextRun: 'soon' } },
      mergePatch,
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('warning'), '299 - "unknown field \\"status.nextRun\\""');
    assert.deepEqual(response.body.status, { lastScheduleTime: '2024-01-01T00:00:00Z' });
  });

  test('unknown status field with Strict is a BadRequest', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('strict-status'));
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/strict-status/status?fieldValidation=Strict`,
      { status: { nextRun: 'soon' } },
      mergePatch,
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.message, 'strict decoding error: unknown field "status.nextRun"');
  });

  test('job status count of the wrong type is Invalid', async () => {
    await request(server, 'POST', jobsPath, jobManifest('typed-job'));
    const response = await request<Status>(
      server,
      'PATCH',
      `${jobsPath}/typed-job/status`,
      { status: { succeeded: '3' } },
      mergePatch,
    );
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'Job.batch "typed-job" is invalid: status.succeeded: Invalid value: "3": must be an integer, not a string',
    );
    const stored = await server.store.get<Job>('Job', 'default', 'typed-job');
    assert.equal(stored.status, undefined);
  });

  test('pod status of the wrong type is Invalid', async () => {
    await request(server, 'POST', podsPath, podObject('typed-pod', ['main']));
    const response = await request<Status>(
      server,
      'PATCH',
      `${podsPath}/typed-pod/status`,
      { status: { containerStatuses: [{ name: 'main', restartCount: 'many' }] } },
      mergePatch,
    );
    assert.equal(response.status, 422);
    assert.equal(
      response.body.details?.causes?.[0]?.field,
      'status.containerStatuses[0].restartCount',
    );
    const stored = await server.store.get<Pod>('Pod', 'default', 'typed-pod');
    assert.deepEqual(stored.status, { phase: 'Pending' });
  });
});

describe('pod and event create field types', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('pod without containers is Invalid', async () => {
    const response = await request<Status>(server, 'POST', podsPath, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'empty' },
    });
    assert.equal(response.status, 422);
    assert.equal(response.body.message, 'Pod "empty" is invalid: spec.containers: Required value');
  });

  test('pod containers of the wrong type are Invalid', async () => {
    const response = await request<Status>(server, 'POST', podsPath, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'wrong' },
      spec: { containers: 'main' },
    });
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'Pod "wrong" is invalid: spec.containers: Invalid value: "main": must be a list, not a string',
    );
  });

  test('pod container without name is Invalid', async () => {
    const response = await request<Status>(server, 'POST', podsPath, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nameless' },
      spec: { containers: [{ command: ['true'] }] },
    });
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'Pod "nameless" is invalid: spec.containers[0].name: Required value',
    );
  });

  test('pod PUT with containers of the wrong type is Invalid', async () => {
    const created = await request<Pod>(server, 'POST', podsPath, podObject('replaced', ['main']));
    const body = { ...created.body, spec: { containers: [{ name: 'main', command: 'true' }] } };
    const response = await request<Status>(server, 'PUT', `${podsPath}/replaced`, body);
    assert.equal(response.status, 422);
    assert.equal(response.body.details?.causes?.[0]?.field, 'spec.containers[0].command');
  });

  test('event with a numeric involvedObject is Invalid', async () => {
    const response = await request<Status>(server, 'POST', eventsPath, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'odd' },
      involvedObject: 5,
      reason: 'Test',
      message: 'm',
      type: 'Normal',
    });
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'Event "odd" is invalid: involvedObject: Invalid value: 5: must be an object, not an integer',
    );
  });

  test('event without reason and message is Invalid', async () => {
    const response = await request<Status>(server, 'POST', eventsPath, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'bare' },
      involvedObject: { kind: 'Job', name: 'j', namespace: 'default' },
      type: 'Normal',
    });
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'Event "bare" is invalid: [reason: Required value, message: Required value]',
    );
  });

  test('event of an unknown type is Invalid', async () => {
    const response = await request<Status>(server, 'POST', eventsPath, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'info' },
      involvedObject: { kind: 'Job', name: 'j', namespace: 'default' },
      reason: 'Test',
      message: 'm',
      type: 'Info',
    });
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'Event "info" is invalid: type: Unsupported value: "Info": supported values: "Normal", "Warning"',
    );
  });

  test('complete event is created', async () => {
    const response = await request(server, 'POST', eventsPath, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'complete' },
      involvedObject: { kind: 'Job', name: 'j', namespace: 'default' },
      reason: 'Test',
      message: 'm',
      type: 'Warning',
      count: 1,
      source: { component: 'tests' },
    });
    assert.equal(response.status, 201);
  });
});

describe('metadata on update', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('changed uid is Invalid', async () => {
    const created = await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('uid'));
    const body = { ...created.body, metadata: { ...created.body.metadata, uid: 'other' } };
    const response = await request<Status>(server, 'PUT', `${cronJobsPath}/uid`, body);
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'CronJob.batch "uid" is invalid: metadata.uid: Invalid value: "other": field is immutable',
    );
  });

  test('omitted uid keeps the stored one', async () => {
    const created = await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('no-uid'));
    const metadata = { ...created.body.metadata };
    delete metadata.uid;
    const response = await request<CronJob>(server, 'PUT', `${cronJobsPath}/no-uid`, {
      ...created.body,
      metadata,
    });
    assert.equal(response.status, 200);
    assert.equal(response.body.metadata.uid, created.body.metadata.uid);
  });
});

describe('dry-run requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  const rejected = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: 'dryRun is not supported, so the request was not applied',
    reason: 'BadRequest',
    code: 400,
  };

  test('dry-run delete keeps the object', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('kept'));
    const response = await request<Status>(server, 'DELETE', `${cronJobsPath}/kept?dryRun=All`);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, rejected);
    const stored = await server.store.find('CronJob', 'default', 'kept');
    assert.equal(stored?.metadata.name, 'kept');
  });

  test('dry-run create stores nothing', async () => {
    const response = await request<Status>(
      server,
      'POST',
      `${cronJobsPath}?dryRun=All`,
      cronJobManifest('not-created'),
    );
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, rejected);
    assert.equal(await server.store.find('CronJob', 'default', 'not-created'), undefined);
  });

  test('dry-run patch changes nothing', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('unpatched'));
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/unpatched?dryRun=All`,
      { spec: { suspend: true } },
      mergePatch,
    );
    assert.equal(response.status, 400);
    const stored = await server.store.get<CronJob>('CronJob', 'default', 'unpatched');
    assert.equal(stored.spec.suspend, false);
  });
});
