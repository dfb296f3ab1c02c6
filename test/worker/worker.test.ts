import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { STOP_REASON_ANNOTATION } from '../../src/api/annotations.js';
import type { Pod, Secret } from '../../src/api/types.js';
import { GarbageCollector } from '../../src/controller/garbage-collector.js';
import { ProcessExecutor } from '../../src/runtime/index.js';
import type { Store } from '../../src/store/store.js';
import { SystemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { toRfc3339 } from '../../src/util/time.js';
import { Worker } from '../../src/worker/worker.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';

const clock = new SystemClock();
const NAMESPACE = 'default';

function shellPod(name: string, script: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      containers: [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', script] }],
    },
    status: { phase: 'Pending' },
  };
}

function startWorker(store: Store): Worker {
  const worker = new Worker({
    id: 'worker-test',
    store,
    clock,
    executor: new ProcessExecutor({ clock }),
    logger: silentLogger,
    concurrency: 2,
    pollIntervalMs: 60_000,
  });
  worker.start();
  return worker;
}

/**
 * Wraps `store` so that the claim of a pod returns only after `afterClaim` ran for it. A
 * networked store returns that late, and other writers act meanwhile. Every `find` also takes
 * `findDelayMs` of real time.
 */
function storeWithSlowClaim(
  store: Store,
  afterClaim: (claimed: Pod) => Promise<void>,
  findDelayMs = 0,
): Store {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'find' && findDelayMs > 0) {
        return async (...args: Parameters<Store['find']>) => {
          await new Promise((resolve) => setTimeout(resolve, findDelayMs));
          return target.find(...args);
        };
      }
      if (property === 'claimPods') {
        return async (...args: Parameters<Store['claimPods']>): Promise<Pod[]> => {
          const claimed = await target.claimPods(...args);
          for (const pod of claimed) await afterClaim(pod);
          return claimed;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

describe('worker', () => {
  let temp: TempStore;
  let workers: Worker[];

  beforeEach(async () => {
    temp = await openTempStore();
    workers = [];
  });

  afterEach(async () => {
    for (const worker of workers) await worker.stop();
    await temp.cleanup();
  });

  it('attempt stopped during claim never starts', async () => {
    const marker = join(temp.dataDir, 'ran');
    let claims = 0;
    const store = storeWithSlowClaim(temp.store, async (claimed) => {
      claims++;
      // The Job controller stops the attempt (deadline) right after the worker claimed it.
      const stopping = structuredClone(claimed);
      stopping.metadata.deletionTimestamp = toRfc3339(clock.now());
      stopping.metadata.annotations = { [STOP_REASON_ANNOTATION]: 'DeadlineExceeded' };
      await temp.store.update(stopping);
    });
    const worker = startWorker(store);
    workers.push(worker);

    await temp.store.create(shellPod('late-stop', `echo ran > ${marker}`), clock.now());
    const pod = await waitFor('the attempt to finish', async () => {
      const current = await temp.store.get<Pod>('Pod', NAMESPACE, 'late-stop');
      return current.status?.phase === 'Failed' ? current : undefined;
    });
    await worker.drain();

    assert.equal(claims, 1);
    assert.equal(pod.status?.reason, 'DeadlineExceeded');
    assert.equal(existsSync(marker), false);
  });

  it('stop awaits an attempt claimed meanwhile', async () => {
    const marker = join(temp.dataDir, 'ran');
    let stopping: Promise<void> | undefined;
    // Slow reads keep the attempt busy after the claim, as a networked store would.
    const store = storeWithSlowClaim(
      temp.store,
      () => {
        // The claim happens after startWorker returned, so `worker` is set by then.
        stopping = worker.stop();
        return Promise.resolve();
      },
      50,
    );
    const worker = startWorker(store);

    await temp.store.create(shellPod('claimed-late', `echo ran > ${marker}`), clock.now());
    await waitFor('stop to begin', () => stopping !== undefined);
    await stopping;
    const pod = await temp.store.get<Pod>('Pod', NAMESPACE, 'claimed-late');

    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.reason, 'WorkerStopped');
    assert.equal(existsSync(marker), false);
    assert.equal(worker.busy, 0);
  });

  it('deleted attempt leaves no log', async () => {
    const collector = new GarbageCollector({ store: temp.store, clock, logger: silentLogger });
    await collector.start();
    const worker = startWorker(temp.store);
    workers.push(worker);
    // The shell prints once more when it is stopped, after the pod and its log are deleted.
    const script = "trap 'echo stopping; exit 0' TERM; echo started; while :; do sleep 0.05; done";
    await temp.store.create(shellPod('deleted', script), clock.now());
    const key = { namespace: NAMESPACE, pod: 'deleted', container: 'main' };
    await waitFor('the first output', async () => (await temp.store.readLog(key)).length > 0);

    await temp.store.delete<Pod>('Pod', NAMESPACE, 'deleted');
    await collector.idle();
    await worker.drain();
    await collector.idle();
    const chunks = await temp.store.readLog(key);
    await collector.stop();

    assert.deepEqual(chunks, []);
  });

  it('fails an attempt the executor rejects', async () => {
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'binary', namespace: NAMESPACE },
      data: { key: Buffer.from('a\0b').toString('base64') },
    };
    await temp.store.create(secret, clock.now());
    const worker = startWorker(temp.store);
    workers.push(worker);
    const pod = shellPod('nul-env', 'echo never');
    const container = pod.spec.containers[0];
    assert.ok(container);
    container.env = [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 'binary', key: 'key' } } }];
    await temp.store.create(pod, clock.now());

    const failed = await waitFor(
      'the attempt to fail',
      async () => {
        const current = await temp.store.get<Pod>('Pod', NAMESPACE, 'nul-env');
        return current.status?.phase === 'Failed' ? current : undefined;
      },
      5_000,
    );

    assert.equal(failed.status?.reason, 'StartError');
    assert.equal(
      failed.status?.message,
      'the attempt could not start: invalid attempt spec field containers[0].env.KEY',
    );
    assert.equal(worker.busy, 0);
  });
});
