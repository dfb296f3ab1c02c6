import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createServer } from '../../src/server/server.js';
import { databaseFileName } from '../../src/store/open.js';
import { migrations } from '../../src/store/sqlite/migrations/index.js';
import { FakeClock } from '../../src/util/clock.js';
import type { TestServer } from './harness.js';
import { startTestServer, testStart } from './harness.js';
import { openTempStore } from '../support/temp-store.js';
import type { TempStore } from '../support/temp-store.js';

const textPlain = 'text/plain; charset=utf-8';

/** The newest schema version this build migrates to, and the one before it (0 for none). */
const latestVersion = migrations.at(-1)?.version ?? 0;
const previousVersion = migrations.at(-2)?.version ?? 0;

interface TextResponse {
  status: number;
  contentType: string | null;
  body: string;
}

async function getText(url: string): Promise<TextResponse> {
  const response = await fetch(url);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await response.text(),
  };
}

/** Deletes schema_migrations rows through a second connection, as another process would. */
function deleteMigrationRows(dataDir: string, where: string): void {
  const database = new Database(join(dataDir, databaseFileName));
  try {
    database.prepare(`DELETE FROM schema_migrations WHERE ${where}`).run();
  } finally {
    database.close();
  }
}

describe('health probes', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('healthz returns ok', async () => {
    assert.deepEqual(await getText(`${server.url}/healthz`), {
      status: 200,
      contentType: textPlain,
      body: 'ok',
    });
  });

  test('readyz returns ok', async () => {
    assert.deepEqual(await getText(`${server.url}/readyz`), {
      status: 200,
      contentType: textPlain,
      body: 'ok',
    });
  });

  test('readyz verbose lists the store check', async () => {
    assert.deepEqual(await getText(`${server.url}/readyz?verbose`), {
      status: 200,
      contentType: textPlain,
      body: '[+]store ok\nreadyz check passed\n',
    });
  });

  test('readyz verbose=false still lists the checks', async () => {
    // The presence of the parameter, not its value, selects the verbose body.
    const response = await getText(`${server.url}/readyz?verbose=false`);

    assert.equal(response.status, 200);
    assert.equal(response.body, '[+]store ok\nreadyz check passed\n');
  });
});

describe('readyz with custom checks', () => {
  let server: TestServer;
  let controllersStarted = false;
  before(async () => {
    server = await startTestServer({
      readinessChecks: [
        {
          name: 'controllers',
          check: () =>
            controllersStarted
              ? Promise.resolve()
              : Promise.reject(new Error('the controllers have not started yet')),
        },
        { name: 'queue', check: () => Promise.resolve() },
      ],
    });
  });
  after(async () => {
    await server.close();
  });

  test('failing check gives 503 and every line', async () => {
    controllersStarted = false;

    const response = await getText(`${server.url}/readyz`);

    assert.equal(response.status, 503);
    assert.equal(response.contentType, textPlain);
    assert.equal(
      response.body,
      '[+]store ok\n' +
        '[-]controllers failed: the controllers have not started yet\n' +
        '[+]queue ok\n' +
        'readyz check failed\n',
    );
  });

  test('failing check gives the same body with verbose', async () => {
    controllersStarted = false;

    const response = await getText(`${server.url}/readyz?verbose`);

    assert.equal(response.status, 503);
    assert.equal(
      response.body,
      '[+]store ok\n' +
        '[-]controllers failed: the controllers have not started yet\n' +
        '[+]queue ok\n' +
        'readyz check failed\n',
    );
  });

  test('passing checks give ok, verbose lists them', async () => {
    controllersStarted = true;

    const plain = await getText(`${server.url}/readyz`);
    const verbose = await getText(`${server.url}/readyz?verbose`);

    assert.equal(plain.status, 200);
    assert.equal(plain.body, 'ok');
    assert.equal(verbose.status, 200);
    assert.equal(
      verbose.body,
      '[+]store ok\n[+]controllers ok\n[+]queue ok\nreadyz check passed\n',
    );
  });
});

describe('readyz with checks that throw', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      readinessChecks: [
        // A check that throws instead of returning a rejected promise fails the same way.
        {
          name: 'lease',
          check: () => {
            throw new Error('lease not held');
          },
        },
        { name: 'plain', check: () => Promise.reject(new Error('plain rejection')) },
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a check may reject with a non-Error value
        { name: 'odd', check: () => Promise.reject('a bare string') },
        // A check that never settles, like a query on a dead connection, times out.
        { name: 'hang', check: () => new Promise<void>(() => undefined) },
      ],
    });
  });
  after(async () => {
    await server.close();
  });

  test('each failure names its check and reason', async () => {
    const response = await getText(`${server.url}/readyz`);

    assert.equal(response.status, 503);
    assert.equal(
      response.body,
      '[+]store ok\n' +
        '[-]lease failed: lease not held\n' +
        '[-]plain failed: plain rejection\n' +
        '[-]odd failed: a bare string\n' +
        '[-]hang failed: timed out after 1500 ms\n' +
        'readyz check failed\n',
    );
  });
});

describe('readyz of a closed store', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.close();
  });

  test('store check fails with the driver message', async () => {
    await server.store.close();

    const response = await getText(`${server.url}/readyz`);

    assert.equal(response.status, 503);
    assert.equal(response.contentType, textPlain);
    // better-sqlite3 throws a TypeError with this message when a closed connection prepares a
    // statement.
    assert.equal(
      response.body,
      '[-]store failed: The database connection is not open\nreadyz check failed\n',
    );
  });

  test('healthz still returns ok', async () => {
    assert.deepEqual(await getText(`${server.url}/healthz`), {
      status: 200,
      contentType: textPlain,
      body: 'ok',
    });
  });
});

describe('Store.checkReady on SQLite', () => {
  let temp: TempStore;
  before(async () => {
    temp = await openTempStore();
  });
  after(async () => {
    await temp.cleanup();
  });

  test('resolves on a migrated database', async () => {
    assert.equal(await temp.store.checkReady(), undefined);
  });

  test('rejects when the last migration row is missing', async () => {
    deleteMigrationRows(temp.dataDir, `version = ${latestVersion}`);

    await assert.rejects(temp.store.checkReady(), {
      name: 'Error',
      message: `schema migration ${previousVersion} of ${latestVersion} applied`,
    });
  });

  test('rejects when no migration row is left', async () => {
    deleteMigrationRows(temp.dataDir, '1 = 1');

    await assert.rejects(temp.store.checkReady(), {
      name: 'Error',
      message: `schema migration 0 of ${latestVersion} applied`,
    });
  });

  test('readyz reports the missing migration', async () => {
    deleteMigrationRows(temp.dataDir, '1 = 1');
    const app = createServer({ store: temp.store, clock: new FakeClock(testStart) });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = app.server.address() as AddressInfo;

      const response = await getText(`http://127.0.0.1:${port}/readyz`);

      assert.equal(response.status, 503);
      assert.equal(
        response.body,
        `[-]store failed: schema migration 0 of ${latestVersion} applied\nreadyz check failed\n`,
      );
    } finally {
      await app.close();
    }
  });
});
