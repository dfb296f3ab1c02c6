// The garbage collector reads owners from its informers, and confirms an owner that the cache
// lacks with a store read before it deletes a dependent, because a cache can lag behind another
// process's writes.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CronJob, Job, ResourceKind } from '../../src/api/types.js';
import { GarbageCollector } from '../../src/controller/garbage-collector.js';
import { ForwardingStore } from '../../src/store/forwarding-store.js';
import { openStore } from '../../src/store/open.js';
import type { WatchEvent } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';

/** A store whose watch never reports CronJobs, like a cache that has not caught up yet. */
class CronJobBlindStore extends ForwardingStore {
  override watch(
    kind: ResourceKind | undefined,
    listener: (event: WatchEvent) => void,
  ): () => void {
    return this.inner.watch(kind, (event) => {
      if (event.object.kind !== 'CronJob') listener(event);
    });
  }
}

function cronJob(name: string): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
      },
    },
  };
}

function jobOwnedBy(name: string, owner: string, ownerUid: string): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: owner, uid: ownerUid, controller: true },
      ],
    },
    spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox' }] } } },
  };
}

void test('owner missing from the cache is read', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-gc-cache-'));
  const clock = new FakeClock('2026-01-01T00:00:00Z');
  const store = await openStore({ dataDir, clock });
  const collector = new GarbageCollector({
    store: new CronJobBlindStore(store),
    clock,
    logger: silentLogger,
  });
  try {
    await collector.start();
    await collector.idle();
    const owner = await store.create(cronJob('owner'), clock.now());
    await store.create(jobOwnedBy('kept', 'owner', owner.metadata.uid ?? ''), clock.now());
    await store.create(jobOwnedBy('orphan', 'gone', 'uid-of-a-deleted-cronjob'), clock.now());
    await collector.idle();

    const names = (await store.list<Job>('Job')).map((job) => job.metadata.name);
    assert.deepEqual(names, ['kept']);
  } finally {
    await collector.stop();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
