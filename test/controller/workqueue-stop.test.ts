import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from '../../src/controller/workqueue.js';
import { FakeClock } from '../../src/util/clock.js';

/** Lets pending promise callbacks and I/O callbacks run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('WorkQueue.stop', () => {
  it('finishes when a running key was added again', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const seen: string[] = [];
    let finish: () => void = () => undefined;
    const running = new Promise<void>((resolve) => (finish = resolve));
    const queue = new WorkQueue({
      clock,
      reconcile: async (key) => {
        seen.push(key);
        await running;
        return {};
      },
    });
    queue.add('a');
    await settle();
    // A change event arrives while `a` runs, which marks `a` for one more reconcile.
    queue.add('a');

    let stopped = false;
    const stopping = queue.stop().then(() => {
      stopped = true;
    });
    finish();
    await settle();

    assert.equal(stopped, true);
    assert.deepEqual(seen, ['a']);
    assert.equal(queue.depth, 0);
    await stopping;
  });
});
