import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../src/api/types.js';
import { StreamTokenChecker } from '../../../src/server/auth/stream-token-checker.js';
import type { TokenInvalidity } from '../../../src/server/auth/token-validity.js';
import { createServer } from '../../../src/server/server.js';
import type { Status } from '../../../src/server/status.js';
import type { TokenGrant } from '../../../src/store/issue-token.js';
import { issueToken } from '../../../src/store/issue-token.js';
import { FakeClock } from '../../../src/util/clock.js';
import { toRfc3339 } from '../../../src/util/time.js';
import { openTempStore } from '../../support/temp-store.js';
import type { TestServer } from '../harness.js';
import { startTestServer, testStart } from '../harness.js';
import { call, grantToken, watchStatus } from './harness.js';
import type { ObservedServer, StreamReader } from './stream-harness.js';
import {
  LogLines,
  configMapsPath,
  createConfigMap,
  createPod,
  deletedMessage,
  idOf,
  openStream,
  settleCallbacks,
  startObservedServer,
  tokenPath,
  unauthorizedStatus,
} from './stream-harness.js';

const outageWarning = 'token re-check of open streams failed, so they stay open';
const recoveryMessage = 'token re-check of open streams succeeded again';

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

/** Creates ConfigMap `name` and asserts that each of `watches` receives its ADDED event next. */
async function createConfigMapSeenBy(
  server: TestServer,
  watches: StreamReader | StreamReader[],
  namespace: string,
  name: string,
): Promise<void> {
  await createConfigMap(server, namespace, name);
  for (const watch of [watches].flat()) {
    assert.equal(await watch.nextEvent(), `ADDED ${namespace}/${name}`);
  }
}

/** Asserts that `watch` receives an ERROR event with the 401 Status for `message`, then ends. */
async function assertWatchEndedWith(watch: StreamReader, message: string): Promise<void> {
  assert.equal(await watch.nextEvent(), `ERROR ${message}`);
  assert.deepEqual(watch.lastEvent, { type: 'ERROR', object: unauthorizedStatus(message) });
  assert.equal(await watch.nextEvent(), 'end');
}

/** Returns the 401 message of a token bound to pod `name` in `namespace` that is not running. */
function boundPodMessage(token: string, namespace: string, name: string): string {
  return (
    `invalid bearer token: token ${idOf(token)} was issued for pod "${name}" in the ` +
    `namespace "${namespace}", which is no longer running`
  );
}

function expiredMessage(token: string, expiresAt: number): string {
  return `invalid bearer token: token ${idOf(token)} expired at ${toRfc3339(expiresAt)}`;
}

describe('streams on a server that requires tokens', () => {
  let server: ObservedServer;
  let clock: FakeClock;
  let logs: LogLines;
  let admin: string;

  /** Grants an editor token in `namespace` and returns its bearer string. */
  const editorOf = (namespace: string, expiresAt?: number): Promise<string> => {
    const grant: TokenGrant = { role: 'editor', namespace };
    if (expiresAt !== undefined) grant.expiresAt = expiresAt;
    return grantToken(server, grant);
  };

  /** Asserts that a new watch with `token` is rejected with the 401 Status for `message`. */
  const assertWatchRejected = async (
    token: string,
    namespace: string,
    message: string,
  ): Promise<void> => {
    const again = await watchStatus(server, token, configMapsPath(namespace));
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, unauthorizedStatus(message));
  };

  /** Asserts that one stream of `token` was logged as ended for `reason`, and returns that line. */
  const assertEndedOnce = (token: string, reason: string): Record<string, unknown> | undefined => {
    const ended = logs.endedStreams(idOf(token));
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.['reason'], reason);
    return ended[0];
  };

  /**
   * Waits until the first re-check of each of `streams` streams of `token` has read the token,
   * so that a later change of the store can only be found by a later re-check. Each stream's
   * authentication read the token once before.
   */
  const waitForFirstRechecks = async (token: string, streams = 1): Promise<void> => {
    await server.observed.waitForReads(`token:${idOf(token)}`, 2 * streams);
    await settleCallbacks();
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

  /** Creates pod `name` in `namespace` and returns a token bound to it, of service account runner. */
  const podTokenOf = async (namespace: string, name: string): Promise<string> => {
    // The service account's role, which the attempt's token acts with.
    await grantToken(server, { role: 'viewer', namespace, serviceAccount: 'runner' });
    const pod = await createPod(server, namespace, name);
    return grantToken(server, {
      namespace,
      serviceAccount: 'runner',
      boundPod: { name, uid: pod.metadata.uid ?? '' },
    });
  };

  before(async () => {
    logs = new LogLines();
    server = await startObservedServer({ logger: logs.logger });
    clock = server.clock;
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
    await assertWatchEndedWith(watch, deletedMessage);
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
    await waitForFirstRechecks(editor);

    // Another serve replica or a worker deletes tokens in the store, not through this server.
    assert.equal(await server.store.deleteToken(idOf(editor)), true);
    clock.advance(4999);
    // A whole request passes, so that a re-check due by now would have ended the watch.
    assert.equal((await call(server, admin, 'GET', configMapsPath(namespace))).status, 200);
    assert.equal(clock.pendingTimers(), timersBefore + 1);
    await createConfigMapSeenBy(server, watch, namespace, 'before-recheck');

    clock.advance(1);
    await assertWatchEndedWith(watch, deletedMessage);
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
    await assertWatchEndedWith(watch, expiredMessage(editor, expiresAt));
    assert.equal(clock.pendingTimers(), timersBefore);

    await assertWatchRejected(editor, namespace, expiredMessage(editor, expiresAt));
    assertEndedOnce(editor, 'TokenExpired');
  });

  test('followed log ends on API token delete', { timeout: 10_000 }, async () => {
    const namespace = 'log-deleted-by-api';
    const editor = await editorOf(namespace);
    const { logPath } = await createTailPod(namespace);

    const follow = await followLog(editor, logPath);

    const deleted = await call(server, admin, 'DELETE', tokenPath(namespace, editor));
    assert.equal(deleted.status, 200);
    assert.deepEqual(await follow.readToEnd(), { text: 'line 1\n', truncated: true });

    const again = await call<Status>(server, editor, 'GET', logPath);
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, unauthorizedStatus(deletedMessage));
    const ended = assertEndedOnce(editor, 'TokenDeleted');
    assert.equal(ended?.['url'], `${logPath}?follow=true`);
  });

  test('followed log ends at re-check', { timeout: 10_000 }, async () => {
    const namespace = 'log-deleted-in-store';
    const editor = await editorOf(namespace);
    const { key, logPath } = await createTailPod(namespace);
    const timersBefore = clock.pendingTimers();

    const follow = await followLog(editor, logPath);
    await waitForFirstRechecks(editor);

    assert.equal(await server.store.deleteToken(idOf(editor)), true);
    await server.store.appendLog(key, 'stdout', 'line 2\n', clock.now());
    // Fires the log poll timer, which sends line 2, but not yet the re-check.
    clock.advance(4999);
    assert.equal(await follow.readUntil('line 2\n'), true);
    assert.equal((await call(server, admin, 'GET', logPath)).status, 200);
    // The re-check timer and the log poll timer of the open stream.
    assert.equal(clock.pendingTimers(), timersBefore + 2);

    clock.advance(1);
    assert.deepEqual(await follow.readToEnd(), { text: 'line 1\nline 2\n', truncated: true });
    assert.equal(clock.pendingTimers(), timersBefore);

    const again = await call<Status>(server, editor, 'GET', logPath);
    assert.equal(again.status, 401);
    assert.deepEqual(again.body, unauthorizedStatus(deletedMessage));
    assertEndedOnce(editor, 'TokenDeleted');
  });

  test('pod token watch ends when pod succeeds', { timeout: 10_000 }, async () => {
    const namespace = 'bound';
    const podToken = await podTokenOf(namespace, 'attempt-1');

    const watch = await openWatch(server, podToken, namespace);
    await createConfigMapSeenBy(server, watch, namespace, 'while-running');

    const running = await server.store.get<Pod>('Pod', namespace, 'attempt-1');
    running.status = { phase: 'Succeeded' };
    await server.store.update(running);
    const message = boundPodMessage(podToken, namespace, 'attempt-1');
    await assertWatchEndedWith(watch, message);

    await assertWatchRejected(podToken, namespace, message);
    assertEndedOnce(podToken, 'BoundPodNotRunning');
  });

  test('pod token watch ends on pod delete', { timeout: 10_000 }, async () => {
    const namespace = 'bound-deleted';
    const podReadsBefore = server.observed.reads('find:Pod');
    const podToken = await podTokenOf(namespace, 'attempt-1');
    const timersBefore = clock.pendingTimers();

    const watch = await openWatch(server, podToken, namespace);
    await waitForFirstRechecks(podToken);
    // Authentication and the first re-check each read the bound pod.
    await server.observed.waitForReads('find:Pod', podReadsBefore + 2);
    await settleCallbacks();
    await createConfigMapSeenBy(server, watch, namespace, 'while-running');

    // Only the store's DELETED event can end the watch now, because the clock does not move.
    await server.store.delete('Pod', namespace, 'attempt-1');
    // The store notifies its watchers before delete returns, so only a watch that is still open
    // receives this ConfigMap.
    await createConfigMap(server, namespace, 'after-pod-delete');
    const message = boundPodMessage(podToken, namespace, 'attempt-1');
    await assertWatchEndedWith(watch, message);
    assert.equal(clock.pendingTimers(), timersBefore);

    await assertWatchRejected(podToken, namespace, message);
    assertEndedOnce(podToken, 'BoundPodNotRunning');
  });

  test('all streams of a token end on delete', { timeout: 10_000 }, async () => {
    const namespace = 'several-deleted';
    const editor = await editorOf(namespace);
    const { logPath } = await createTailPod(namespace);
    const timersBefore = clock.pendingTimers();

    const watches = [
      await openWatch(server, editor, namespace),
      await openWatch(server, editor, namespace),
    ];
    const follow = await followLog(editor, logPath);
    // A re-check timer for each stream and the log poll timer.
    assert.equal(clock.pendingTimers(), timersBefore + 4);

    const deleted = await call(server, admin, 'DELETE', tokenPath(namespace, editor));
    assert.equal(deleted.status, 200);
    for (const watch of watches) await assertWatchEndedWith(watch, deletedMessage);
    assert.deepEqual(await follow.readToEnd(), { text: 'line 1\n', truncated: true });
    assert.equal(clock.pendingTimers(), timersBefore);

    const ended = logs.endedStreams(idOf(editor));
    assert.deepEqual(ended.map((line) => [line['reason'], line['url']]).sort(), [
      ['TokenDeleted', `${configMapsPath(namespace)}?watch=true`],
      ['TokenDeleted', `${configMapsPath(namespace)}?watch=true`],
      ['TokenDeleted', `${logPath}?follow=true`],
    ]);
  });

  test('all streams of a token end at expiry', { timeout: 10_000 }, async () => {
    const namespace = 'several-expiring';
    const expiresAt = clock.now() + 3000;
    const editor = await editorOf(namespace, expiresAt);
    const { logPath } = await createTailPod(namespace);
    const timersBefore = clock.pendingTimers();

    const watches = [
      await openWatch(server, editor, namespace),
      await openWatch(server, editor, namespace),
    ];
    const follow = await followLog(editor, logPath);
    // An expiry timer and a re-check timer for each stream, and the log poll timer.
    assert.equal(clock.pendingTimers(), timersBefore + 7);

    clock.set(expiresAt);
    for (const watch of watches)
      await assertWatchEndedWith(watch, expiredMessage(editor, expiresAt));
    assert.deepEqual(await follow.readToEnd(), { text: 'line 1\n', truncated: true });
    assert.equal(clock.pendingTimers(), timersBefore);

    const ended = logs.endedStreams(idOf(editor));
    assert.deepEqual(
      ended.map((line) => line['reason']),
      ['TokenExpired', 'TokenExpired', 'TokenExpired'],
    );
  });

  test('watch of other token keeps streaming', { timeout: 10_000 }, async () => {
    const namespace = 'two-tokens';
    const revokedEditor = await editorOf(namespace);
    const keptEditor = await editorOf(namespace);
    const revokedEditorWatch = await openWatch(server, revokedEditor, namespace);
    const keptEditorWatch = await openWatch(server, keptEditor, namespace);

    const deleted = await call(server, admin, 'DELETE', tokenPath(namespace, revokedEditor));
    assert.equal(deleted.status, 200);
    await assertWatchEndedWith(revokedEditorWatch, deletedMessage);
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

describe('token re-checks during a store outage', () => {
  let server: ObservedServer;
  let logs: LogLines;

  before(async () => {
    logs = new LogLines();
    server = await startObservedServer({ logger: logs.logger });
  });
  after(async () => {
    await server.close();
  });

  test('outage keeps streams open, warns once', { timeout: 10_000 }, async () => {
    const namespace = 'outage';
    const editor = await grantToken(server, { role: 'editor', namespace });
    const tokenKey = `token:${idOf(editor)}`;
    const { clock, observed } = server;
    const timersBefore = clock.pendingTimers();
    const watches = [
      await openWatch(server, editor, namespace),
      await openWatch(server, editor, namespace),
    ];
    // The authentication and the first re-check of each watch.
    await observed.waitForReads(tokenKey, 4);

    observed.tokenReadError = new Error('database is unavailable');
    clock.advance(5000);
    await observed.waitForReads(tokenKey, 6);
    await settleCallbacks();
    clock.advance(5000);
    await observed.waitForReads(tokenKey, 8);
    await settleCallbacks();

    const warnings = logs.withMessage(outageWarning);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.['level'], 40);
    assert.equal(warnings[0]?.['token'], idOf(editor));
    assert.equal(warnings[0]?.['streams'], 2);
    const error = warnings[0]?.['err'] as { message?: string } | undefined;
    assert.equal(error?.message, 'database is unavailable');
    await createConfigMapSeenBy(server, watches, namespace, 'during-outage');
    assert.equal(clock.pendingTimers(), timersBefore + 2);

    // The token is deleted while the store cannot be read, so only a re-check finds it.
    assert.equal(await server.store.deleteToken(idOf(editor)), true);
    observed.tokenReadError = undefined;
    clock.advance(5000);
    for (const watch of watches) await assertWatchEndedWith(watch, deletedMessage);
    assert.equal(clock.pendingTimers(), timersBefore);

    const recovered = logs.withMessage(recoveryMessage);
    assert.equal(recovered.length, 1);
    assert.equal(recovered[0]?.['level'], 30);
    assert.equal(recovered[0]?.['token'], idOf(editor));
    assert.equal(logs.withMessage(outageWarning).length, 1);
    assert.deepEqual(
      logs.endedStreams(idOf(editor)).map((line) => line['reason']),
      ['TokenDeleted', 'TokenDeleted'],
    );
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

describe('stream token checker', () => {
  test('throwing end spares other streams', async () => {
    const clock = new FakeClock(testStart);
    const temp = await openTempStore(clock);
    const logs = new LogLines();
    try {
      const checker = new StreamTokenChecker({
        store: temp.store,
        clock,
        logger: logs.logger,
        recheckIntervalMs: 5000,
      });
      const { record } = await issueToken(temp.store, { role: 'viewer' }, clock.now());
      const ended: TokenInvalidity[] = [];
      checker.track(record, () => {
        throw new Error('the socket is already destroyed');
      });
      checker.track(record, (invalidity) => ended.push(invalidity));

      checker.tokenDeleted(record.id);

      assert.deepEqual(ended, [{ reason: 'TokenDeleted', message: deletedMessage }]);
      const warnings = logs.withMessage('ending a stream whose token is no longer valid failed');
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]?.['level'], 40);
      assert.equal(warnings[0]?.['token'], record.id);
      assert.equal(warnings[0]?.['reason'], 'TokenDeleted');
      const error = warnings[0]?.['err'] as { message?: string } | undefined;
      assert.equal(error?.message, 'the socket is already destroyed');
      assert.equal(clock.pendingTimers(), 0);
    } finally {
      await temp.cleanup();
    }
  });
});

describe('token re-check interval', () => {
  for (const interval of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    test(`rejects ${interval}`, async () => {
      const clock = new FakeClock(testStart);
      const temp = await openTempStore(clock);
      try {
        assert.throws(
          () =>
            createServer({
              store: temp.store,
              clock,
              auth: { required: true },
              tokenRecheckIntervalMs: interval,
            }),
          {
            name: 'RangeError',
            message: `invalid token re-check interval ${interval} ms: expected a positive number of milliseconds`,
          },
        );
      } finally {
        await temp.cleanup();
      }
    });
  }
});
