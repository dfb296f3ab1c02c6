import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import type { ConfigMap } from '../../src/api/types.js';
import { ConflictError } from '../../src/store/errors.js';
import { UnknownPostgresMigrationError, openStore } from '../../src/store/open.js';
import { advisoryLockKey } from '../../src/store/postgres/connection.js';
import { migrationLockName } from '../../src/store/postgres/migrate.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import type { WatchEvent } from '../../src/store/store.js';
import type { Clock } from '../../src/util/clock.js';
import { FakeClock, SystemClock } from '../../src/util/clock.js';
import { waitFor } from '../support/wait.js';
import { configMap, createdAt, rejectionOf } from './fixtures.js';
import { dropSchema, freshSchemaName, storeUrlOf, withDatabase } from './postgres-schema.js';

const childScript = fileURLToPath(new URL('./postgres-child.js', import.meta.url));

/** Schemas and stores of the running test, removed after it. */
const openedStores: PostgresStore[] = [];
const createdSchemas: string[] = [];

afterEach(async () => {
  for (const store of openedStores.splice(0)) await store.close();
  for (const schema of createdSchemas.splice(0)) await dropSchema(schema);
});

function newSchema(): string {
  const schema = freshSchemaName();
  createdSchemas.push(schema);
  return schema;
}

async function openOn(schema: string, clock: Clock = new SystemClock()): Promise<PostgresStore> {
  const store = await PostgresStore.open({ url: storeUrlOf(schema), clock });
  openedStores.push(store);
  return store;
}

/** Returns `TYPE name@resourceVersion data` for compact comparisons of event sequences. */
function summarize(event: WatchEvent): string {
  const object = event.object as ConfigMap;
  return `${event.type} ${object.metadata.name}@${object.metadata.resourceVersion ?? ''} ${JSON.stringify(object.data)}`;
}

/** Collects the events of `store` and waits until one names `name`. */
function recordEvents(store: PostgresStore) {
  const events: WatchEvent[] = [];
  store.watch('ConfigMap', (event) => events.push(event));
  return {
    events,
    /** Waits until an event for `name` has arrived, for at most 10 s. */
    waitForName: (name: string) =>
      waitFor(
        `a watch event for ${name}`,
        () => events.some((event) => event.object.metadata.name === name),
        10_000,
      ),
  };
}

/** Returns the backend PIDs of connections with `applicationName`. */
async function backendPids(applicationName: string): Promise<number[]> {
  return withDatabase(async (client) => {
    const result = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return result.rows.map((row) => row.pid);
  });
}

/** Terminates every backend with `applicationName` and returns how many there were. */
async function terminateBackends(applicationName: string): Promise<number> {
  return withDatabase(async (client) => {
    const result = await client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
      [applicationName],
    );
    return result.rowCount ?? 0;
  });
}

/** Collects process warnings with one of `codes` until `stop` is called. */
function collectWarnings(codes: string[]) {
  const warnings: (Error & { code?: string })[] = [];
  const onWarning = (warning: Error & { code?: string }): void => {
    if (warning.code !== undefined && codes.includes(warning.code)) warnings.push(warning);
  };
  process.on('warning', onWarning);
  return { warnings, stop: () => process.off('warning', onWarning) };
}

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(args: string[]): Promise<ChildResult> {
  const child = spawn(process.execPath, [childScript, ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

void describe('PostgresStore across instances', () => {
  void it('instances see each other’s writes', async () => {
    const schema = newSchema();
    const watcher = await openOn(schema);
    const writer = await openOn(schema);
    const seen = recordEvents(watcher);
    const own = recordEvents(writer);

    const created = await writer.create(configMap('settings', { mode: 'fast' }), createdAt);
    const updated = await writer.update<ConfigMap>({ ...created, data: { mode: 'slow' } });
    const deleted = await writer.delete('ConfigMap', 'default', 'settings');
    // A last write after the others shows that the feed has passed them.
    await writer.create(configMap('sentinel', {}), createdAt);
    await seen.waitForName('sentinel');

    assert.deepEqual(seen.events.map(summarize), [
      'ADDED settings@1 {"mode":"fast"}',
      'MODIFIED settings@2 {"mode":"slow"}',
      'DELETED settings@3 {"mode":"slow"}',
      'ADDED sentinel@4 {}',
    ]);
    assert.deepEqual(
      seen.events.slice(0, 3).map((event) => event.object),
      [created, updated, deleted],
    );
    assert.deepEqual(own.events.map(summarize), seen.events.map(summarize));
  });

  void it('watch catches up after a lost connection', async () => {
    const schema = newSchema();
    const watcher = await openOn(schema);
    const writer = await openOn(schema);
    const seen = recordEvents(watcher);
    const listenName = `cronmesh-listen-${watcher.instanceId}`;
    const warnings = collectWarnings([
      'CRONMESH_STORE_FEED_DISCONNECTED',
      'CRONMESH_STORE_FEED_RECONNECTED',
    ]);
    try {
      await writer.create(configMap('before', {}), createdAt);
      await seen.waitForName('before');
      const [firstPid] = await backendPids(listenName);

      // Each write happens right after the listener's backend was terminated, and the
      // reconnects in between are terminated too, so the writes land while it is away.
      assert.equal(await terminateBackends(listenName), 1);
      const written: string[] = [];
      for (let index = 1; index <= 10; index += 1) {
        const object = await writer.create(configMap(`during-${index}`, {}), createdAt);
        written.push(`ADDED ${object.metadata.name}@${object.metadata.resourceVersion ?? ''} {}`);
        await terminateBackends(listenName);
      }
      await writer.create(configMap('after', {}), createdAt);
      await seen.waitForName('after');
      const [secondPid] = await backendPids(listenName);

      assert.deepEqual(seen.events.map(summarize), [
        'ADDED before@1 {}',
        ...written,
        'ADDED after@12 {}',
      ]);
      assert.notEqual(secondPid, firstPid);
      assert.equal(warnings.warnings[0]?.code, 'CRONMESH_STORE_FEED_DISCONNECTED');
      assert.equal(
        warnings.warnings.at(-1)?.code,
        'CRONMESH_STORE_FEED_RECONNECTED',
        warnings.warnings.map((warning) => warning.message).join('\n'),
      );
      assert.match(
        warnings.warnings.at(-1)?.message ?? '',
        /^store change feed reconnected after [1-9][0-9]* attempts? and caught up to change 12$/,
      );
    } finally {
      warnings.stop();
    }
  });

  void it('concurrent writers lose no event', async () => {
    const schema = newSchema();
    const watcher = await openOn(schema);
    const writers = [await openOn(schema), await openOn(schema)];
    const seen = recordEvents(watcher);

    // Ten creates at a time from each writer commit in any order, so change ids commit out of
    // order and a reader that did not wait for open writers would skip some.
    const names: string[] = [];
    for (let batch = 0; batch < 20; batch += 1) {
      const creates = writers.flatMap((writer, writerIndex) =>
        Array.from({ length: 10 }, (_, index) => {
          const name = `item-${batch}-${writerIndex}-${index}`;
          names.push(name);
          return writer.create(configMap(name, {}), createdAt);
        }),
      );
      await Promise.all(creates);
    }
    await writers[0]?.create(configMap('sentinel', {}), createdAt);
    await seen.waitForName('sentinel');
    const seenNames = seen.events.map((event) => event.object.metadata.name);

    assert.equal(seenNames.length, names.length + 1);
    assert.deepEqual(seenNames.slice(0, -1).sort(), [...names].sort());
  });

  void it('concurrent updates: exactly one wins', async () => {
    const schema = newSchema();
    const first = await openOn(schema);
    const second = await openOn(schema);
    await first.create(configMap('counter', { count: '0' }), createdAt);

    for (let round = 1; round <= 10; round += 1) {
      const base = await first.get<ConfigMap>('ConfigMap', 'default', 'counter');
      const results = await Promise.allSettled([
        first.update<ConfigMap>({ ...base, data: { count: `first-${round}` } }),
        second.update<ConfigMap>({ ...base, data: { count: `second-${round}` } }),
      ]);
      const winners = results.filter((result) => result.status === 'fulfilled');
      const losers = results.filter((result) => result.status === 'rejected');
      const stored = await second.get<ConfigMap>('ConfigMap', 'default', 'counter');

      assert.equal(winners.length, 1, `round ${round}`);
      assert.equal(losers.length, 1, `round ${round}`);
      const error: unknown = losers[0]?.reason;
      assert.ok(error instanceof ConflictError, `round ${round}: ${String(error)}`);
      assert.equal(error.field, 'metadata.resourceVersion');
      assert.equal(error.value, base.metadata.resourceVersion);
      assert.equal(error.current, stored.metadata.resourceVersion);
      assert.equal(
        error.message,
        'Operation cannot be fulfilled on configmaps "counter": the object has been modified; ' +
          'please apply your changes to the latest version and try again',
      );
      assert.deepEqual(stored, winners[0]?.value);
    }
  });

  void it('unconditional updates all apply', async () => {
    const schema = newSchema();
    const first = await openOn(schema);
    const second = await openOn(schema);
    await first.create(configMap('counter', { count: '0' }), createdAt);

    const updates = Array.from({ length: 8 }, (_, index) =>
      (index % 2 === 0 ? first : second).update(configMap('counter', { count: String(index) })),
    );
    const results = await Promise.all(updates);
    const versions = results.map((result) => Number(result.metadata.resourceVersion));
    const stored = await first.get<ConfigMap>('ConfigMap', 'default', 'counter');

    assert.equal(new Set(versions).size, 8);
    assert.equal(Number(stored.metadata.resourceVersion), Math.max(...versions));
  });
});

void describe('PostgresStore schema', () => {
  void it('open creates the schema and tables', async () => {
    const schema = newSchema();
    await openOn(schema);

    const tables = await withDatabase(async (client) => {
      const result = await client.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1
         ORDER BY table_name`,
        [schema],
      );
      return result.rows.map((row) => row.table_name);
    });

    assert.deepEqual(tables, [
      'changes',
      'lease_fences',
      'leases',
      'log_chunks',
      'object_owners',
      'objects',
      'schema_migrations',
      'tokens',
    ]);
  });

  void it('racing processes migrate once', async () => {
    const schema = newSchema();
    const url = storeUrlOf(schema);
    const lockKey = advisoryLockKey(migrationLockName(schema));

    // The test holds the migration lock until both children wait for it, so that both
    // migrate the fresh schema at the same moment once it is released.
    const exits = await withDatabase(async (client) => {
      await client.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
      const children = [runChild(['migrate', url]), runChild(['migrate', url])];
      try {
        await waitFor(
          'both children to wait for the migration lock',
          async () => {
            const result = await client.query<{ waiting: number }>(
              `SELECT count(*)::int AS waiting FROM pg_locks
               WHERE locktype = 'advisory' AND NOT granted
                 AND ((classid::bigint << 32) | objid::bigint) = $1::bigint`,
              [lockKey],
            );
            return result.rows[0]?.waiting === 2;
          },
          20_000,
        );
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]);
      }
      return Promise.all(children);
    });
    const applied = await withDatabase(async (client) => {
      const result = await client.query<{ version: number; name: string }>(
        `SELECT version, name FROM ${schema}.schema_migrations`,
      );
      return result.rows;
    });

    assert.deepEqual(
      exits.map((exit) => exit.code),
      [0, 0],
      exits.map((exit) => exit.stderr).join('\n'),
    );
    for (const exit of exits) assert.match(exit.stdout, /^migrated [0-9a-f-]{36}\n$/);
    assert.deepEqual(applied, [
      { version: 1, name: 'initial' },
      { version: 2, name: 'leases' },
      { version: 3, name: 'lease_fences' },
      { version: 4, name: 'tokens' },
    ]);
  });

  void it('newer schema is rejected', async () => {
    const schema = newSchema();
    const store = await openOn(schema);
    await store.close();
    await withDatabase((client) =>
      client.query(
        `INSERT INTO ${schema}.schema_migrations (version, name, applied_at) VALUES (5, 'from_the_future', 0)`,
      ),
    );

    const error = await rejectionOf(openStore({ url: storeUrlOf(schema) }));

    assert.ok(error instanceof UnknownPostgresMigrationError);
    assert.equal(error.code, 'UnknownMigration');
    assert.equal(error.version, 5);
    assert.equal(error.schema, schema);
    assert.equal(
      error.message,
      `schema "${schema}" in database postgres://postgres@127.0.0.1:5432/test has schema ` +
        'migration 5 ("from_the_future"), but this cronmesh knows migrations up to 4 only; ' +
        'upgrade cronmesh or use another schema',
    );
  });

  void it('checkReady reports missing migrations', async () => {
    const schema = newSchema();
    const store = await openOn(schema);
    await store.checkReady();
    await withDatabase((client) => client.query(`DELETE FROM ${schema}.schema_migrations`));

    const error = await rejectionOf(store.checkReady());

    assert.ok(error instanceof Error);
    assert.equal(error.message, 'schema migration 0 of 4 applied');
  });

  void it('log chunks keep NUL bytes', async () => {
    const schema = newSchema();
    const store = await openOn(schema);
    const key = { namespace: 'default', pod: 'p', container: 'c' };

    await store.appendLog(key, 'stdout', 'a\u0000b\n', 5);

    assert.deepEqual(await store.readLog(key), [
      { seq: 1, stream: 'stdout', time: 5, data: 'a\u0000b\n' },
    ]);
  });

  void it('old changes are pruned', async () => {
    const schema = newSchema();
    const clock = new FakeClock(createdAt);
    const store = await openOn(schema, clock);
    const changeTimes = () =>
      withDatabase(async (client) => {
        const result = await client.query<{ created_at: string }>(
          `SELECT created_at FROM ${schema}.changes ORDER BY id`,
        );
        return result.rows.map((row) => Number(row.created_at));
      });

    await store.create(configMap('old', {}), createdAt);
    clock.advance(9 * 60_000);
    await store.create(configMap('recent', {}), createdAt);
    clock.advance(2 * 60_000);
    await store.create(configMap('new', {}), createdAt);
    const expected = [createdAt + 9 * 60_000, createdAt + 11 * 60_000];
    await waitFor('the old change to be pruned', async () => {
      const times = await changeTimes();
      return times.length === expected.length;
    });

    assert.deepEqual(await changeTimes(), expected);
  });
});
