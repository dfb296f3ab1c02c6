import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LogKey } from '../../../src/store/store.js';
import type { OpenTestStore } from './harness.js';
import { withStore } from './harness.js';

const main: LogKey = { namespace: 'default', pod: 'hello-1-abcde', container: 'main' };
const sidecar: LogKey = { ...main, container: 'sidecar' };
const t0 = Date.parse('2024-01-01T00:00:00Z');

/** Log chunks per container of an attempt. */
export function defineLogTests(open: OpenTestStore): void {
  void it('log chunks keep append order', () =>
    withStore(open, async (store) => {
      await store.appendLog(main, 'stdout', 'Mon Jan  1 00:00:00 UTC 2024\n', t0);
      await store.appendLog(main, 'stderr', 'warning: slow\n', t0 + 5);
      await store.appendLog(main, 'stdout', 'Hello from the Kubernetes cluster\n', t0 + 9);

      const chunks = await store.readLog(main);

      assert.deepEqual(chunks, [
        { seq: 1, stream: 'stdout', time: t0, data: 'Mon Jan  1 00:00:00 UTC 2024\n' },
        { seq: 2, stream: 'stderr', time: t0 + 5, data: 'warning: slow\n' },
        { seq: 3, stream: 'stdout', time: t0 + 9, data: 'Hello from the Kubernetes cluster\n' },
      ]);
    }));

  void it('log read starts after afterSeq', () =>
    withStore(open, async (store) => {
      for (let index = 1; index <= 4; index += 1) {
        await store.appendLog(main, 'stdout', `line ${index}\n`, t0 + index);
      }

      const afterTwo = await store.readLog(main, 2);
      const afterLast = await store.readLog(main, 4);

      assert.deepEqual(
        afterTwo.map((chunk) => chunk.seq),
        [3, 4],
      );
      assert.deepEqual(
        afterTwo.map((chunk) => chunk.data),
        ['line 3\n', 'line 4\n'],
      );
      assert.deepEqual(afterLast, []);
    }));

  void it('log sequences are per container', () =>
    withStore(open, async (store) => {
      await store.appendLog(main, 'stdout', 'main 1\n', t0);
      await store.appendLog(sidecar, 'stdout', 'sidecar 1\n', t0 + 1);
      await store.appendLog(main, 'stdout', 'main 2\n', t0 + 2);

      const mainChunks = await store.readLog(main);
      const sidecarChunks = await store.readLog(sidecar);

      assert.deepEqual(
        mainChunks.map((chunk) => `${chunk.seq} ${chunk.data}`),
        ['1 main 1\n', '2 main 2\n'],
      );
      assert.deepEqual(
        sidecarChunks.map((chunk) => `${chunk.seq} ${chunk.data}`),
        ['1 sidecar 1\n'],
      );
    }));

  void it('log of unknown attempt is empty', () =>
    withStore(open, async (store) => {
      assert.deepEqual(await store.readLog(main), []);
    }));

  void it('deleteLogs removes one attempt only', () =>
    withStore(open, async (store) => {
      const otherPod: LogKey = { ...main, pod: 'hello-2-fghij' };
      const otherNamespace: LogKey = { ...main, namespace: 'team-a' };
      await store.appendLog(main, 'stdout', 'main\n', t0);
      await store.appendLog(sidecar, 'stdout', 'sidecar\n', t0);
      await store.appendLog(otherPod, 'stdout', 'other pod\n', t0);
      await store.appendLog(otherNamespace, 'stdout', 'other namespace\n', t0);

      await store.deleteLogs('default', 'hello-1-abcde');
      await store.appendLog(main, 'stdout', 'after delete\n', t0 + 1);

      assert.deepEqual(await store.readLog(sidecar), []);
      assert.deepEqual(
        (await store.readLog(main)).map((chunk) => `${chunk.seq} ${chunk.data}`),
        ['1 after delete\n'],
      );
      assert.deepEqual(
        (await store.readLog(otherPod)).map((chunk) => chunk.data),
        ['other pod\n'],
      );
      assert.deepEqual(
        (await store.readLog(otherNamespace)).map((chunk) => chunk.data),
        ['other namespace\n'],
      );
    }));
}
