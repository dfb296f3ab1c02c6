import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../src/api/types.js';
import { toRfc3339 } from '../../../src/util/time.js';
import { call, grantToken } from './harness.js';
import type { ObservedServer } from './stream-harness.js';
import {
  LogLines,
  StreamReader,
  configMapsPath,
  createPod,
  deletedMessage,
  idOf,
  settleCallbacks,
  startObservedServer,
  tokenPath,
  unauthorizedStatus,
} from './stream-harness.js';

/**
 * Sends a GET with `token` over a plain socket. Returns the client's socket and the server's
 * side of the connection.
 */
async function sendRawRequest(
  server: ObservedServer,
  token: string,
  path: string,
): Promise<{ client: Socket; serverSide: Socket }> {
  const accepted = once(server.app.server, 'connection') as Promise<[Socket]>;
  const { port } = new URL(server.url);
  const client = connect(Number(port), '127.0.0.1');
  await once(client, 'connect');
  client.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  const [serverSide] = await accepted;
  return { client, serverSide };
}

/** Destroys `client` and resolves once the server has handled the closed connection. */
async function disconnect(connection: { client: Socket; serverSide: Socket }): Promise<void> {
  // Node's HTTP server registers its own 'close' listener first, so it has emitted 'close' on
  // the request and the response by the time this one runs.
  const closed = once(connection.serverSide, 'close');
  connection.client.destroy();
  await closed;
}

/** Sends a GET with `Authorization: Bearer <token>` without waiting for the response. */
function startRequest(server: ObservedServer, token: string, path: string): Promise<Response> {
  return fetch(server.url + path, { headers: { Authorization: `Bearer ${token}` } });
}

/** Asserts that `watch` receives an ERROR event with the 401 Status for `message`, then ends. */
async function assertWatchEndedWith(watch: StreamReader, message: string): Promise<void> {
  assert.equal(await watch.nextEvent(), `ERROR ${message}`);
  assert.deepEqual(watch.lastEvent, { type: 'ERROR', object: unauthorizedStatus(message) });
  assert.equal(await watch.nextEvent(), 'end');
}

describe('streams whose token changes during setup', () => {
  let server: ObservedServer;
  let logs: LogLines;
  let admin: string;

  const editorOf = (namespace: string, expiresAt?: number): Promise<string> =>
    grantToken(server, { role: 'editor', namespace, ...(expiresAt ? { expiresAt } : {}) });

  /** Creates pod `tail` in `namespace` and returns the path of its log. */
  const createTailPod = async (namespace: string): Promise<string> => {
    await createPod(server, namespace, 'tail');
    return `/api/v1/namespaces/${namespace}/pods/tail/log`;
  };

  before(async () => {
    logs = new LogLines();
    server = await startObservedServer({ logger: logs.logger });
    admin = await grantToken(server, { role: 'admin' });
  });
  after(async () => {
    await server.close();
  });

  const disconnectCases = [
    {
      name: 'watch closed during list is untracked',
      readKey: 'list:ConfigMap',
      path: (namespace: string) => Promise.resolve(`${configMapsPath(namespace)}?watch=true`),
    },
    {
      name: 'log closed during pod read is untracked',
      readKey: 'find:Pod',
      path: async (namespace: string) => `${await createTailPod(namespace)}?follow=true`,
    },
  ];
  for (const [index, { name, readKey, path }] of disconnectCases.entries()) {
    test(name, { timeout: 10_000 }, async () => {
      const namespace = `disconnected-${index}`;
      const editor = await editorOf(namespace);
      const tokenKey = `token:${idOf(editor)}`;
      const { clock, observed } = server;
      const streamPath = await path(namespace);
      const timersBefore = clock.pendingTimers();
      const readsBefore = observed.reads(readKey);

      const heldRead = observed.holdNext(readKey);
      const connection = await sendRawRequest(server, editor, streamPath);
      await heldRead.started;
      await disconnect(connection);
      heldRead.release();
      await observed.waitForReads(readKey, readsBefore + 1);
      await settleCallbacks();

      assert.equal(clock.pendingTimers(), timersBefore);
      // Only authentication read the token.
      assert.equal(observed.reads(tokenKey), 1);
      clock.advance(5000);
      await settleCallbacks();
      assert.equal(observed.reads(tokenKey), 1);
      assert.equal(logs.endedStreams(idOf(editor)).length, 0);
    });
  }

  const expiryCases = [
    {
      name: 'watch with token expired during list',
      readKey: 'list:ConfigMap',
      path: (namespace: string) => Promise.resolve(`${configMapsPath(namespace)}?watch=true`),
    },
    {
      name: 'log with token expired during pod read',
      readKey: 'find:Pod',
      path: async (namespace: string) => `${await createTailPod(namespace)}?follow=true`,
    },
  ];
  for (const [index, { name, readKey, path }] of expiryCases.entries()) {
    test(`${name} gets 401`, { timeout: 10_000 }, async () => {
      const namespace = `expired-during-setup-${index}`;
      const { clock, observed } = server;
      const expiresAt = clock.now() + 1000;
      const editor = await editorOf(namespace, expiresAt);
      const streamPath = await path(namespace);
      const timersBefore = clock.pendingTimers();

      const heldRead = observed.holdNext(readKey);
      const responding = startRequest(server, editor, streamPath);
      await heldRead.started;
      clock.set(expiresAt);
      heldRead.release();
      const response = await responding;

      assert.equal(response.status, 401);
      const expected = `invalid bearer token: token ${idOf(editor)} expired at ${toRfc3339(expiresAt)}`;
      assert.deepEqual(await response.json(), unauthorizedStatus(expected));
      assert.equal(clock.pendingTimers(), timersBefore);
      assert.equal(logs.endedStreams(idOf(editor)).length, 0);
    });
  }

  test('token deleted during list ends watch', { timeout: 10_000 }, async () => {
    const namespace = 'deleted-during-setup';
    const editor = await editorOf(namespace);
    const tokenKey = `token:${idOf(editor)}`;
    const { clock, observed } = server;
    const timersBefore = clock.pendingTimers();

    const heldRead = observed.holdNext('list:ConfigMap');
    const responding = startRequest(server, editor, `${configMapsPath(namespace)}?watch=true`);
    await heldRead.started;
    // The token API finds no stream of the token to end yet.
    const deleted = await call(server, admin, 'DELETE', tokenPath(namespace, editor));
    assert.equal(deleted.status, 200);
    const readsBefore = observed.reads(tokenKey);
    heldRead.release();
    const response = await responding;
    assert.equal(response.status, 200);

    // The clock does not move, so no timer runs this re-check.
    await observed.waitForReads(tokenKey, readsBefore + 1);
    await assertWatchEndedWith(new StreamReader(response), deletedMessage);
    assert.equal(clock.pendingTimers(), timersBefore);
    const ended = logs.endedStreams(idOf(editor));
    assert.deepEqual(
      ended.map((line) => line['reason']),
      ['TokenDeleted'],
    );
  });

  test('pod finished during list ends watch', { timeout: 10_000 }, async () => {
    const namespace = 'pod-finished-during-setup';
    await grantToken(server, { role: 'viewer', namespace, serviceAccount: 'runner' });
    const pod = await createPod(server, namespace, 'attempt-1');
    const podToken = await grantToken(server, {
      namespace,
      serviceAccount: 'runner',
      boundPod: { name: 'attempt-1', uid: pod.metadata.uid ?? '' },
    });
    const tokenKey = `token:${idOf(podToken)}`;
    const { clock, observed } = server;
    const timersBefore = clock.pendingTimers();

    const heldRead = observed.holdNext('list:ConfigMap');
    const responding = startRequest(server, podToken, `${configMapsPath(namespace)}?watch=true`);
    await heldRead.started;
    // The store's watch reports this before the stream watches the pod.
    const running = await server.store.get<Pod>('Pod', namespace, 'attempt-1');
    running.status = { phase: 'Succeeded' };
    await server.store.update(running);
    const readsBefore = observed.reads(tokenKey);
    heldRead.release();
    const response = await responding;
    assert.equal(response.status, 200);

    await observed.waitForReads(tokenKey, readsBefore + 1);
    await assertWatchEndedWith(
      new StreamReader(response),
      `invalid bearer token: token ${idOf(podToken)} was issued for pod "attempt-1" in the ` +
        `namespace "${namespace}", which is no longer running`,
    );
    assert.equal(clock.pendingTimers(), timersBefore);
    const ended = logs.endedStreams(idOf(podToken));
    assert.deepEqual(
      ended.map((line) => line['reason']),
      ['BoundPodNotRunning'],
    );
  });
});
