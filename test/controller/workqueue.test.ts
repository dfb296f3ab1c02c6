import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from '../../src/controller/workqueue.js';
import { FakeClock } from '../../src/util/clock.js';
import type { WorkQueueObserver } from '../../src/util/metrics.js';

/** Records what a queue reports, in order. */
class RecordingObserver {
  adds = 0;
  retries = 0;
  processed = 0;
  depths: number[] = [];

  readonly added = (): void => {
    this.adds++;
  };
  readonly retried = (): void => {
    this.retries++;
  };
  readonly processedOnce = (): void => {
    this.processed++;
  };
  readonly depthChanged = (depth: number): void => {
    this.depths.push(depth);
  };
}

function observerOf(recording: RecordingObserver): WorkQueueObserver {
  return {
    added: recording.added,
    retried: recording.retried,
    processed: recording.processedOnce,
    depthChanged: recording.depthChanged,
  };
}

describe('WorkQueue', () => {
  it('reconciles a key added twice once', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const seen: string[] = [];
    const recording = new RecordingObserver();
    const queue = new WorkQueue({
      clock,
      concurrency: 1,
      observer: observerOf(recording),
      reconcile: (key) => {
        seen.push(key);
        return Promise.resolve({});
      },
    });
    queue.add('a');
    queue.add('b');
    queue.add('b');
    await queue.idle();

    assert.deepEqual(seen, ['a', 'b']);
    assert.equal(recording.adds, 2);
    assert.equal(recording.processed, 2);
    // a starts at once (0 waiting), b waits (1), then starts (0).
    assert.deepEqual(recording.depths, [1, 0, 1, 0]);
  });

  it('reconciles again a key added while it ran', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const seen: string[] = [];
    const recording = new RecordingObserver();
    const queue: WorkQueue = new WorkQueue({
      clock,
      observer: observerOf(recording),
      reconcile: (key) => {
        seen.push(key);
        if (seen.length === 1) {
          queue.add(key);
          queue.add(key);
        }
        return Promise.resolve({});
      },
    });
    queue.add('a');
    await queue.idle();

    assert.deepEqual(seen, ['a', 'a']);
    // The first add and the re-add while running; the second re-add finds the key dirty.
    assert.equal(recording.adds, 2);
  });

  it('retries a failed key with doubling delays', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const attempts: number[] = [];
    const errors: string[] = [];
    const recording = new RecordingObserver();
    const queue = new WorkQueue({
      clock,
      retryBaseMs: 100,
      retryMaxMs: 250,
      observer: observerOf(recording),
      onError: (key, error) => errors.push(`${key}: ${(error as Error).message}`),
      reconcile: () => {
        attempts.push(clock.now());
        if (attempts.length < 4) return Promise.reject(new Error('store unavailable'));
        return Promise.resolve({});
      },
    });
    const start = clock.now();
    queue.add('a');
    await queue.idle();
    for (const step of [100, 200, 250]) {
      clock.advance(step);
      await queue.idle();
    }

    assert.deepEqual(
      attempts.map((at) => at - start),
      [0, 100, 300, 550],
    );
    assert.equal(recording.retries, 3);
    assert.equal(recording.processed, 4);
    assert.deepEqual(errors, [
      'a: store unavailable',
      'a: store unavailable',
      'a: store unavailable',
    ]);
  });

  it('keeps the earlier of two delayed adds', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const queue = new WorkQueue({ clock, reconcile: () => Promise.resolve({}) });
    const start = clock.now();
    queue.addAfter('a', 5000);
    queue.addAfter('a', 2000);
    queue.addAfter('a', 9000);

    assert.equal(queue.pendingAt('a'), start + 2000);
    await queue.stop();
  });
});
