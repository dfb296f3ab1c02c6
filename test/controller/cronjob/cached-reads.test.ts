// The controllers read CronJobs, Jobs and Pods from their informers, so a reconcile sends only
// its writes to the store, as a Kubernetes controller reads its listers.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AnyResource, Job } from '../../../src/api/types.js';
import { CronJobController } from '../../../src/controller/cronjob/controller.js';
import { StoreEventRecorder } from '../../../src/controller/events.js';
import { SharedInformers } from '../../../src/controller/informers.js';
import { JobController } from '../../../src/controller/job/controller.js';
import { ForwardingStore } from '../../../src/store/forwarding-store.js';
import { openStore } from '../../../src/store/open.js';
import type { ListOptions } from '../../../src/store/store.js';
import { FakeClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import { helloCronJob } from './controller-harness.js';

/** A store that counts the reads the controllers make, by method and kind. */
class CountingStore extends ForwardingStore {
  readonly reads: string[] = [];

  override get<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T> {
    this.reads.push(`get ${kind}`);
    return this.inner.get<T>(kind, namespace, name);
  }

  override find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    this.reads.push(`find ${kind}`);
    return this.inner.find<T>(kind, namespace, name);
  }

  override list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    this.reads.push(`list ${kind}`);
    return this.inner.list<T>(kind, options);
  }
}

void test('fires read nothing from the store', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-cached-reads-'));
  const clock = new FakeClock('2024-03-04T09:59:30Z');
  const store = await openStore({ dataDir, clock });
  const counting = new CountingStore(store);
  const informers = new SharedInformers(counting);
  // Events go to the store directly, so that only the controllers' own reads are counted.
  const cronJobs = new CronJobController({
    store: counting,
    clock,
    logger: silentLogger,
    informers,
    recorder: new StoreEventRecorder(store, clock, 'cronjob-controller'),
    createJob: (job, now) => counting.create(job, now),
  });
  const jobs = new JobController({
    store: counting,
    clock,
    logger: silentLogger,
    informers,
    recorder: new StoreEventRecorder(store, clock, 'job-controller'),
  });
  try {
    for (const name of ['a', 'b', 'c']) {
      await store.create(helloCronJob(name, { schedule: '* * * * *' }), clock.now());
    }
    await Promise.all([cronJobs.start(), jobs.start()]);
    await cronJobs.queue.idle();
    assert.deepEqual([...counting.reads].sort(), ['list CronJob', 'list Job', 'list Pod']);

    counting.reads.length = 0;
    clock.set('2024-03-04T10:00:00Z');
    await cronJobs.queue.idle();
    await jobs.queue.idle();

    const created = await store.list<Job>('Job', { namespace: 'default' });
    assert.deepEqual(
      created.map((job) => job.metadata.name),
      ['a-28492440', 'b-28492440', 'c-28492440'],
    );
    assert.deepEqual(counting.reads, []);
  } finally {
    await cronJobs.stop();
    await jobs.stop();
    informers.stop();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
