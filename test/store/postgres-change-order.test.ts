import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import pg from 'pg';
import { gapWaitMs, pollIntervalMs } from '../../src/store/postgres/change-feed.js';
import { changeChannelOf } from '../../src/store/postgres/connection.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SystemClock } from '../../src/util/clock.js';
import { waitFor } from '../support/wait.js';
import { configMap } from './fixtures.js';
import { dropSchema, freshSchemaName, storeUrlOf, testDatabaseUrl } from './postgres-schema.js';

// These tests write `changes` rows by hand, as another store instance would, to commit them in
// an order that the store's own writes rarely show.

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openOn(schema: string): Promise<PostgresStore> {
  const store = await PostgresStore.open({ url: storeUrlOf(schema), clock: new SystemClock() });
  cleanups.push(() => store.close());
  return store;
}

/** Opens a fresh schema with a watching store, a writing store and a plain connection. */
async function setUp() {
  const schema = freshSchemaName();
  cleanups.push(() => dropSchema(schema));
  const watcher = await openOn(schema);
  const writer = await openOn(schema);
  const raw = new pg.Client({ connectionString: testDatabaseUrl });
  await raw.connect();
  cleanups.push(() => raw.end());
  const names: string[] = [];
  watcher.watch('ConfigMap', (event) => names.push(event.object.metadata.name));
  const waitForName = (name: string, timeoutMs = 10_000) =>
    waitFor(`a watch event for ${name}`, () => names.includes(name), timeoutMs);

  /** Inserts an ADDED change of ConfigMap `name` in the open transaction of `raw`. */
  const insertChange = async (name: string): Promise<void> => {
    const object = { ...configMap(name, {}), metadata: { name, namespace: 'default' } };
    await raw.query(
      `INSERT INTO ${pg.escapeIdentifier(schema)}.changes (type, kind, object, origin, created_at)
       VALUES ('ADDED', 'ConfigMap', $1, 'hand-written', 0)`,
      [JSON.stringify(object)],
    );
  };
  const notify = () => raw.query('SELECT pg_notify($1, $2)', [changeChannelOf(schema), '0 hand']);
  return { watcher, writer, raw, names, waitForName, insertChange, notify };
}

void describe('PostgresStore change order', () => {
  void it('late commit of a lower id arrives', async () => {
    const { writer, raw, names, waitForName, insertChange, notify } = await setUp();

    await raw.query('BEGIN');
    await insertChange('early');
    await writer.create(configMap('later', {}), 0);
    await waitForName('later');
    await raw.query('COMMIT');
    await notify();
    await waitForName('early');
    await writer.create(configMap('sentinel', {}), 0);
    await waitForName('sentinel');

    assert.deepEqual(names, ['later', 'early', 'sentinel']);
  });

  void it('late commit without notification arrives', async () => {
    const { writer, raw, names, waitForName, insertChange } = await setUp();

    await raw.query('BEGIN');
    await insertChange('early');
    await writer.create(configMap('later', {}), 0);
    await waitForName('later');
    await raw.query('COMMIT');
    // The skipped id is read again once it has waited gapWaitMs.
    await waitForName('early', gapWaitMs + 5_000);

    assert.deepEqual(names, ['later', 'early']);
  });

  void it('rolled-back id does not hold the feed', async () => {
    const { writer, raw, names, waitForName, insertChange } = await setUp();

    await raw.query('BEGIN');
    await insertChange('never');
    await raw.query('ROLLBACK');
    await writer.create(configMap('first', {}), 0);
    await waitForName('first');
    await new Promise((resolve) => setTimeout(resolve, gapWaitMs + 200));
    await writer.create(configMap('second', {}), 0);
    await waitForName('second');

    assert.deepEqual(names, ['first', 'second']);
  });

  void it('change without notification arrives by polling', async () => {
    const { names, waitForName, insertChange } = await setUp();

    await insertChange('quiet');
    await waitForName('quiet', pollIntervalMs + 5_000);

    assert.deepEqual(names, ['quiet']);
  });
});
