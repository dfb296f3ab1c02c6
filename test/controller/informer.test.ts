import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { AnyResource, ConfigMap, ResourceKind } from '../../src/api/types.js';
import { Informer } from '../../src/controller/informer.js';
import { ForwardingStore } from '../../src/store/forwarding-store.js';
import { openStore } from '../../src/store/open.js';
import type { ListOptions, Store, WatchEvent } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** Runs `body` with a fresh SQLite store and removes it afterwards. */
async function withStore(body: (store: Store) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-informer-'));
  const store = await openStore({ dataDir, clock: new FakeClock(NOW) });
  try {
    await body(store);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function configMap(name: string, value: string, ownerUid?: string): ConfigMap {
  const map: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'default' },
    data: { value },
  };
  if (ownerUid !== undefined) {
    map.metadata.ownerReferences = [
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: ownerUid, controller: true },
    ];
  }
  return map;
}

function valueOf(object: ConfigMap | undefined): string | undefined {
  return object?.data?.['value'];
}

/** A store whose first list returns its snapshot only once `release` is called. */
class HeldListStore extends ForwardingStore {
  private releaseList: () => void = () => undefined;
  private readonly released = new Promise<void>((resolve) => (this.releaseList = resolve));
  listed = false;

  release(): void {
    this.releaseList();
  }

  override async list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    const snapshot = await this.inner.list<T>(kind, options);
    this.listed = true;
    await this.released;
    return snapshot;
  }
}

/** A store that lets the test deliver watch events of its own making. */
class InjectingStore extends ForwardingStore {
  private listener: ((event: WatchEvent) => void) | undefined;

  override watch(
    kind: ResourceKind | undefined,
    listener: (event: WatchEvent) => void,
  ): () => void {
    this.listener = listener;
    return this.inner.watch(kind, listener);
  }

  inject(event: WatchEvent): void {
    this.listener?.(event);
  }
}

describe('Informer', () => {
  it('lists, then follows changes', () =>
    withStore(async (store) => {
      await store.create(configMap('a', 'one'), NOW);
      await store.create(configMap('b', 'two', 'owner-1'), NOW);
      const informer = new Informer<ConfigMap>(store, 'ConfigMap');
      const changes: string[] = [];
      informer.addHandler((type, object, previous) =>
        changes.push(`${type} ${object.metadata.name} ${valueOf(previous) ?? '-'}`),
      );
      await informer.start();

      assert.equal(informer.synced, true);
      assert.equal(valueOf(informer.get('default', 'a')), 'one');
      assert.deepEqual(
        informer.listOwnedBy('default', 'owner-1').map((map) => map.metadata.name),
        ['b'],
      );

      const a = await store.get<ConfigMap>('ConfigMap', 'default', 'a');
      a.data = { value: 'changed' };
      a.metadata.ownerReferences = configMap('a', '', 'owner-1').metadata.ownerReferences;
      await store.update(a);
      await store.delete('ConfigMap', 'default', 'b');
      await store.create(configMap('c', 'three'), NOW);

      assert.equal(valueOf(informer.get('default', 'a')), 'changed');
      assert.equal(informer.get('default', 'b'), undefined);
      assert.deepEqual(
        informer.listOwnedBy('default', 'owner-1').map((map) => map.metadata.name),
        ['a'],
      );
      assert.deepEqual([...informer.list()].map((map) => map.metadata.name).sort(), ['a', 'c']);
      assert.deepEqual(changes, ['MODIFIED a one', 'DELETED b two', 'ADDED c -']);
      informer.stop();
    }));

  it('applies writes made during the first list', () =>
    withStore(async (store) => {
      await store.create(configMap('kept', 'before'), NOW);
      await store.create(configMap('deleted', 'before'), NOW);
      const held = new HeldListStore(store);
      const informer = new Informer<ConfigMap>(held, 'ConfigMap');
      const starting = informer.start();
      while (!held.listed) await new Promise((resolve) => setImmediate(resolve));

      const kept = await store.get<ConfigMap>('ConfigMap', 'default', 'kept');
      kept.data = { value: 'after' };
      await store.update(kept);
      await store.delete('ConfigMap', 'default', 'deleted');
      await store.create(configMap('added', 'after'), NOW);
      assert.equal(informer.synced, false);
      held.release();
      await starting;

      assert.equal(valueOf(informer.get('default', 'kept')), 'after');
      assert.equal(informer.get('default', 'deleted'), undefined);
      assert.equal(valueOf(informer.get('default', 'added')), 'after');
      assert.equal(informer.size, 2);
      informer.stop();
    }));

  it('ignores an event older than its copy', () =>
    withStore(async (store) => {
      const created = await store.create(configMap('a', 'current'), NOW);
      const injecting = new InjectingStore(store);
      const informer = new Informer<ConfigMap>(injecting, 'ConfigMap');
      const changes: string[] = [];
      informer.addHandler((type, object) => changes.push(`${type} ${valueOf(object) ?? '-'}`));
      await informer.start();

      const stale = configMap('a', 'stale');
      stale.metadata.resourceVersion = String(Number(created.metadata.resourceVersion) - 1);
      injecting.inject({ type: 'MODIFIED', object: stale });

      assert.equal(valueOf(informer.get('default', 'a')), 'current');
      assert.deepEqual(changes, []);
      informer.stop();
    }));

  it('stops following changes', () =>
    withStore(async (store) => {
      const informer = new Informer<ConfigMap>(store, 'ConfigMap');
      await informer.start();
      informer.stop();
      await store.create(configMap('a', 'one'), NOW);

      assert.equal(informer.get('default', 'a'), undefined);
    }));
});
