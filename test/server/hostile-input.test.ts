import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ConfigMap } from '../../src/api/types.js';
import type { Status } from '../../src/server/status.js';
import { waitFor } from '../support/wait.js';
import type { TestServer } from './harness.js';
import { cronJobsPath, request, startTestServer } from './harness.js';

const configMapsPath = '/api/v1/namespaces/default/configmaps';
const eventsPath = '/api/v1/namespaces/default/events';

/** Returns JSON text of `depth` objects nested inside each other, `{"a":{"a":...1}}`. */
function nestedObjects(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

describe('hostile request bodies', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('deep nesting is a BadRequest', async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"extra":${nestedObjects(5000)}}`;
    const response = await request<Status>(server, 'POST', configMapsPath, body);
    assert.equal(response.status, 400);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'the request body nests objects and arrays 5001 levels deep, more than the limit of 256 levels',
      reason: 'BadRequest',
      code: 400,
    });
  });

  test('deep arrays in an event are a BadRequest', async () => {
    const body = `{"apiVersion":"v1","kind":"Event","metadata":{"name":"e"},"x":${'['.repeat(300)}${']'.repeat(300)}}`;
    const response = await request<Status>(server, 'POST', eventsPath, body);
    assert.equal(response.status, 400);
    assert.equal(response.body.reason, 'BadRequest');
  });

  test('deep merge patch is a BadRequest', async () => {
    const response = await request<Status>(
      server,
      'PATCH',
      `${cronJobsPath}/absent`,
      `{"spec":${nestedObjects(1000)}}`,
      'application/merge-patch+json',
    );
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'the request body nests objects and arrays 1001 levels deep, more than the limit of 256 levels',
    );
  });

  test('brackets inside strings do not count as nesting', async () => {
    const text = '[{"\\"'.repeat(400);
    const response = await request<ConfigMap>(server, 'POST', configMapsPath, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'brackets' },
      data: { text },
    });
    assert.equal(response.status, 201);
    assert.equal(response.body.data?.text, text);
  });

  test('nesting up to the limit is accepted', async () => {
    // The object itself is level 1, so the extra field may nest 255 levels.
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nested"},"extra":${nestedObjects(255)}}`;
    const response = await request<ConfigMap>(server, 'POST', configMapsPath, body);
    assert.equal(response.status, 201);
    assert.equal(response.body.metadata.name, 'nested');
  });
});

describe('watch client that never reads', () => {
  let server: TestServer;
  const sockets: Socket[] = [];
  before(async () => {
    server = await startTestServer({ maxWatchBufferBytes: 64 * 1024 });
    server.app.server.on('connection', (socket: Socket) => sockets.push(socket));
  });
  after(async () => {
    await server.close();
  });

  test('is disconnected once its buffer is full', async () => {
    const port = Number(new URL(server.url).port);
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', resolve));
    // No 'data' listener: the client socket stays paused and reads nothing.
    client.write(`GET ${configMapsPath}?watch=true HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    const serverSide = await waitFor('the server to accept the watch connection', () =>
      sockets.find((socket) => socket.remotePort === client.localPort),
    );

    const value = 'x'.repeat(200 * 1024);
    for (let index = 0; index < 60 && !serverSide.destroyed; index++) {
      const response = await request(server, 'POST', configMapsPath, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `big-${index}` },
        data: { value },
      });
      assert.equal(response.status, 201);
    }

    await waitFor('the server to drop the slow watcher', () => serverSide.destroyed, 5_000);
    assert.equal(serverSide.destroyed, true);
    client.destroy();
  });
});
