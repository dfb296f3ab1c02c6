import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivationGate } from '../../src/controller/activation-gate.js';
import { WorkQueue } from '../../src/controller/workqueue.js';
import { FakeClock } from '../../src/util/clock.js';

/** Resolves after every promise callback and immediate queued so far has run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Tells whether `promise` has settled after the pending callbacks ran. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await settle();
  return settled;
}

function newClock(): FakeClock {
  return new FakeClock('2026-01-01T00:00:00Z');
}

describe('ActivationGate', () => {
  it('defers until the last activation ends', async () => {
    const gate = new ActivationGate(newClock(), 5000);
    gate.begin('default/a');
    gate.begin('default/b');
    const passed = gate.pass();

    gate.end('default/a');
    const afterFirst = await isSettled(passed);
    gate.end('default/b');

    assert.equal(afterFirst, false);
    assert.equal(await isSettled(passed), true);
    assert.equal(gate.deferring(), false);
  });

  it('passes at once without activations', async () => {
    const gate = new ActivationGate(newClock(), 5000);

    assert.equal(gate.deferring(), false);
    assert.equal(await isSettled(gate.pass()), true);
  });

  it('stops deferring after its bound', async () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    gate.begin('default/slow');
    const passed = gate.pass();

    clock.advance(4999);
    const before = await isSettled(passed);
    clock.advance(1);

    assert.equal(before, false);
    assert.equal(await isSettled(passed), true);
    assert.equal(gate.has('default/slow'), true);
    assert.equal(gate.deferring(), false);
  });

  it('counts a key that comes due twice', () => {
    const gate = new ActivationGate(newClock(), 5000);
    gate.begin('default/a');
    gate.begin('default/a');

    gate.end('default/a');
    const afterFirst = gate.deferring();
    gate.end('default/a');

    assert.equal(afterFirst, true);
    assert.equal(gate.has('default/a'), false);
    assert.equal(gate.deferring(), false);
  });

  it('ignores the end of an unknown key', async () => {
    const gate = new ActivationGate(newClock(), 5000);
    gate.begin('default/a');
    gate.end('default/other');

    assert.equal(gate.deferring(), true);
    assert.equal(await isSettled(gate.pass()), false);
    gate.clear();
    assert.equal(gate.deferring(), false);
  });

  it('rests as long as the last deferral', () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    gate.begin('default/a');
    clock.advance(300);
    gate.end('default/a');

    clock.advance(299);
    gate.begin('default/b');
    const tooSoon = gate.deferring();
    gate.end('default/b');
    clock.advance(1);
    gate.begin('default/c');

    assert.equal(tooSoon, false);
    assert.equal(gate.deferring(), true);
    gate.clear();
  });

  it('leaves half of a steady stream to background work', () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    let deferredMs = 0;
    // One activation every 10 ms, each running for 8 ms, for 10 s.
    for (let tick = 0; tick < 1000; tick++) {
      gate.begin(`default/every-${tick}`);
      for (let ms = 0; ms < 8; ms++) {
        if (gate.deferring()) deferredMs++;
        clock.advance(1);
      }
      gate.end(`default/every-${tick}`);
      clock.advance(2);
    }

    assert.equal(deferredMs, 4000);
  });
});

describe('WorkQueue activations', () => {
  it('reports a due key until its reconcile ends', async () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    let finish: () => void = () => undefined;
    const started: string[] = [];
    const queue = new WorkQueue({
      clock,
      activations: gate,
      reconcile: (key) => {
        started.push(key);
        return new Promise((resolve) => (finish = () => resolve({})));
      },
    });
    queue.add('default/changed');
    await settle();
    const afterAdd = gate.has('default/changed');
    finish();
    await queue.idle();
    queue.addAfter('default/nightly', 1000);

    clock.advance(1000);
    await settle();
    const whileRunning = gate.has('default/nightly');
    finish();
    await queue.idle();

    assert.equal(afterAdd, false);
    assert.deepEqual(started, ['default/changed', 'default/nightly']);
    assert.equal(whileRunning, true);
    assert.equal(gate.has('default/nightly'), false);
    await queue.stop();
  });

  it('does not count an error retry', async () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    let calls = 0;
    const queue = new WorkQueue({
      clock,
      activations: gate,
      retryBaseMs: 100,
      reconcile: () => {
        calls++;
        return calls === 1 ? Promise.reject(new Error('store unavailable')) : new Promise(() => {});
      },
    });
    queue.add('default/failing');
    await settle();

    clock.advance(100);
    await settle();

    assert.equal(calls, 2);
    assert.equal(gate.has('default/failing'), false);
    assert.equal(gate.deferring(), false);
  });

  it('holds another queue while activations run', async () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    const reconciled: string[] = [];
    const background = new WorkQueue({
      clock,
      yieldTo: gate,
      reconcile: (key) => {
        reconciled.push(key);
        return Promise.resolve({});
      },
    });
    gate.begin('default/nightly');

    background.add('default/job');
    await settle();
    const whileDeferred = [...reconciled];
    gate.end('default/nightly');
    await background.idle();

    assert.deepEqual(whileDeferred, []);
    assert.deepEqual(reconciled, ['default/job']);
    await background.stop();
  });

  it('stop ends an idle wait behind the gate', async () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    const background = new WorkQueue({
      clock,
      yieldTo: gate,
      reconcile: () => Promise.resolve({}),
    });
    gate.begin('default/nightly');
    background.add('default/job');
    const idle = background.idle();

    await background.stop();

    assert.equal(await isSettled(idle), true);
    gate.clear();
  });

  it('clears activations when stopped', async () => {
    const clock = newClock();
    const gate = new ActivationGate(clock, 5000);
    const queue = new WorkQueue({
      clock,
      activations: gate,
      reconcile: () => new Promise(() => undefined),
    });
    queue.addAfter('default/nightly', 10);
    clock.advance(10);
    await settle();
    const beforeStop = gate.deferring();

    void queue.stop();
    await settle();

    assert.equal(beforeStop, true);
    assert.equal(gate.deferring(), false);
    assert.equal(clock.pendingTimers(), 0);
  });
});
