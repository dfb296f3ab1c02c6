import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Pod } from '../../src/api/types.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { openTempStore } from '../support/temp-store.js';
import { pendingPod } from '../worker/fakes.js';
import { dropSchema, freshSchemaName, storeUrlOf } from './postgres-schema.js';

const T0 = Date.parse('2024-05-01T10:00:00Z');

interface OpenedStore {
  store: Store;
  close(): Promise<void>;
}

const backends: Array<[string, () => Promise<OpenedStore>]> = [
  [
    'sqlite',
    async () => {
      const temp = await openTempStore(new FakeClock(T0));
      return { store: temp.store, close: () => temp.cleanup() };
    },
  ],
  [
    'postgres',
    async () => {
      const schema = freshSchemaName();
      const store = await openStore({ url: storeUrlOf(schema), clock: new FakeClock(T0) });
      return {
        store,
        async close() {
          await store.close();
          await dropSchema(schema);
        },
      };
    },
  ],
];

for (const [backend, open] of backends) {
  describe(`${backend} claims with admit`, () => {
    const opened: OpenedStore[] = [];
    after(async () => {
      for (const entry of opened) await entry.close();
    });

    it('skips rejected pods and claims later ones', async () => {
      const entry = await open();
      opened.push(entry);
      const { store } = entry;
      for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await store.create(pendingPod(name), T0);
      const seen: string[] = [];

      const claimed = await store.claimPods({
        worker: 'w1',
        labels: {},
        limit: 2,
        now: T0,
        admit: (pod) => {
          seen.push(pod.metadata.name);
          return pod.metadata.name === 'p3' || pod.metadata.name === 'p5';
        },
      });
      const pods = await store.list<Pod>('Pod', { namespace: 'default' });

      assert.deepEqual(
        claimed.map((pod) => pod.metadata.name),
        ['p3', 'p5'],
      );
      assert.deepEqual(seen, ['p1', 'p2', 'p3', 'p4', 'p5']);
      assert.deepEqual(
        pods.map((pod) => [pod.metadata.name, pod.status?.phase]),
        [
          ['p1', 'Pending'],
          ['p2', 'Pending'],
          ['p3', 'Running'],
          ['p4', 'Pending'],
          ['p5', 'Running'],
        ],
      );
    });

    it('stops asking once the limit is reached', async () => {
      const entry = await open();
      opened.push(entry);
      const { store } = entry;
      for (const name of ['q1', 'q2', 'q3']) await store.create(pendingPod(name), T0);
      const seen: string[] = [];

      const claimed = await store.claimPods({
        worker: 'w1',
        labels: {},
        limit: 1,
        now: T0,
        admit: (pod) => {
          seen.push(pod.metadata.name);
          return true;
        },
      });

      assert.deepEqual(
        claimed.map((pod) => pod.metadata.name),
        ['q1'],
      );
      assert.deepEqual(seen, ['q1']);
    });
  });
}
