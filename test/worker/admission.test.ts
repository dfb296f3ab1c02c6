import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Container, Event, Pod } from '../../src/api/types.js';
import { Admission } from '../../src/worker/admission.js';
import { podRequests } from '../../src/worker/pod-resources.js';
import { waitFor } from '../support/wait.js';
import type { Store } from '../../src/store/store.js';
import { pendingPod } from './fakes.js';
import {
  createWorkerHarness,
  WORKER_ID,
  WORKER_LEASE,
  type WorkerHarness,
} from './worker-harness.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;

function container(
  name: string,
  resources: Container['resources'],
  extra: Partial<Container> = {},
): Container {
  return { name, command: ['/bin/true'], resources, ...extra };
}

/** Returns a pending pod with the given containers and init containers. */
function podWith(name: string, containers: Container[], initContainers: Container[] = []): Pod {
  const pod = pendingPod(name);
  pod.spec.containers = containers;
  if (initContainers.length > 0) pod.spec.initContainers = initContainers;
  return pod;
}

describe('pod effective requests', () => {
  const cases: Array<[string, Pod, { cpu: number; memory: number }]> = [
    ['no resources', pendingPod('p'), { cpu: 0, memory: 0 }],
    [
      'containers add up',
      podWith('p', [
        container('a', { requests: { cpu: '250m', memory: '64Mi' } }),
        container('b', { requests: { cpu: '500m', memory: '1Gi' } }),
      ]),
      { cpu: 0.75, memory: 64 * Mi + Gi },
    ],
    [
      'a limit stands in for a missing request',
      podWith('p', [container('a', { limits: { cpu: '1', memory: '128Mi' } })]),
      { cpu: 1, memory: 128 * Mi },
    ],
    [
      'a larger init container raises the request',
      podWith(
        'p',
        [container('a', { requests: { cpu: '100m', memory: '1Gi' } })],
        [container('init', { requests: { cpu: '2', memory: '10Mi' } })],
      ),
      { cpu: 2, memory: Gi },
    ],
    [
      'sidecars add to the containers and to later init containers',
      podWith(
        'p',
        [container('a', { requests: { cpu: '100m' } })],
        [
          container('proxy', { requests: { cpu: '200m' } }, { restartPolicy: 'Always' }),
          container('migrate', { requests: { cpu: '1' } }),
        ],
      ),
      { cpu: 1.2, memory: 0 },
    ],
    [
      'invalid quantities count as absent',
      podWith('p', [
        container('a', { requests: { cpu: '-4', memory: '1.2.3Gi' }, limits: { cpu: '500m' } }),
        container('b', {
          requests: { cpu: null, memory: { value: 1 } } as unknown as Record<string, string>,
        }),
      ]),
      { cpu: 0.5, memory: 0 },
    ],
  ];
  for (const [name, pod, expected] of cases) {
    it(name, () => {
      const requests = podRequests(pod);
      assert.equal(requests.cpu.toFixed(6), expected.cpu.toFixed(6));
      assert.equal(requests.memory, expected.memory);
    });
  }
});

describe('admission batch', () => {
  it('admits pods while they fit and sums exactly', () => {
    const admission = new Admission({ cpu: 0.3, memory: Gi });
    const tenth = (name: string): Pod =>
      podWith(name, [container('a', { requests: { cpu: '100m' } })]);
    const batch = admission.startBatch();

    // 0.1 + 0.1 + 0.1 exceeds 0.3 in floating point; millicores keep the third pod admitted.
    assert.equal(batch.admit(tenth('p1')), true);
    assert.equal(batch.admit(tenth('p2')), true);
    assert.equal(batch.admit(tenth('p3')), true);
    assert.equal(batch.admit(tenth('p4')), false);
    assert.deepEqual(batch.unfit, []);
  });

  it('reserves claimed pods until they are released', () => {
    const admission = new Admission({ cpu: 1, memory: Gi });
    const pod = podWith('p', [container('a', { requests: { cpu: '600m', memory: '256Mi' } })]);

    admission.reserve('default/p', pod);
    assert.deepEqual(admission.free, { cpu: 0.4, memory: Gi - 256 * Mi });
    assert.equal(admission.startBatch().admit(pod), false);
    admission.release('default/p');
    assert.deepEqual(admission.free, { cpu: 1, memory: Gi });
  });

  it('collects pods larger than the capacity', () => {
    const admission = new Admission({ cpu: 1, memory: Gi });
    const huge = podWith('huge', [container('a', { requests: { cpu: '2', memory: '2Gi' } })]);
    const batch = admission.startBatch();

    assert.equal(batch.admit(huge), false);
    assert.equal(batch.unfit.length, 1);
    assert.deepEqual(batch.unfit[0]?.insufficient, ['cpu', 'memory']);
    assert.deepEqual(batch.unfit[0]?.requests, { cpu: 2, memory: 2 * Gi });
  });
});

describe('worker admission', () => {
  let harness: WorkerHarness | undefined;

  afterEach(async () => {
    await harness?.cleanup();
    harness = undefined;
  });

  it('runs two 600m pods one after the other on 1 CPU', async () => {
    harness = await createWorkerHarness({ concurrency: 4, capacity: { cpu: 1, memory: Gi } });
    const { store, clock, worker, executor } = harness;
    for (const name of ['first', 'second']) {
      const pod = podWith(name, [container('main', { requests: { cpu: '600m' } })]);
      await store.create(pod, clock.now());
    }

    worker.start();
    await waitFor('the first attempt to start', () => executor.runs.length === 1);
    const second = await store.get<Pod>('Pod', 'default', 'second');

    assert.equal(
      executor.runs[0]?.spec.id,
      (await store.get<Pod>('Pod', 'default', 'first')).metadata.uid,
    );
    assert.equal(second.status?.phase, 'Pending');
    assert.equal(second.status?.nodeName, undefined);
    assert.equal(worker.freeCapacity.cpu, 0.4);

    executor.runs[0]?.succeed();
    await waitFor('the second attempt to start', () => executor.runs.length === 2);
    const running = await harness.podWhen(
      'second',
      'running',
      (pod) => pod.status?.phase === 'Running',
    );

    assert.equal(running.status?.nodeName, WORKER_ID);
    assert.equal(executor.runs[1]?.spec.id, running.metadata.uid);
  });

  it('claims a later pod that fits past one that does not', async () => {
    harness = await createWorkerHarness({ concurrency: 1, capacity: { cpu: 1, memory: Gi } });
    const { store, clock, worker, executor, claims } = harness;
    await store.create(
      podWith('huge', [container('main', { requests: { memory: '8Gi' } })]),
      clock.now(),
    );
    await store.create(pendingPod('small'), clock.now());

    worker.start();
    await waitFor('the small attempt to start', () => executor.runs.length === 1);
    const huge = await store.get<Pod>('Pod', 'default', 'huge');

    assert.deepEqual(claims.find((claim) => claim.claimed.length > 0)?.claimed, ['small']);
    assert.equal(huge.status?.phase, 'Pending');
  });

  it('reports a pod that never fits as FailedScheduling', async () => {
    harness = await createWorkerHarness({ concurrency: 2, capacity: { cpu: 1, memory: Gi } });
    const { store, clock, worker } = harness;
    const created = await store.create(
      podWith('huge', [container('main', { requests: { cpu: '500m', memory: '8Gi' } })]),
      clock.now(),
    );

    worker.start();
    const [event] = await waitFor('a FailedScheduling event', async () => {
      const events = await store.list<Event>('Event', { namespace: 'default' });
      return events.length > 0 ? events : undefined;
    });
    const pod = await store.get<Pod>('Pod', 'default', 'huge');

    assert.equal(event?.reason, 'FailedScheduling');
    assert.equal(event?.type, 'Warning');
    assert.equal(event?.involvedObject.uid, created.metadata.uid);
    assert.equal(
      event?.message,
      '0/1 nodes are available: 1 Insufficient memory. Worker w1 has a capacity of 1 CPU and ' +
        '1073741824 bytes of memory, and the pod requests 0.5 CPU and 8589934592 bytes of memory.',
    );
    assert.equal(pod.status?.phase, 'Pending');
  });
});

/** Revokes the worker's lease as the leader's sweeper does once the lease has expired. */
async function expireAndRevoke(store: Store): Promise<void> {
  await store.acquireLease(WORKER_LEASE, WORKER_ID, 0);
  assert.equal(await store.revokeLease(WORKER_LEASE, 1), true);
}

describe('capacity release', () => {
  let harness: WorkerHarness | undefined;

  afterEach(async () => {
    await harness?.cleanup();
    harness = undefined;
  });

  /** Starts a worker with 1 CPU and 1 Gi whose one attempt requests 600m and 256Mi. */
  async function startReserved() {
    harness = await createWorkerHarness({ concurrency: 2, capacity: { cpu: 1, memory: Gi } });
    const { store, clock, worker, executor } = harness;
    const pod = podWith('reserved', [
      container('main', { requests: { cpu: '600m', memory: '256Mi' } }),
    ]);
    await store.create(pod, clock.now());
    worker.start();
    const run = await waitFor('the attempt to start', () => executor.runs[0]);
    assert.deepEqual(worker.freeCapacity, { cpu: 0.4, memory: Gi - 256 * Mi });
    return { ...harness, run };
  }

  it('after the pod is deleted', async () => {
    const { store, worker, run } = await startReserved();

    await store.delete('Pod', 'default', 'reserved');
    await waitFor('the attempt to end', () => worker.busy === 0);

    assert.equal(run.abortReason, 'Terminated');
    assert.deepEqual(worker.freeCapacity, { cpu: 1, memory: Gi });
  });

  it('after the lease is lost', async () => {
    const { store, worker, run } = await startReserved();

    await expireAndRevoke(store);
    await harness?.advance(10_000);
    await waitFor('the attempt to end', () => worker.busy === 0);

    assert.equal(run.abortReason, 'WorkerLost');
    assert.deepEqual(worker.freeCapacity, { cpu: 1, memory: Gi });
  });

  it('after a fenced write', async () => {
    const { store, worker, run } = await startReserved();

    await expireAndRevoke(store);
    // A restart writes the restart count at once, and the store rejects it by its fence.
    run.hooks.onContainerRestart?.('main', 1);
    await waitFor('the attempt to end', () => worker.busy === 0);

    assert.equal(run.abortReason, 'WorkerLost');
    assert.deepEqual(worker.freeCapacity, { cpu: 1, memory: Gi });
  });

  it('after the worker stops', async () => {
    const { worker, run } = await startReserved();

    await worker.stop();

    assert.equal(run.abortReason, 'WorkerStopped');
    assert.equal(worker.busy, 0);
    assert.deepEqual(worker.freeCapacity, { cpu: 1, memory: Gi });
  });

  it('after a start failure on invalid stored resources', async () => {
    harness = await createWorkerHarness({ concurrency: 1, capacity: { cpu: 1, memory: Gi } });
    const { store, clock, worker, executor } = harness;
    // The store takes the pod as written, without the API's validation.
    const pod = podWith('invalid', [
      container('main', { requests: { cpu: '-4' }, limits: { memory: '1.2.3Gi' } }),
    ]);
    await store.create(pod, clock.now());

    worker.start();
    const failed = await harness.podWhen(
      'invalid',
      'failed',
      (current) => current.status?.phase === 'Failed',
    );
    await waitFor('the attempt to end', () => worker.busy === 0);

    assert.equal(failed.status?.reason, 'CreateContainerConfigError');
    assert.equal(
      failed.status?.message,
      'container "main": spec.containers[0].resources.limits[memory]: Invalid value: "1.2.3Gi": ' +
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'; " +
        'spec.containers[0].resources.requests[cpu]: Invalid value: "-4": must be greater than or equal to 0',
    );
    assert.equal(executor.runs.length, 0);
    assert.deepEqual(worker.freeCapacity, { cpu: 1, memory: Gi });
  });
});

describe('stored pod resources', () => {
  let harness: WorkerHarness | undefined;

  afterEach(async () => {
    await harness?.cleanup();
    harness = undefined;
  });

  it('fails pod-level resources at start', async () => {
    harness = await createWorkerHarness({ concurrency: 1, capacity: { cpu: 1, memory: Gi } });
    const { store, clock, worker, executor } = harness;
    // The API checks only a Pod's metadata and container names, so this reaches the worker.
    const pod = pendingPod('pod-level');
    pod.spec.resources = { limits: { memory: '64Mi' } };
    await store.create(pod, clock.now());

    worker.start();
    const failed = await harness.podWhen(
      'pod-level',
      'failed',
      (current) => current.status?.phase === 'Failed',
    );

    assert.equal(failed.status?.reason, 'CreateContainerConfigError');
    assert.equal(
      failed.status?.message,
      'container "main": spec.resources: Forbidden: pod-level resources are not supported: ' +
        'cronmesh enforces resources per container; set resources.requests and ' +
        'resources.limits on each container instead',
    );
    assert.equal(executor.runs.length, 0);
  });
});
