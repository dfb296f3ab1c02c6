import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Pod } from '../../src/api/types.js';
import type { Fence } from '../../src/store/lease.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { RunningAttempt } from '../../src/worker/running-attempt.js';
import { pod } from '../store/fixtures.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';
import { RecordingLogger } from './fakes.js';

const NAMESPACE = 'default';
const clock = new FakeClock(Date.parse('2024-05-01T10:00:00Z'));

/**
 * The store of one test, wrapped to count `find` and `update` calls. While `hold` is set, each
 * `update` waits for it, as a write in flight to a networked store does.
 */
interface CountingStore {
  store: Store;
  counts: { find: number; update: number };
  hold: Promise<void> | undefined;
}

function counting(inner: Store): CountingStore {
  const wrapper: CountingStore = { store: inner, counts: { find: 0, update: 0 }, hold: undefined };
  wrapper.store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'find') {
        return (...args: Parameters<Store['find']>) => {
          wrapper.counts.find++;
          return target.find(...args);
        };
      }
      if (property === 'update') {
        return async (...args: Parameters<Store['update']>) => {
          wrapper.counts.update++;
          await wrapper.hold;
          return target.update(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
  return wrapper;
}

function annotate(key: string, value: string): (current: Pod) => void {
  return (current) => {
    current.metadata.annotations = { ...current.metadata.annotations, [key]: value };
  };
}

describe('attempt status writes', () => {
  let temp: TempStore;
  let fence: Fence;
  let claimed: Pod;
  let logger: RecordingLogger;

  beforeEach(async () => {
    temp = await openTempStore(clock);
    const lease = await temp.store.acquireLease('worker/w1', 'w1', 60_000);
    assert.ok(lease);
    fence = { lease: lease.name, holder: lease.holder, token: lease.token };
    const created = await temp.store.create(
      { ...pod('attempt'), status: { phase: 'Running' } },
      clock.now(),
    );
    claimed = created;
    logger = new RecordingLogger();
  });

  afterEach(async () => {
    await temp.cleanup();
  });

  function attemptOn(store: Store): RunningAttempt {
    return new RunningAttempt(claimed, fence, {
      store,
      logger,
      worker: 'w1',
      clock,
      onFenced: () => assert.fail('no write should be fenced'),
    });
  }

  /**
   * Starts an attempt on a counting store and waits until its first write, `step: started`, is
   * in flight. The store blocks that write until `release` is called.
   */
  async function attemptWithHeldWrite() {
    const wrapped = counting(temp.store);
    let release = (): void => {};
    wrapped.hold = new Promise((resolve) => (release = resolve));
    const attempt = attemptOn(wrapped.store);

    attempt.writeStatus(annotate('step', 'started'));
    await waitFor('the first write to be in flight', () => wrapped.counts.update === 1);
    return { wrapped, attempt, release };
  }

  it('writes queued meanwhile join one write', async () => {
    const { wrapped, attempt, release } = await attemptWithHeldWrite();

    attempt.writeStatus(annotate('step', 'exited'));
    attempt.writeStatus(annotate('phase', 'done'));
    release();
    await attempt.flush();

    const stored = await temp.store.get<Pod>('Pod', NAMESPACE, 'attempt');
    assert.equal(wrapped.counts.update, 2);
    assert.equal(wrapped.counts.find, 0);
    assert.deepEqual(stored.metadata.annotations, { step: 'exited', phase: 'done' });
    assert.deepEqual(logger.entries, []);
  });

  it('output keeps status writes apart', async () => {
    const { wrapped, attempt, release } = await attemptWithHeldWrite();

    attempt.writeStatus(annotate('step', 'running'));
    attempt.appendLog('hello', 'stdout', 'hi\n', clock.now());
    attempt.writeStatus(annotate('step', 'exited'));
    release();
    await attempt.flush();

    const stored = await temp.store.get<Pod>('Pod', NAMESPACE, 'attempt');
    const log = await temp.store.readLog({
      namespace: NAMESPACE,
      pod: 'attempt',
      container: 'hello',
    });
    assert.equal(wrapped.counts.update, 3);
    assert.equal(attempt.wroteLog, true);
    assert.deepEqual(stored.metadata.annotations, { step: 'exited' });
    assert.deepEqual(
      log.map((chunk) => chunk.data),
      ['hi\n'],
    );
  });

  it('another writer’s change is read again', async () => {
    const wrapped = counting(temp.store);
    const attempt = attemptOn(wrapped.store);
    const stopping = structuredClone(claimed);
    stopping.metadata.labels = { stopping: 'true' };
    await temp.store.update(stopping);

    attempt.writeStatus(annotate('step', 'started'));
    await attempt.flush();

    const stored = await temp.store.get<Pod>('Pod', NAMESPACE, 'attempt');
    assert.equal(wrapped.counts.update, 2);
    assert.equal(wrapped.counts.find, 1);
    assert.deepEqual(stored.metadata.labels, { stopping: 'true' });
    assert.deepEqual(stored.metadata.annotations, { step: 'started' });
    assert.equal(attempt.wroteLog, false);
  });

  it('a deleted pod drops the write', async () => {
    const attempt = attemptOn(temp.store);
    await temp.store.delete<Pod>('Pod', NAMESPACE, 'attempt');

    attempt.writeStatus(annotate('step', 'started'));
    await attempt.flush();

    assert.equal(await temp.store.find<Pod>('Pod', NAMESPACE, 'attempt'), undefined);
    assert.deepEqual(logger.entries, []);
  });
});
