import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Pod } from '../../src/api/types.js';
import { waitFor } from '../support/wait.js';
import { pendingPod } from './fakes.js';
import { createWorkerHarness, WORKER_ID, type WorkerHarness } from './worker-harness.js';

describe('worker claims', () => {
  let harness: WorkerHarness | undefined;

  afterEach(async () => {
    await harness?.cleanup();
    harness = undefined;
  });

  it('claims only attempts its labels select', async () => {
    harness = await createWorkerHarness({ concurrency: 4, labels: { pool: 'east' } });
    const { store, clock, worker, executor, claims } = harness;
    await store.create(pendingPod('a-east', { pool: 'east' }), clock.now());
    await store.create(pendingPod('b-west', { pool: 'west' }), clock.now());
    await store.create(pendingPod('c-any'), clock.now());
    await store.create(pendingPod('d-east-zone', { pool: 'east', zone: 'one' }), clock.now());

    worker.start();
    await waitFor('two attempts to start', () => executor.runs.length === 2);
    const pods = await store.list<Pod>('Pod', { namespace: 'default' });

    assert.deepEqual(claims[0]?.claimed, ['a-east', 'c-any']);
    assert.deepEqual(claims[0]?.request.labels, { pool: 'east' });
    assert.deepEqual(
      pods.map((pod) => [pod.metadata.name, pod.status?.phase, pod.status?.nodeName]),
      [
        ['a-east', 'Running', WORKER_ID],
        ['b-west', 'Pending', undefined],
        ['c-any', 'Running', WORKER_ID],
        ['d-east-zone', 'Pending', undefined],
      ],
    );
  });

  it('claims as many attempts as slots are free', async () => {
    harness = await createWorkerHarness({ concurrency: 2 });
    const { store, clock, worker, executor, claims } = harness;
    for (const name of ['p1', 'p2', 'p3']) await store.create(pendingPod(name), clock.now());

    worker.start();
    await waitFor('two attempts to start', () => executor.runs.length === 2);
    const first = claims.find((claim) => claim.claimed.length > 0);
    executor.runs[0]?.succeed();
    await waitFor('the third attempt to start', () => executor.runs.length === 3);
    const last = claims.at(-1);
    const done = await harness.podWhen(
      'p1',
      'succeeded',
      (pod) => pod.status?.phase === 'Succeeded',
    );

    assert.equal(first?.request.limit, 2);
    assert.deepEqual(first?.claimed, ['p1', 'p2']);
    assert.equal(last?.request.limit, 1);
    assert.deepEqual(last?.claimed, ['p3']);
    assert.equal(done.status?.nodeName, WORKER_ID);
    assert.equal(worker.busy, 2);
  });
});
