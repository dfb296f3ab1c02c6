import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob } from '../../src/api/types.js';
import { applyMergePatch } from '../../src/server/patch.js';
import type { Status } from '../../src/server/status.js';
import type { TestServer } from './harness.js';
import { cronJobManifest, cronJobsPath, request, startTestServer } from './harness.js';

const mergePatch = 'application/merge-patch+json';

// The test cases of RFC 7386, Appendix A: original, patch, result.
const rfcCases: [unknown, unknown, unknown][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [
    ['a', 'b'],
    ['c', 'd'],
    ['c', 'd'],
  ],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('applyMergePatch', () => {
  for (const [index, [original, patch, result]] of rfcCases.entries()) {
    test(`RFC 7386 case ${index + 1}`, () => {
      assert.deepEqual(applyMergePatch(original, patch), result);
    });
  }

  test('leaves its arguments unchanged', () => {
    const original = { a: { b: 'c' }, d: [1] };
    const patch = { a: { b: null } };
    const result = applyMergePatch(original, patch) as { d: number[] };
    result.d.push(2);
    assert.deepEqual(original, { a: { b: 'c' }, d: [1] });
    assert.deepEqual(patch, { a: { b: null } });
  });
});

describe('PATCH routes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('merge patch suspends a cronjob', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('suspend-me', { app: 'x' }));
    const patch = { spec: { suspend: true }, metadata: { labels: { app: null } } };
    const response = await request<CronJob>(
      server,
      'PATCH',
      `${cronJobsPath}/suspend-me`,
      patch,
      mergePatch,
    );
    assert.equal(response.status, 200);
    assert.equal(response.body.spec.suspend, true);
    assert.deepEqual(response.body.metadata.labels, {});
    assert.equal(response.body.metadata.generation, 2);
  });

  test('json content type is not a patch type', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('json-patch'));
    const response = await request<Status>(server, 'PATCH', `${cronJobsPath}/json-patch`, {});
    assert.equal(response.status, 415);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'the body of the request was in an unsupported format "application/json"; accepted media types are: application/merge-patch+json',
      reason: 'UnsupportedMediaType',
      code: 415,
    });
  });

  test('strategic merge patch is unsupported', async () => {
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/json-patch`,
      {},
      'application/strategic-merge-patch+json',
    );
    assert.equal(response.status, 415);
    assert.equal(
      response.body.message,
      'the body of the request was in an unsupported format "application/strategic-merge-patch+json"; accepted media types are: application/merge-patch+json',
    );
  });

  test('patch with stale resourceVersion conflicts', async () => {
    const created = await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('pinned'));
    const version = created.body.metadata.resourceVersion;
    const first = { spec: { suspend: true } };
    await request(server, 'PATCH', `${cronJobsPath}/pinned`, first, mergePatch);
    const stale = { metadata: { resourceVersion: version }, spec: { suspend: false } };
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/pinned`,
      stale,
      mergePatch,
    );
    assert.equal(response.status, 409);
    assert.equal(response.body.reason, 'Conflict');
  });

  test('patch producing an invalid object is rejected', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('bad-patch'));
    const patch = { spec: { concurrencyPolicy: 'Sometimes' } };
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/bad-patch`,
      patch,
      mergePatch,
    );
    assert.equal(response.status, 422);
    assert.equal(
      response.body.message,
      'CronJob.batch "bad-patch" is invalid: spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    );
  });

  test('status patch changes only status', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('status-patch'));
    const patch = {
      spec: { schedule: '1 1 * * *' },
      status: { lastScheduleTime: '2024-01-01T00:00:00Z' },
    };
    const response = await request<CronJob>(
      server,
      'PATCH',
      `${cronJobsPath}/status-patch/status`,
      patch,
      mergePatch,
    );
    assert.equal(response.status, 200);
    assert.equal(response.body.spec.schedule, '*/5 * * * *');
    assert.deepEqual(response.body.status, { lastScheduleTime: '2024-01-01T00:00:00Z' });
  });

  test('patch of a missing object is NotFound', async () => {
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/absent`,
      {},
      mergePatch,
    );
    assert.equal(response.status, 404);
    assert.equal(response.body.message, 'cronjobs.batch "absent" not found');
  });
});
