import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DelayHeap } from '../../src/controller/delay-heap.js';

/** Pops every key due at `now`, in order. */
function popAll(heap: DelayHeap, now: number): string[] {
  const keys: string[] = [];
  for (let key = heap.popDue(now); key !== undefined; key = heap.popDue(now)) keys.push(key);
  return keys;
}

describe('DelayHeap', () => {
  it('pops keys by instant, then insertion order', () => {
    const heap = new DelayHeap();
    heap.schedule('c', 300);
    heap.schedule('a', 100);
    heap.schedule('b2', 200);
    heap.schedule('b1', 200);

    assert.equal(heap.earliest(), 100);
    assert.deepEqual(popAll(heap, 199), ['a']);
    assert.deepEqual(popAll(heap, 300), ['b2', 'b1', 'c']);
    assert.equal(heap.size, 0);
    assert.equal(heap.earliest(), undefined);
  });

  it('keeps the earlier of two instants', () => {
    const heap = new DelayHeap();
    assert.equal(heap.schedule('a', 500), true);
    assert.equal(heap.schedule('a', 900), false);
    assert.equal(heap.at('a'), 500);
    assert.equal(heap.schedule('a', 200), true);
    assert.equal(heap.at('a'), 200);
    assert.equal(heap.size, 1);
  });

  it('moves an earlier key ahead of others', () => {
    const heap = new DelayHeap();
    for (let index = 0; index < 10; index++) heap.schedule(`k${index}`, 1000 + index);
    heap.schedule('k9', 10);

    assert.deepEqual(popAll(heap, 1000), ['k9', 'k0']);
  });

  it('removes keys from any position', () => {
    const heap = new DelayHeap();
    for (let index = 0; index < 20; index++) heap.schedule(`k${index}`, (index * 7) % 20);
    heap.remove('k0');
    heap.remove('k10');
    heap.remove('k19');
    heap.remove('absent');

    const order = popAll(heap, 100);
    const expected = Array.from({ length: 20 }, (_, index) => index)
      .filter((index) => ![0, 10, 19].includes(index))
      .sort((a, b) => ((a * 7) % 20) - ((b * 7) % 20))
      .map((index) => `k${index}`);
    assert.deepEqual(order, expected);
    assert.equal(heap.at('k10'), undefined);
  });

  it('orders 100,000 random instants', () => {
    const heap = new DelayHeap();
    let state = 12345;
    const instants: number[] = [];
    for (let index = 0; index < 100_000; index++) {
      // A linear congruential generator, so the test is the same on every run.
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      instants.push(state % 1_000_000);
      heap.schedule(`k${index}`, state % 1_000_000);
    }

    let previous = -1;
    let count = 0;
    for (let key = heap.popDue(1_000_000); key !== undefined; key = heap.popDue(1_000_000)) {
      const at = instants[Number(key.slice(1))] ?? -1;
      assert.ok(at >= previous, `${key} at ${at} came after an instant of ${previous}`);
      previous = at;
      count++;
    }
    assert.equal(count, 100_000);
  });
});
