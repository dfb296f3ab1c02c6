import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyResource, ConfigMap } from '../../src/api/types.js';
import { ActivationGate } from '../../src/controller/activation-gate.js';
import type { EventRecorder, EventType } from '../../src/controller/events.js';
import { QueuedEventRecorder } from '../../src/controller/queued-events.js';
import { WorkQueue } from '../../src/controller/workqueue.js';
import { FakeClock } from '../../src/util/clock.js';
import type { Logger } from '../../src/util/logger.js';

/** Resolves after every promise callback and immediate queued so far has run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** Tells whether `promise` has settled after the pending callbacks ran. */
async function isSettled(promise: Promise<void>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await settle();
  return settled;
}

const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

class ListRecorder implements EventRecorder {
  readonly reasons: string[] = [];

  record(_object: AnyResource, _type: EventType, reason: string): Promise<void> {
    this.reasons.push(reason);
    return Promise.resolve();
  }
}

const settings: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'default' },
};

describe('ActivationGate', () => {
  it('defers until the last activation ends', async () => {
    const gate = new ActivationGate(60_000);
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
    const gate = new ActivationGate(60_000);

    assert.equal(gate.deferring(), false);
    assert.equal(await isSettled(gate.pass()), true);
  });

  it('stops deferring after its bound', async () => {
    const gate = new ActivationGate(20);
    gate.begin('default/slow');
    const deferringAtStart = gate.deferring();

    await gate.pass();

    assert.equal(deferringAtStart, true);
    assert.equal(gate.has('default/slow'), true);
    assert.equal(gate.deferring(), false);
  });

  it('ignores the end of an unknown key', async () => {
    const gate = new ActivationGate(60_000);
    gate.begin('default/a');
    gate.end('default/other');

    assert.equal(gate.deferring(), true);
    assert.equal(await isSettled(gate.pass()), false);
    gate.clear();
    assert.equal(gate.deferring(), false);
  });
});

describe('WorkQueue activations', () => {
  it('reports a due key until its reconcile ends', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const gate = new ActivationGate(60_000);
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

  it('holds another queue while activations run', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const gate = new ActivationGate(60_000);
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

  it('clears activations when stopped', async () => {
    const clock = new FakeClock('2026-01-01T00:00:00Z');
    const gate = new ActivationGate(60_000);
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
  });
});

describe('QueuedEventRecorder behind a gate', () => {
  it('writes once activations end', async () => {
    const gate = new ActivationGate(60_000);
    const inner = new ListRecorder();
    const recorder = new QueuedEventRecorder(inner, silentLogger, gate);
    gate.begin('default/nightly');

    await recorder.record(settings, 'Normal', 'SuccessfulCreate', 'Created job nightly-1');
    await settle();
    const whileDeferred = [...inner.reasons];
    gate.end('default/nightly');
    await recorder.idle();

    assert.deepEqual(whileDeferred, []);
    assert.deepEqual(inner.reasons, ['SuccessfulCreate']);
  });
});
