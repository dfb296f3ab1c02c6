import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../src/api/types.js';
import type { Status } from '../../src/server/status.js';
import { SystemClock } from '../../src/util/clock.js';
import type { TestServer } from './harness.js';
import { podObject, podsPath, request, startTestServer } from './harness.js';

/** Reads a streaming text response chunk by chunk. */
class TextReader {
  text = '';
  private readonly decoder = new TextDecoder();

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Reads until the text received so far ends with `suffix`; false when the stream ended first. */
  async readUntil(suffix: string): Promise<boolean> {
    while (!this.text.endsWith(suffix)) {
      const chunk = await this.reader.read();
      if (chunk.done) return false;
      this.text += this.decoder.decode(chunk.value, { stream: true });
    }
    return true;
  }

  /** Reads to the end of the stream. */
  async readToEnd(): Promise<string> {
    for (;;) {
      const chunk = await this.reader.read();
      if (chunk.done) return this.text;
      this.text += this.decoder.decode(chunk.value, { stream: true });
    }
  }
}

describe('pod log route', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ clock: new SystemClock(), logPollIntervalMs: 20 });
    const { store } = server;
    await store.create(podObject('multi', ['main', 'side'], ['init']), 0);
    await store.create(podObject('single', ['only']), 0);
    await store.appendLog(
      { namespace: 'default', pod: 'multi', container: 'main' },
      'stdout',
      'out 1\n',
      1,
    );
    await store.appendLog(
      { namespace: 'default', pod: 'multi', container: 'main' },
      'stderr',
      'err 1\n',
      2,
    );
    await store.appendLog(
      { namespace: 'default', pod: 'multi', container: 'side' },
      'stdout',
      'side\n',
      3,
    );
    await store.appendLog(
      { namespace: 'default', pod: 'single', container: 'only' },
      'stdout',
      'alone\n',
      4,
    );
  });
  after(async () => {
    await server.close();
  });

  test('returns one container log as text', async () => {
    const response = await fetch(`${server.url}${podsPath}/multi/log?container=main`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), 'out 1\nerr 1\n');
  });

  test('single container is the default', async () => {
    const response = await fetch(`${server.url}${podsPath}/single/log`);
    assert.equal(await response.text(), 'alone\n');
  });

  test('several containers need a name', async () => {
    const response = await request<Status>(server, 'GET', `${podsPath}/multi/log`);
    assert.equal(response.status, 400);
    assert.equal(
      response.body.message,
      'a container name must be specified for pod multi, choose one of: [main side] or one of the init containers: [init]',
    );
  });

  test('unknown container is rejected', async () => {
    const response = await request<Status>(server, 'GET', `${podsPath}/multi/log?container=nope`);
    assert.equal(response.status, 400);
    assert.equal(response.body.message, 'container nope is not valid for pod multi');
  });

  test('missing pod is NotFound', async () => {
    const response = await request<Status>(server, 'GET', `${podsPath}/ghost/log`);
    assert.equal(response.status, 404);
    assert.equal(response.body.message, 'pods "ghost" not found');
  });

  test('follow streams until the pod succeeds', async () => {
    const { store } = server;
    const key = { namespace: 'default', pod: 'follow', container: 'main' };
    await store.create(podObject('follow', ['main']), 0);
    await store.appendLog(key, 'stdout', 'line 1\n', 1);

    const response = await fetch(`${server.url}${podsPath}/follow/log?follow=true`);
    assert.equal(response.status, 200);
    const reader = new TextReader((response.body as ReadableStream<Uint8Array>).getReader());
    assert.equal(await reader.readUntil('line 1\n'), true);

    await store.appendLog(key, 'stdout', 'line 2\n', 2);
    assert.equal(await reader.readUntil('line 2\n'), true);

    await store.appendLog(key, 'stderr', 'line 3\n', 3);
    const pod = await store.get<Pod>('Pod', 'default', 'follow');
    pod.status = { phase: 'Succeeded' };
    await store.update(pod);
    assert.equal(await reader.readToEnd(), 'line 1\nline 2\nline 3\n');
  });

  test('follow is cut when a read fails', async () => {
    const { store } = server;
    const key = { namespace: 'default', pod: 'unreadable', container: 'main' };
    await store.create(podObject('unreadable', ['main']), 0);
    await store.appendLog(key, 'stdout', 'line 1\n', 1);
    const response = await fetch(`${server.url}${podsPath}/unreadable/log?follow=true`);
    const reader = new TextReader((response.body as ReadableStream<Uint8Array>).getReader());
    assert.equal(await reader.readUntil('line 1\n'), true);
    const readLog = store.readLog.bind(store);
    store.readLog = () => Promise.reject(new Error('disk I/O error'));
    try {
      await store.appendLog(key, 'stdout', 'line 2\n', 2);

      // A cut body, so a client cannot take the end for the container's.
      await assert.rejects(reader.readToEnd(), { name: 'TypeError', message: 'terminated' });
    } finally {
      store.readLog = readLog;
    }
  });

  test('follow ends when the pod is deleted', async () => {
    const { store } = server;
    await store.create(podObject('deleted', ['main']), 0);
    const response = await fetch(`${server.url}${podsPath}/deleted/log?follow=true`);
    const reader = new TextReader((response.body as ReadableStream<Uint8Array>).getReader());
    await store.appendLog(
      { namespace: 'default', pod: 'deleted', container: 'main' },
      'stdout',
      'bye\n',
      1,
    );
    assert.equal(await reader.readUntil('bye\n'), true);
    await store.delete('Pod', 'default', 'deleted');
    assert.equal(await reader.readToEnd(), 'bye\n');
  });

  test('finished container ends the follow', async () => {
    const { store } = server;
    const pod = podObject('init-done', ['main'], ['init']);
    pod.status = {
      phase: 'Pending',
      initContainerStatuses: [
        {
          name: 'init',
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    };
    await store.create(pod, 0);
    await store.appendLog(
      { namespace: 'default', pod: 'init-done', container: 'init' },
      'stdout',
      'ready\n',
      1,
    );
    const response = await fetch(
      `${server.url}${podsPath}/init-done/log?container=init&follow=true`,
    );
    assert.equal(await response.text(), 'ready\n');
  });
});
