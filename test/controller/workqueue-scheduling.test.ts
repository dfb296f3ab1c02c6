import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkQueue } from '../../src/controller/workqueue.js';
import type { Clock, Timer } from '../../src/util/clock.js';
import { FakeClock } from '../../src/util/clock.js';

/**
 * A clock whose timers fire `earlyMs` before their delay is over, as a real timer can by a
 * rounding step. Delays of at most `earlyMs` fire on time.
 */
class EarlyTimerClock implements Clock {
  constructor(
    readonly inner: FakeClock,
    private readonly earlyMs: number,
  ) {}

  now(): number {
    return this.inner.now();
  }

  setTimer(delayMs: number, callback: () => void): Timer {
    const early = delayMs > this.earlyMs ? this.earlyMs : 0;
    return this.inner.setTimer(delayMs - early, callback);
  }
}

describe('WorkQueue scheduling', () => {
  it('waits out a timer that fires early', async () => {
    const fake = new FakeClock('2026-01-01T00:00:00Z');
    const clock = new EarlyTimerClock(fake, 5);
    const reconciledAt: number[] = [];
    const queue = new WorkQueue({
      clock,
      reconcile: () => {
        reconciledAt.push(fake.now());
        return Promise.resolve({});
      },
    });
    const start = fake.now();
    queue.addAfter('a', 100);

    fake.advance(95);
    await queue.idle();
    assert.deepEqual(reconciledAt, []);
    assert.equal(queue.pendingAt('a'), start + 100);

    fake.advance(5);
    await queue.idle();
    assert.deepEqual(reconciledAt, [start + 100]);
    assert.equal(fake.pendingTimers(), 0);
  });

  it('serves many waiting keys with one timer', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const seen: string[] = [];
    const queue = new WorkQueue({
      clock,
      reconcile: (key) => {
        seen.push(key);
        return Promise.resolve({});
      },
    });
    for (let index = 0; index < 1000; index++) queue.addAfter(`k${index}`, 1000 + (index % 10));

    assert.equal(clock.pendingTimers(), 1);
    clock.advance(1009);
    await queue.idle();
    assert.equal(seen.length, 1000);
    assert.deepEqual(seen.slice(0, 3), ['k0', 'k10', 'k20']);
    assert.equal(clock.pendingTimers(), 0);
  });

  it('starts no reconcile inside add', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const log: string[] = [];
    const queue = new WorkQueue({
      clock,
      reconcile: (key) => {
        log.push(`reconcile ${key}`);
        return Promise.resolve({});
      },
    });
    queue.add('a');
    log.push('added');
    await queue.idle();

    assert.deepEqual(log, ['added', 'reconcile a']);
  });

  it('lets the event loop run between reconciles', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const log: string[] = [];
    const queue = new WorkQueue({
      clock,
      concurrency: 1,
      reconcile: (key) => {
        log.push(key);
        return Promise.resolve({});
      },
    });
    queue.add('a');
    queue.add('b');
    setImmediate(() => log.push('immediate'));
    await queue.idle();

    assert.deepEqual(log, ['a', 'immediate', 'b']);
  });

  it('reconciles 100,000 keys in the order they were added', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const seen: string[] = [];
    const queue = new WorkQueue({
      clock,
      concurrency: 1,
      reconcile: (key) => {
        seen.push(key);
        return Promise.resolve({});
      },
    });
    const keys = Array.from({ length: 100_000 }, (_, index) => `k${index}`);
    for (const key of keys) queue.add(key);
    await queue.idle();

    assert.equal(seen.length, keys.length);
    assert.deepEqual(seen, keys);
  });
});
