import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import type { ConfigMap, Pod } from '../../../src/api/types.js';
import { createServer } from '../../../src/server/server.js';
import type { Status } from '../../../src/server/status.js';
import type { TokenGrant } from '../../../src/store/issue-token.js';
import { FakeClock } from '../../../src/util/clock.js';
import { toRfc3339 } from '../../../src/util/time.js';
import { openTempStore } from '../../support/temp-store.js';
import type { TestServer } from '../harness.js';
import { podObject, startTestServer, testStart } from '../harness.js';
import { call, grantToken, watchStatus } from './harness.js';

const endedMessage = 'stream ended because its token is no longer valid';
const deletedMessage = 'invalid bearer token: it is malformed, unknown or deleted';

/** Log lines of a server, parsed from the JSON that pino writes. */
class LogLines {
  readonly raw: string[] = [];

  readonly logger = pino({ level: 'info' }, { write: (line: string) => this.raw.push(line) });

  /** Returns the parsed lines that report an ended stream of token `id`. */
  endedStreams(id: string): Record<string, unknown>[] {
    return this.raw
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['msg'] === endedMessage && line['token'] === id);
  }
}

/** Reads a streaming response as text, chunk by chunk. */
class StreamReader {
  text = '';
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(response: Response) {
    this.reader = (response.body as ReadableStream<Uint8Array>).getReader();
  }

  /** Reads until the text received so far ends with `suffix`. Returns false when the stream ends first. */
  async readUntil(suffix: string): Promise<boolean> {
    while (!this.text.endsWith(suffix)) {
      if (!(await this.readChunk())) return false;
    }
    return true;
  }

  /** Reads to the end of the stream and returns the whole text. */
  async readToEnd(): Promise<string> {
    while (await this.readChunk()) {
      // Each call appends to `text`.
    }
    return this.text;
  }

  /**
   * Returns the next watch event as `TYPE namespace/name`, or `end` when the stream ended.
   * Consumes the text up to the event's newline.
   */
  async nextEvent(): Promise<string> {
    for (;;) {
      const newline = this.text.indexOf('\n');
      if (newline >= 0) {
        const line = this.text.slice(0, newline);
        this.text = this.text.slice(newline + 1);
        const event = JSON.parse(line) as { type: string; object: ConfigMap };
        return `${event.type} ${event.object.metadata.namespace}/${event.object.metadata.name}`;
      }
      if (!(await this.readChunk())) return 'end';
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }

  private async readChunk(): Promise<boolean> {
    const chunk = await this.reader.read();
    if (chunk.done) return false;
    this.text += this.decoder.decode(chunk.value, { stream: true });
    return true;
  }
}

function idOf(bearer: string): string {
  return bearer.slice('cmt_'.length, 'cmt_'.length + 12);
}

function configMapsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/configmaps`;
}

function tokenPath(namespace: string, bearer: string): string {
  return `/apis/cronmesh.io/v1/namespaces/${namespace}/tokens/${idOf(bearer)}`;
}

/** Sends a GET with `Authorization: Bearer <token>` and returns the streaming response. */
async function openStream(
  server: TestServer,
  token: string,
  path: string,
): Promise<{ status: number; reader: StreamReader }> {
  const response = await fetch(server.url + path, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: response.status, reader: new StreamReader(response) };
}

async function createConfigMap(server: TestServer, namespace: string, name: string) {
  const configMap: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: {},
  };
  await server.store.create(configMap, server.clock.now());
}

async function createPod(server: TestServer, namespace: string, name: string): Promise<Pod> {
  const pod = podObject(name, ['main']);
  pod.metadata.namespace = namespace;
  return server.store.create(pod, server.clock.now());
}

/** Opens a watch of the ConfigMaps in `namespace` with `token` and asserts that it started. */
async function openWatch(
  server: TestServer,
  token: string,
  namespace: string,
): Promise<StreamReader> {
  const watch = await openStream(server, token, `${configMapsPath(namespace)}?watch=true`);
  assert.equal(watch.status, 200);
  return watch.reader;
}

/** Creates ConfigMap `name` and asserts that `watch` receives its ADDED event next. */
async function createConfigMapSeenBy(
  server: TestServer,
  watch: StreamReader,
  namespace: string,
  name: string,
): Promise<void> {
  await createConfigMap(server, namespace, name);
  assert.equal(await watch.nextEvent(), `ADDED ${namespace}/${name}`);
}

describe('streams on a server that requires tokens', () => {
  let server: TestServer;
  let clock: FakeClock;
  let logs: LogLines;
  let admin: string;

  /** Grants an editor token in `namespace` and returns its bearer string. */
  const editorOf = (namespace: string, expiresAt?: number): Promise<string> => {
    const grant: TokenGrant = { role: 'editor', namespace };
    if (expiresAt !== undefined) grant.expiresAt = expiresAt;
    return grantToken(server, grant);
  };

  /** Asserts that a new watch with `token` is rejected with 401 and `message`. */
  const assertWatchRejected = async (
    token: string,
    namespace: string,
    message: string,
  ): Promise<void> => {
    const again = await watchStatus(server, token, configMapsPath(namespace));
    assert.equal(again.status, 401);
    assert.equal(again.body?.['message'], message);
  };

  /** Asserts that one stream of `token` was logged as ended for `reason`, and returns that line. */
  const assertEndedOnce = (token: string, reason: string): Record<string, unknown> | undefined => {
    const ended = logs.endedStreams(idOf(token));
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.['reason'], reason);
    return ended[0];
  };

  /** Creates pod `tail` in `namespace` with one log line and returns its log key and path. */
  const createTailPod = async (namespace: string) => {
    await createPod(server, namespace, 'tail');
    const key = { namespace, pod: 'tail', container: 'main' };
    await server.store.appendLog(key, 'stdout', 'line 1\n', clock.now());
    return { key, logPath: `/api/v1/namespaces/${namespace}/pods/tail/log` };
  };

  /** Follows the log at `logPath` with `token` and asserts that line 1 arrives. */
  const followLog = async (token: string, logPath: string): Promise<StreamReader> => {
    const follow = await openStream(server, token, `${logPath}?follow=true`);
    assert.equal(follow.status, 200);
    assert.equal(await follow.reader.readUntil('line 1\n'), true);
    return follow.reader;
  };

  before(async () => {
    logs = new LogLines();
    server = await startTestServer({ auth: { required: true }, logger: logs.logger });
    clock = server.clock as FakeClock;
    admin = await grantToken(server, { role: 'admin' });
  });
  after(async () => {
    await server.close();
  });

  test('watch ends on API token delete', { timeout: 10_000 }, async () => {
    const namespace = 'deleted-by-api';
    const editor = await editorOf(namespace);
    const timersBefore = clock.pendingTimers();

    const watch = await openWatch(server, editor, namespace);
    assert.equal(clock.pendingTimers(), timersBefore + 1);
    await createConfigMapSeenBy(server, watch, namespace, 'before-delete');

    const deleted = await call(server, admin, 'DELETE', tokenPath(namespace, editor));
    assert.equal(deleted.status, 200);
    assert.equal(await watch.nextEvent(), 'end');
    assert.equal(clock.pendingTimers(), timersBefore);

    await assertWatchRejected(editor, namespace, deletedMessage);

    const ended = assertEndedOnce(editor, 'TokenDeleted');
    assert.equal(ended?.['level'], 30);
    assert.equal(ended?.['url'], `${configMapsPath(namespace)}?watch=true`);
    const secret = editor.slice('cmt_'.length + 13);
    assert.equal(
      logs.raw.some((line) => line.includes(secret)),
      false,
    );
  });

  test('watch ends at re-check after store delete', { timeout: 10_000 }, async () => {
    const namespace = 'deleted-in-store';
    const editor = await editorOf(namespace);
    const timersBefore = clock.pendingTimers();
    const watch = await openWatch(server, editor, namespace);

    // Another serve replica or a worker deletes tokens in the store, not through this server.
    assert.equal(await server.store.deleteToken(idOf(editor)), true);
    clock.advance(4999);
    // A whole request passes, so that a re-check due by now would have ended the watch.
    assert.equal((await call(server, admin, 'GET', configMapsPath(namespace))).status, 200);
    assert.equal(clock.pendingTimers(), timersBefore + 1);
    await createConfigMapSeenBy(server, watch, namespace, 'before-recheck');

    clock.advance(1);
    assert.equal(await watch.nextEvent(), 'end');
    assert.equal(clock.pendingTimers(), timersBefore);

    await assertWatchRejected(editor, namespace, deletedMessage);
    assertEndedOnce(editor, 'TokenDeleted');
  });

  test('watch ends at token expiry', { timeout: 10_000 }, async () => {
    const namespace = 'expiring';
    const expiresAt = clock.now() + 2000;
    const editor = await editorOf(namespace, expiresAt);
    const timersBefore = clock.pendingTimers();

    const watch = await openWatch(server, editor, namespace);
    // One timer at the expiry and one for the re-check.
    assert.equal(clock.pendingTimers(), timersBefore + 2);
    clock.advance(1999);
    assert.equal((await call(server, admin, 'GET', configMapsPath(namespace))).status, 200);
    assert.equal(clock.pendingTimers(), timersBefore + 2);
    await createConfigMapSeenBy(server, watch, namespace, 'before-expiry');

    clock.advance(1);
    assert.equal(clock.now(), expiresAt);
    assert.equal(await watch.nextEvent(), 'end');
    assert.equal(clock.pendingTimers(), timersBefore);

    await assertWatchRejected(
      editor,
      namespace,
      `invalid bearer token: token ${idOf(editor)} expired at ${toRfc3339(expiresAt)}`,
    );
    assertEndedOnce(editor, 'TokenExpired');
  });

  test('followed log ends on API token delete', { timeout: 10_000 }, async () => {
    const namespace = 'log-deleted-by-api';
    const editor = await editorOf(namespace);
    const { logPath } = await createTailPod(namespace);

    const follow = await followLog(editor, logPath);

    const deleted = await call(server, admin, 'DELETE', tokenPath(namespace, editor));
    assert.equal(deleted.status, 200);
    assert.equal(await follow.readToEnd(), 'line 1\n');

    const again = await call<Status>(server, editor, 'GET', logPath);
    assert.equal(again.status, 401);
    assert.equal(again.body.message, deletedMessage);
    const ended = assertEndedOnce(editor, 'TokenDeleted');
    assert.equal(ended?.['url'], `${logPath}?follow=true`);
  });

  test('followed log ends at re-check', { timeout: 10_000 }, async () => {
    const namespace = 'log-deleted-in-store';
    const editor = await editorOf(namespace);
    const { key, logPath } = await createTailPod(namespace);
    const timersBefore = clock.pendingTimers();

    const follow = await followLog(editor, logPath);

    assert.equal(await server.store.deleteToken(idOf(editor)), true);
    await server.store.appendLog(key, 'stdout', 'line 2\n', clock.now());
    // Fires the log poll timer, which sends line 2, but not yet the re-check.
    clock.advance(4999);
    assert.equal(await follow.readUntil('line 2\n'), true);
    assert.equal((await call(server, admin, 'GET', logPath)).status, 200);
    // The re-check timer and the log poll timer of the open stream.
    assert.equal(clock.pendingTimers(), timersBefore + 2);

    clock.advance(1);
    assert.equal(await follow.readToEnd(), 'line 1\nline 2\n');
    assert.equal(clock.pendingTimers(), timersBefore);

    const again = await call<Status>(server, editor, 'GET', logPath);
    assert.equal(again.status, 401);
    assert.equal(again.body.message, deletedMessage);
    assertEndedOnce(editor, 'TokenDeleted');
  });

  test('pod token watch ends when pod succeeds', { timeout: 10_000 }, async () => {
    const namespace = 'bound';
    // The service account's role, which the attempt's token acts with.
    await grantToken(server, { role: 'viewer', namespace, serviceAccount: 'runner' });
    const pod = await createPod(server, namespace, 'attempt-1');
    const podToken = await grantToken(server, {
      namespace,
      serviceAccount: 'runner',
      boundPod: { name: 'attempt-1', uid: pod.metadata.uid ?? '' },
    });

    const watch = await openWatch(server, podToken, namespace);
    await createConfigMapSeenBy(server, watch, namespace, 'while-running');

    const running = await server.store.get<Pod>('Pod', namespace, 'attempt-1');
    running.status = { phase: 'Succeeded' };
    await server.store.update(running);
    assert.equal(await watch.nextEvent(), 'end');

    await assertWatchRejected(
      podToken,
      namespace,
      `invalid bearer token: token ${idOf(podToken)} was issued for pod "attempt-1" in the ` +
        `namespace "${namespace}", which is no longer running`,
    );
    assertEndedOnce(podToken, 'BoundPodNotRunning');
  });

  test('watch of other token keeps streaming', { timeout: 10_000 }, async () => {
    const namespace = 'two-tokens';
    const revokedEditor = await editorOf(namespace);
    const keptEditor = await editorOf(namespace);
    const revokedEditorWatch = await openWatch(server, revokedEditor, namespace);
    const keptEditorWatch = await openWatch(server, keptEditor, namespace);

    const deleted = await call(server, admin, 'DELETE', tokenPath(namespace, revokedEditor));
    assert.equal(deleted.status, 200);
    assert.equal(await revokedEditorWatch.nextEvent(), 'end');
    await createConfigMapSeenBy(server, keptEditorWatch, namespace, 'after-delete');

    // Runs the kept watch's re-check, then waits for a whole request to pass.
    clock.advance(5000);
    const list = await call(server, keptEditor, 'GET', configMapsPath(namespace));
    assert.equal(list.status, 200);
    await createConfigMapSeenBy(server, keptEditorWatch, namespace, 'after-recheck');

    await keptEditorWatch.cancel();
    assert.equal(logs.endedStreams(idOf(keptEditor)).length, 0);
    assert.equal(logs.endedStreams(idOf(revokedEditor)).length, 1);
  });
});

describe('streams on a server without required tokens', () => {
  let server: TestServer;
  let clock: FakeClock;

  before(async () => {
    server = await startTestServer({ auth: { required: false } });
    clock = server.clock as FakeClock;
  });
  after(async () => {
    await server.close();
  });

  test('watch outlives its deleted token', { timeout: 10_000 }, async () => {
    const namespace = 'open-server';
    const editor = await grantToken(server, { role: 'editor', namespace });
    const watch = await openWatch(server, editor, namespace);

    const deleted = await call(server, undefined, 'DELETE', tokenPath(namespace, editor));
    assert.equal(deleted.status, 200);
    clock.advance(5000);
    await createConfigMapSeenBy(server, watch, namespace, 'after-delete');

    // A request that carries a token is still checked when it starts.
    const again = await watchStatus(server, editor, configMapsPath(namespace));
    assert.equal(again.status, 401);
    await watch.cancel();
  });
});

describe('token re-check interval', () => {
  test('rejects zero', async () => {
    const clock = new FakeClock(testStart);
    const temp = await openTempStore(clock);
    try {
      assert.throws(
        () =>
          createServer({
            store: temp.store,
            clock,
            auth: { required: true },
            tokenRecheckIntervalMs: 0,
          }),
        {
          name: 'RangeError',
          message:
            'invalid token re-check interval 0 ms: expected a positive number of milliseconds',
        },
      );
    } finally {
      await temp.cleanup();
    }
  });
});
