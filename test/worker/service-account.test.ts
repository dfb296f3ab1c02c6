import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Pod } from '../../src/api/types.js';
import { volumesParentDirectory } from '../../src/runtime/sandbox/filesystem.js';
import { Authenticator } from '../../src/server/auth/authenticate.js';
import type { Store } from '../../src/store/store.js';
import { parseBearer, secretMatches } from '../../src/store/tokens.js';
import { FakeClock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';
import { silentLogger } from '../../src/util/logger.js';
import type { ServiceAccountContext } from '../../src/worker/service-account.js';
import {
  mountServiceAccountToken,
  serviceAccountMountPath,
} from '../../src/worker/service-account.js';
import type { TempStore } from '../support/temp-store.js';
import { openTempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';
import { RecordingLogger } from './fakes.js';

const run = promisify(execFile);

const start = Date.parse('2024-01-01T00:00:00Z');
const HOUR = 3_600_000;

function pod(spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'export-1-abcde', namespace: 'team-a', uid: 'pod-uid-1' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', command: ['true'] }], ...spec },
    status: { phase: 'Running' },
  };
}

describe('service account token of an attempt', () => {
  let temp: TempStore;
  let clock: FakeClock;
  let context: ServiceAccountContext;

  beforeEach(async () => {
    clock = new FakeClock(start);
    temp = await openTempStore(clock);
    context = {
      store: temp.store,
      clock,
      logger: silentLogger,
      options: { apiServerUrl: 'http://127.0.0.1:8080' },
    };
  });
  afterEach(async () => {
    await temp.cleanup();
  });

  test('pod without service account gets none', async () => {
    assert.equal(await mountServiceAccountToken(pod(), context), undefined);
    assert.deepEqual(await temp.store.listTokens(), []);
  });

  test('automount false gets none', async () => {
    const opted = pod({ serviceAccountName: 'exporter', automountServiceAccountToken: false });

    assert.equal(await mountServiceAccountToken(opted, context), undefined);
    assert.deepEqual(await temp.store.listTokens(), []);
  });

  test('token file and store record', async () => {
    const mounted = await mountServiceAccountToken(
      pod({ serviceAccountName: 'exporter' }),
      context,
    );
    assert.ok(mounted !== undefined);
    try {
      const bearer = await readFile(mounted.hostPath, 'utf8');
      const parsed = parseBearer(bearer);
      assert.ok(parsed !== undefined, `token file holds ${JSON.stringify(bearer)}`);
      const [record] = await temp.store.listTokens();

      assert.equal(mounted.hostPath, join(mounted.hostDirectory, 'token'));
      assert.equal(dirname(mounted.hostDirectory), volumesParentDirectory());
      assert.equal((await stat(mounted.hostPath)).mode & 0o777, 0o644);
      assert.equal((await stat(mounted.hostDirectory)).mode & 0o777, 0o755);
      assert.equal(await readFile(join(mounted.hostDirectory, 'namespace'), 'utf8'), 'team-a');
      assert.deepEqual(record, {
        id: parsed.id,
        secretHash: record?.secretHash,
        namespace: 'team-a',
        serviceAccount: 'exporter',
        boundPod: { name: 'export-1-abcde', uid: 'pod-uid-1' },
        createdAt: start,
        expiresAt: start + HOUR,
      });
      assert.equal(secretMatches(parsed.secret, record?.secretHash ?? ''), true);
      assert.deepEqual(mounted.env, {
        CRONMESH_TOKEN_FILE: mounted.hostPath,
        CRONMESH_SERVER: 'http://127.0.0.1:8080',
      });
      assert.deepEqual(mounted.envAt(serviceAccountMountPath), {
        CRONMESH_TOKEN_FILE: '/var/run/secrets/kubernetes.io/serviceaccount/token',
        CRONMESH_SERVER: 'http://127.0.0.1:8080',
      });
    } finally {
      await mounted.release();
    }
  });

  test('deprecated serviceAccount field counts', async () => {
    const mounted = await mountServiceAccountToken(pod({ serviceAccount: 'legacy' }), context);
    assert.ok(mounted !== undefined);
    try {
      const [record] = await temp.store.listTokens();
      assert.equal(record?.serviceAccount, 'legacy');
    } finally {
      await mounted.release();
    }
  });

  test('release revokes the token and removes the files', async () => {
    const mounted = await mountServiceAccountToken(
      pod({ serviceAccountName: 'exporter' }),
      context,
    );
    assert.ok(mounted !== undefined);

    await mounted.release();
    await mounted.release();

    assert.deepEqual(await temp.store.listTokens(), []);
    assert.equal(existsSync(mounted.hostDirectory), false);
  });

  test('release follows no planted link', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'hA-service-account-outside-'));
    try {
      await writeFile(join(outside, 'keep'), 'host file\n');
      const mounted = await mountServiceAccountToken(
        pod({ serviceAccountName: 'exporter' }),
        context,
      );
      assert.ok(mounted !== undefined);
      await symlink(outside, join(mounted.hostDirectory, 'escape'));

      await mounted.release();

      assert.equal(existsSync(mounted.hostDirectory), false);
      assert.deepEqual(readdirSync(outside), ['keep']);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  test('release keeps a mount of another file system', async () => {
    const logger = new RecordingLogger();
    const mounted = await mountServiceAccountToken(pod({ serviceAccountName: 'exporter' }), {
      ...context,
      logger,
    });
    assert.ok(mounted !== undefined);
    const mountPoint = join(mounted.hostDirectory, 'mounted');
    try {
      await mkdir(mountPoint);
      await run('mount', ['-t', 'tmpfs', '-o', 'mode=0700', 'tmpfs', mountPoint]);
      await writeFile(join(mountPoint, 'keep'), 'host file\n');

      await mounted.release();

      const [entry] = logger.withMessage('removing the service account token directory failed');
      assert.equal(entry?.level, 'warn');
      assert.equal(
        (entry?.fields.err as Error).message,
        `removing ${mounted.hostDirectory} failed: rm: skipping '${mountPoint}', since it's on a different device`,
      );
      assert.equal(await readFile(join(mountPoint, 'keep'), 'utf8'), 'host file\n');
    } finally {
      await run('umount', ['--lazy', mountPoint]).catch(() => undefined);
      await rm(mounted.hostDirectory, { recursive: true, force: true });
    }
  });

  test('token is renewed at 80% of its lifetime', async () => {
    const mounted = await mountServiceAccountToken(
      pod({ serviceAccountName: 'exporter' }),
      context,
    );
    assert.ok(mounted !== undefined);
    try {
      const first = parseBearer(await readFile(mounted.hostPath, 'utf8'));

      clock.advance(0.8 * HOUR - 1);
      const early = parseBearer(await readFile(mounted.hostPath, 'utf8'));
      clock.advance(1);
      // The renewal runs in the background and arms the next renewal's timer last.
      await waitFor('the renewal to finish', () => clock.pendingTimers() === 1);
      const renewed = parseBearer(await readFile(mounted.hostPath, 'utf8'));
      const records = await temp.store.listTokens();

      assert.equal(early?.id, first?.id);
      assert.notEqual(renewed?.id, first?.id);
      assert.deepEqual(
        records.map((record) => [record.id, record.expiresAt]),
        [
          [first?.id, start + HOUR],
          [renewed?.id, start + 0.8 * HOUR + HOUR],
        ],
      );
    } finally {
      await mounted.release();
    }
  });

  test('previous token stays valid until release', async () => {
    const attempt = await temp.store.create(pod({ serviceAccountName: 'exporter' }), start);
    const authenticator = new Authenticator({ store: temp.store, clock, required: true });
    const mounted = await mountServiceAccountToken(attempt, context);
    assert.ok(mounted !== undefined);
    let bearers: string[];
    try {
      const first = await readFile(mounted.hostPath, 'utf8');
      clock.advance(0.8 * HOUR);
      await waitFor('the renewal to finish', () => clock.pendingTimers() === 1);
      const renewed = await readFile(mounted.hostPath, 'utf8');
      bearers = [first, renewed];

      assert.notEqual(renewed, first);
      assert.equal((await temp.store.listTokens()).length, 2);
      for (const bearer of bearers) {
        const identity = await authenticator.authenticate(`Bearer ${bearer}`);
        assert.equal(identity.user, 'system:serviceaccount:team-a:exporter');
      }
    } finally {
      await mounted.release();
    }

    assert.deepEqual(await temp.store.listTokens(), []);
    for (const bearer of bearers) {
      await assert.rejects(authenticator.authenticate(`Bearer ${bearer}`), {
        name: 'StatusError',
        message: 'invalid bearer token: it is malformed, unknown or deleted',
      });
    }
  });

  test('next renewal drops the expired token', async () => {
    const mounted = await mountServiceAccountToken(
      pod({ serviceAccountName: 'exporter' }),
      context,
    );
    assert.ok(mounted !== undefined);
    try {
      clock.advance(0.8 * HOUR);
      await waitFor('the first renewal to finish', () => clock.pendingTimers() === 1);
      const second = parseBearer(await readFile(mounted.hostPath, 'utf8'));
      clock.advance(0.8 * HOUR);
      await waitFor('the second renewal to finish', () => clock.pendingTimers() === 1);
      const third = parseBearer(await readFile(mounted.hostPath, 'utf8'));

      // The first token expired at 1 h, before this renewal at 1.6 h.
      assert.deepEqual(
        (await temp.store.listTokens()).map((record) => [record.id, record.expiresAt]),
        [
          [second?.id, start + 1.8 * HOUR],
          [third?.id, start + 2.6 * HOUR],
        ],
      );
    } finally {
      await mounted.release();
    }
    assert.deepEqual(await temp.store.listTokens(), []);
  });

  test('failed renewal deletes its new token', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_fields, message) => warnings.push(message) };
    const mounted = await mountServiceAccountToken(pod({ serviceAccountName: 'exporter' }), {
      ...context,
      logger,
    });
    assert.ok(mounted !== undefined);
    try {
      const first = parseBearer(await readFile(mounted.hostPath, 'utf8'));
      // Without its directory the new token cannot reach the file.
      await rm(mounted.hostDirectory, { recursive: true, force: true });

      clock.advance(0.8 * HOUR);
      await waitFor('the renewal to fail', () =>
        warnings.includes('service account token renewal failed'),
      );
      const remaining = await waitFor('the new token to be deleted', async () => {
        const listed = await temp.store.listTokens();
        return listed.length === 1 ? listed : undefined;
      });

      assert.deepEqual(
        remaining.map((record) => record.id),
        [first?.id],
      );
    } finally {
      await mounted.release();
    }
  });

  test('release during renewal deletes the new token', async () => {
    const created: string[] = [];
    const deleted: string[] = [];
    const store = new Proxy(temp.store, {
      get(target, property, receiver) {
        if (property === 'createToken') {
          return (record: Parameters<Store['createToken']>[0]) => {
            created.push(record.id);
            return target.createToken(record);
          };
        }
        if (property === 'deleteToken') {
          return (id: string) => {
            deleted.push(id);
            return target.deleteToken(id);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
      },
    });
    const mounted = await mountServiceAccountToken(pod({ serviceAccountName: 'exporter' }), {
      ...context,
      store,
    });
    assert.ok(mounted !== undefined);

    // The renewal starts minting; release runs before it finishes.
    clock.advance(0.8 * HOUR);
    await mounted.release();
    await waitFor(
      'the renewed token to be minted and deleted',
      () => created.length === 2 && deleted.includes(created[1] ?? ''),
    );

    assert.deepEqual(await temp.store.listTokens(), []);
    assert.equal(deleted.includes(created[0] ?? ''), true);
  });

  test('no server URL, no CRONMESH_SERVER', async () => {
    const mounted = await mountServiceAccountToken(pod({ serviceAccountName: 'exporter' }), {
      ...context,
      options: {},
    });
    assert.ok(mounted !== undefined);
    try {
      assert.deepEqual(Object.keys(mounted.env), ['CRONMESH_TOKEN_FILE']);
    } finally {
      await mounted.release();
    }
  });
});
