import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AnyResource, ConfigMap } from '../../src/api/types.js';
import type { EventRecorder, EventType } from '../../src/controller/events.js';
import { MAX_QUEUED_EVENTS, QueuedEventRecorder } from '../../src/controller/queued-events.js';
import type { Logger } from '../../src/util/logger.js';

/** A recorder whose writes finish only once the test releases them, or fail with `failReason`. */
class HeldRecorder implements EventRecorder {
  readonly started: string[] = [];
  private finishers: Array<() => void> = [];
  held = true;

  constructor(private readonly failReason?: string) {}

  record(_object: AnyResource, _type: EventType, reason: string): Promise<void> {
    this.started.push(reason);
    if (reason === this.failReason) return Promise.reject(new Error('store unavailable'));
    if (!this.held) return Promise.resolve();
    return new Promise((resolve) => this.finishers.push(resolve));
  }

  /** Finishes the writes in flight and every later one. */
  releaseAll(): void {
    this.held = false;
    for (const finish of this.finishers) finish();
    this.finishers = [];
  }
}

/** A logger that keeps `level message` lines and their fields. */
class LogLines implements Logger {
  readonly lines: Array<{ line: string; fields: object }> = [];

  debug(fields: object, message: string): void {
    this.lines.push({ line: `debug ${message}`, fields });
  }
  info(fields: object, message: string): void {
    this.lines.push({ line: `info ${message}`, fields });
  }
  warn(fields: object, message: string): void {
    this.lines.push({ line: `warn ${message}`, fields });
  }
  error(fields: object, message: string): void {
    this.lines.push({ line: `error ${message}`, fields });
  }
}

const OBJECT: ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', namespace: 'default' },
};

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('QueuedEventRecorder', () => {
  it('returns before the write and writes in order', async () => {
    const inner = new HeldRecorder();
    const recorder = new QueuedEventRecorder(inner, new LogLines());
    let returned = 0;
    for (const reason of ['First', 'Second', 'Third']) {
      await recorder.record(OBJECT, 'Normal', reason, 'message');
      returned++;
    }

    assert.equal(returned, 3);
    await settle();
    // One write at a time: the second waits for the first.
    assert.deepEqual(inner.started, ['First']);
    inner.releaseAll();
    await recorder.idle();
    assert.deepEqual(inner.started, ['First', 'Second', 'Third']);
  });

  it('drops events beyond the queue limit', async () => {
    const inner = new HeldRecorder();
    const logs = new LogLines();
    const recorder = new QueuedEventRecorder(inner, logs);
    // Recorded in one synchronous loop, so none has been taken out of the queue yet.
    for (let index = 0; index < MAX_QUEUED_EVENTS + 5; index++) {
      void recorder.record(OBJECT, 'Normal', `Reason${index}`, 'message');
    }
    inner.releaseAll();
    await recorder.idle();

    assert.equal(inner.started.length, MAX_QUEUED_EVENTS);
    assert.equal(inner.started.at(-1), `Reason${MAX_QUEUED_EVENTS - 1}`);
    assert.deepEqual(
      logs.lines.map((entry) => entry.line),
      ['warn event queue full, dropping events', 'warn events dropped'],
    );
    assert.deepEqual(logs.lines[1]?.fields, { dropped: 5 });
  });

  it('logs a failed write and goes on', async () => {
    const inner = new HeldRecorder('Broken');
    inner.held = false;
    const logs = new LogLines();
    const recorder = new QueuedEventRecorder(inner, logs);
    await recorder.record(OBJECT, 'Warning', 'Broken', 'message');
    await recorder.record(OBJECT, 'Normal', 'Fine', 'message');
    await recorder.idle();

    assert.deepEqual(inner.started, ['Broken', 'Fine']);
    assert.deepEqual(
      logs.lines.map((entry) => entry.line),
      ['warn event write failed'],
    );
    const fields = logs.lines[0]?.fields as Record<string, unknown>;
    assert.equal(fields['name'], 'settings');
    assert.equal(fields['reason'], 'Broken');
    assert.equal((fields['err'] as Error).message, 'store unavailable');
  });
});
