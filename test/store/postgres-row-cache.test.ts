import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { ConfigMap } from '../../src/api/types.js';
import { ConflictError } from '../../src/store/errors.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SystemClock } from '../../src/util/clock.js';
import { configMap, createdAt, rejectionOf } from './fixtures.js';
import { dropSchema, freshSchemaName, storeUrlOf } from './postgres-schema.js';

// An instance starts an update from the row it read or wrote last. These tests make that row
// stale through a second instance and check that the update still reads the current row.

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twoInstances(): Promise<[PostgresStore, PostgresStore]> {
  const schema = freshSchemaName();
  cleanups.push(() => dropSchema(schema));
  const open = async (): Promise<PostgresStore> => {
    const store = await PostgresStore.open({ url: storeUrlOf(schema), clock: new SystemClock() });
    cleanups.push(() => store.close());
    return store;
  };
  return [await open(), await open()];
}

void describe('PostgresStore cached rows', () => {
  void it('stale row update conflicts', async () => {
    const [first, second] = await twoInstances();
    const created = await first.create(configMap('settings', { mode: 'fast' }), createdAt);
    const other = await second.update<ConfigMap>({ ...created, data: { mode: 'slow' } });

    const stale = await rejectionOf(first.update<ConfigMap>({ ...created, data: { mode: 'x' } }));

    assert.ok(stale instanceof ConflictError);
    assert.equal(stale.field, 'metadata.resourceVersion');
    assert.equal(stale.value, created.metadata.resourceVersion);
    assert.equal(stale.current, other.metadata.resourceVersion);
    assert.deepEqual((await first.get<ConfigMap>('ConfigMap', 'default', 'settings')).data, {
      mode: 'slow',
    });
  });

  void it('stale row no-op conflicts', async () => {
    const [first, second] = await twoInstances();
    const created = await first.create(configMap('settings', { mode: 'fast' }), createdAt);
    const other = await second.update<ConfigMap>({ ...created, data: { mode: 'slow' } });

    const stale = await rejectionOf(first.update<ConfigMap>(structuredClone(created)));

    assert.ok(stale instanceof ConflictError);
    assert.equal(stale.field, 'metadata.resourceVersion');
    assert.equal(stale.current, other.metadata.resourceVersion);
  });

  void it('recreated object conflicts on uid', async () => {
    const [first, second] = await twoInstances();
    const created = await first.create(configMap('settings', { mode: 'fast' }), createdAt);
    await second.delete('ConfigMap', 'default', 'settings');
    const again = await second.create(configMap('settings', { mode: 'new' }), createdAt);

    const stale = await rejectionOf(first.update<ConfigMap>({ ...created, data: { mode: 'x' } }));

    assert.ok(stale instanceof ConflictError);
    assert.equal(stale.field, 'metadata.uid');
    assert.equal(stale.current, again.metadata.uid);
  });

  void it('update from a read row applies', async () => {
    const [first, second] = await twoInstances();
    await first.create(configMap('settings', { mode: 'fast' }), createdAt);
    const read = await second.get<ConfigMap>('ConfigMap', 'default', 'settings');

    const updated = await second.update<ConfigMap>({ ...read, data: { mode: 'slow' } });
    const again = await second.update<ConfigMap>({ ...updated, data: { mode: 'slower' } });

    assert.equal(updated.metadata.resourceVersion, '2');
    assert.equal(again.metadata.resourceVersion, '3');
    assert.equal(again.metadata.creationTimestamp, read.metadata.creationTimestamp);
    assert.deepEqual((await first.get<ConfigMap>('ConfigMap', 'default', 'settings')).data, {
      mode: 'slower',
    });
  });
});
