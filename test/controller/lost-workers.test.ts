import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Pod, PodPhase } from '../../src/api/types.js';
import { LostWorkerSweeper } from '../../src/controller/lost-workers.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { openTempStore } from '../support/temp-store.js';
import type { TempStore } from '../support/temp-store.js';

function attempt(name: string, phase: PodPhase, worker?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'main', command: ['sleep', '60'] }] },
    status: {
      phase,
      ...(worker === undefined ? {} : { nodeName: worker }),
      containerStatuses: [
        {
          name: 'main',
          state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
          ready: false,
          restartCount: 0,
        },
      ],
    },
  };
}

describe('LostWorkerSweeper', () => {
  let clock: FakeClock;
  let temp: TempStore;
  let sweeper: LostWorkerSweeper;

  beforeEach(async () => {
    clock = new FakeClock('2026-01-01T00:00:00Z');
    temp = await openTempStore(clock);
    sweeper = new LostWorkerSweeper({ store: temp.store, clock, logger: silentLogger });
  });

  afterEach(() => temp.cleanup());

  it('leaves attempts of heartbeating workers alone', async () => {
    await temp.store.acquireLease('worker/w1', 'w1', 40_000);
    await temp.store.create(attempt('busy', 'Running', 'w1'), clock.now());
    clock.advance(39_000);

    assert.deepEqual(await sweeper.sweep(), []);
  });

  it('fails attempts once the worker lease expired', async () => {
    const lease = await temp.store.acquireLease('worker/w1', 'w1', 40_000);
    await temp.store.create(attempt('busy', 'Running', 'w1'), clock.now());
    await temp.store.create(attempt('done', 'Succeeded', 'w1'), clock.now());
    await temp.store.create(attempt('waiting', 'Pending'), clock.now());
    clock.advance(40_000);

    const marked = await sweeper.sweep();

    assert.deepEqual(
      marked.map((pod) => pod.metadata.name),
      ['busy'],
    );
    const busy = await temp.store.get<Pod>('Pod', 'default', 'busy');
    assert.equal(busy.status?.phase, 'Failed');
    assert.equal(busy.status?.reason, 'WorkerLost');
    assert.equal(busy.status?.message, 'worker w1 stopped while the attempt was running');
    assert.deepEqual(busy.status?.containerStatuses?.[0]?.state, {
      terminated: {
        exitCode: 137,
        reason: 'WorkerLost',
        message: 'worker w1 stopped while the attempt was running',
        finishedAt: '2026-01-01T00:00:40Z',
        startedAt: '2026-01-01T00:00:00Z',
      },
    });
    const [revoked] = await temp.store.listLeases('worker/');
    assert.equal(revoked?.holder, '');
    assert.equal(revoked?.token, (lease?.token ?? 0) + 1);

    // The lost worker comes back and tries to report success: its fence is stale.
    busy.status = { ...busy.status, phase: 'Succeeded' };
    await assert.rejects(
      temp.store.update(busy, { fence: { lease: 'worker/w1', holder: 'w1', token: 1 } }),
      { code: 'Fenced' },
    );
  });

  it('fails attempts of a worker without a lease', async () => {
    await temp.store.create(attempt('orphan', 'Running', 'gone'), clock.now());

    const marked = await sweeper.sweep();

    assert.deepEqual(
      marked.map((pod) => [pod.metadata.name, pod.status?.reason]),
      [['orphan', 'WorkerLost']],
    );
  });
});
