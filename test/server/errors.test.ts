import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob } from '../../src/api/types.js';
import type { Status } from '../../src/server/status.js';
import type { TestServer } from './harness.js';
import { cronJobManifest, cronJobsPath, request, startTestServer } from './harness.js';

describe('request errors', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ bodyLimit: 2048 });
  });
  after(async () => {
    await server.close();
  });

  test('healthz answers ok', async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), 'ok');
  });

  test('malformed JSON is a BadRequest', async () => {
    const response = await request<Status>(server, 'POST', cronJobsPath, '{"kind":');
    assert.equal(response.status, 400);
    assert.equal(response.body.kind, 'Status');
    assert.equal(response.body.reason, 'BadRequest');
    assert.match(response.body.message ?? '', /^the request body is not valid JSON: /);
  });

  test('body that is not an object is rejected', async () => {
    const response = await request<Status>(server, 'POST', cronJobsPath, '[1, 2]');
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'the request body must be a JSON object describing a CronJob',
    );
  });

  test('body over the limit names the limit', async () => {
    const manifest = cronJobManifest('large');
    manifest.metadata.annotations = { note: 'x'.repeat(4096) };
    const response = await request<Status>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 413);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `the request body of ${JSON.stringify(manifest).length} bytes is larger than the limit of 2048 bytes`,
      reason: 'RequestEntityTooLarge',
      code: 413,
    });
  });

  test('chunked body over the limit names the limit', async () => {
    const text = JSON.stringify({ ...cronJobManifest('chunked'), note: 'x'.repeat(4096) });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        controller.close();
      },
    });
    // A stream body has no Content-Length, so the server cannot name the body's size.
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    const response = await fetch(`${server.url}${cronJobsPath}`, { ...init, duplex: 'half' });
    const status = (await response.json()) as Status;

    assert.equal(response.status, 413);
    assert.equal(status.message, 'the request body is larger than the limit of 2048 bytes');
  });

  test('unsupported media type on create', async () => {
    const response = await request<Status>(
      server,
      'POST',
      cronJobsPath,
      'kind: CronJob',
      'application/yaml',
    );
    assert.equal(response.status, 415);
    assert.equal(
      response.body.message,
      'the body of the request was in an unsupported format "application/yaml"; accepted media types are: application/json',
    );
  });

  test('unknown path is NotFound', async () => {
    const response = await request<Status>(
      server,
      'GET',
      '/apis/batch/v1/namespaces/default/widgets',
    );
    assert.equal(response.status, 404);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'the server could not find the requested resource (GET /apis/batch/v1/namespaces/default/widgets)',
      reason: 'NotFound',
      code: 404,
    });
  });

  test('strict field validation rejects unknown fields', async () => {
    const manifest = {
      ...cronJobManifest('strict'),
      spec: { ...cronJobManifest('strict').spec, schedul: 'x' },
    };
    const response = await request<Status>(
      server,
      'POST',
      `${cronJobsPath}?fieldValidation=Strict`,
      manifest,
    );
    assert.equal(response.status, 400);
    assert.equal(response.body.message, 'strict decoding error: unknown field "spec.schedul"');
  });

  test('default field validation warns and drops unknown fields', async () => {
    const manifest = {
      ...cronJobManifest('warned'),
      spec: { ...cronJobManifest('warned').spec, schedul: 'x' },
    };
    const response = await request<CronJob>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('warning'), '299 - "unknown field \\"spec.schedul\\""');
    assert.equal('schedul' in response.body.spec, false);
  });

  test('wrong field type is Invalid', async () => {
    const manifest = cronJobManifest('typed');
    (manifest.spec as unknown as Record<string, unknown>).suspend = 'yes';
    const response = await request<Status>(server, 'POST', cronJobsPath, manifest);
    assert.equal(response.status, 422);
    assert.equal(response.body.reason, 'Invalid');
    assert.equal(response.body.details?.causes?.[0]?.field, 'spec.suspend');
  });

  test('invalid fieldValidation value is rejected', async () => {
    const response = await request<Status>(
      server,
      'POST',
      `${cronJobsPath}?fieldValidation=Loose`,
      cronJobManifest('v'),
    );
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'fieldValidation: Unsupported value: "Loose": supported values: "Ignore", "Warn", "Strict"',
    );
  });
});
