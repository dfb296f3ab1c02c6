import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Pod } from '../../src/api/types.js';
import { ProcessExecutor } from '../../src/runtime/index.js';
import { ResourceConfiner } from '../../src/runtime/resources/resource-confiner.js';
import { SystemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { Worker } from '../../src/worker/worker.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';
import { pendingPod } from './fakes.js';

const clock = new SystemClock();

describe('worker resource limits', () => {
  let temp: TempStore | undefined;
  let worker: Worker | undefined;

  after(async () => {
    await worker?.stop();
    await temp?.cleanup();
  });

  it('reports an OOM kill in the pod status', { timeout: 30_000 }, async () => {
    temp = await openTempStore(clock);
    const pod = pendingPod('oom');
    pod.spec.containers = [
      {
        name: 'main',
        command: ['python3', '-c', 'b = bytearray(256 * 1024 * 1024)'],
        resources: { limits: { memory: '32Mi' } },
      },
    ];
    await temp.store.create(pod, clock.now());
    worker = new Worker({
      id: 'limits-worker',
      store: temp.store,
      clock,
      executor: new ProcessExecutor({ clock, confiners: [new ResourceConfiner()] }),
      logger: silentLogger,
      concurrency: 1,
      pollIntervalMs: 100,
    });
    worker.start();

    const store = temp.store;
    const failed = await waitFor('the pod to fail', async () => {
      const current = await store.get<Pod>('Pod', 'default', 'oom');
      return current.status?.phase === 'Failed' ? current : undefined;
    });
    const terminated = failed.status?.containerStatuses?.[0]?.state?.terminated;

    assert.equal(failed.status?.reason, 'OOMKilled');
    assert.equal(terminated?.reason, 'OOMKilled');
    assert.equal(terminated?.exitCode, 137);
    assert.equal(
      terminated?.message,
      'the container used more than its memory limit of 33554432 bytes ' +
        '(resources.limits.memory) and the kernel OOM killer ended it',
    );
  });
});
