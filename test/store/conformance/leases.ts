import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Pod } from '../../../src/api/types.js';
import type { Fence } from '../../../src/store/lease.js';
import type { Store, WatchEvent } from '../../../src/store/store.js';
import { configMap, createdAt, pod, rejectionOf } from '../fixtures.js';
import type { OpenTestStore } from './harness.js';
import { withStore } from './harness.js';

const MINUTE = 60_000;

function pendingPod(name: string, nodeSelector?: Record<string, string>): Pod {
  const attempt = pod(name);
  if (nodeSelector !== undefined) attempt.spec.nodeSelector = nodeSelector;
  attempt.status = { phase: 'Pending' };
  return attempt;
}

function claimedNames(pods: Pod[]): string[] {
  return pods.map((claimed) => claimed.metadata.name);
}

async function fenceOf(store: Store, lease: string, holder: string): Promise<Fence> {
  const held = await store.acquireLease(lease, holder, MINUTE);
  assert.ok(held, `${holder} acquires ${lease}`);
  return { lease, holder, token: held.token };
}

/** Leases, fenced writes and attempt claims. */
export function defineLeaseTests(open: OpenTestStore): void {
  void it('lease first acquire has token 1', () =>
    withStore(open, async (store) => {
      const lease = await store.acquireLease('controller', 'replica-a', MINUTE);
      assert.equal(lease?.name, 'controller');
      assert.equal(lease?.holder, 'replica-a');
      assert.equal(lease?.token, 1);
      assert.equal(lease?.durationMs, MINUTE);
    }));

  void it('lease held by another is refused', () =>
    withStore(open, async (store) => {
      await store.acquireLease('controller', 'replica-a', MINUTE);
      assert.equal(await store.acquireLease('controller', 'replica-b', MINUTE), undefined);
    }));

  void it('lease renewal keeps the token', () =>
    withStore(open, async (store) => {
      await store.acquireLease('controller', 'replica-a', MINUTE);
      const renewed = await store.acquireLease('controller', 'replica-a', 2 * MINUTE);
      assert.equal(renewed?.token, 1);
      assert.equal(renewed?.durationMs, 2 * MINUTE);
    }));

  void it('expired lease changes hands with a new token', () =>
    withStore(open, async (store) => {
      // A zero duration expires at once, by any clock.
      await store.acquireLease('controller', 'replica-a', 0);
      const taken = await store.acquireLease('controller', 'replica-b', MINUTE);
      assert.equal(taken?.holder, 'replica-b');
      assert.equal(taken?.token, 2);
      assert.equal(await store.acquireLease('controller', 'replica-a', MINUTE), undefined);
    }));

  void it('released lease is free at once', () =>
    withStore(open, async (store) => {
      const held = await store.acquireLease('controller', 'replica-a', MINUTE);
      await store.releaseLease('controller', 'replica-a', held?.token ?? 0);
      const taken = await store.acquireLease('controller', 'replica-b', MINUTE);
      assert.equal(taken?.holder, 'replica-b');
      assert.equal(taken?.token, 2);
    }));

  void it('revoked lease fences its old holder', () =>
    withStore(open, async (store) => {
      const live = await fenceOf(store, 'worker/w1', 'w1');
      assert.equal(await store.revokeLease('worker/w1', live.token), false, 'a live lease stays');
      // A zero duration expires at once, by any clock.
      const expired = await store.acquireLease('worker/w1', 'w1', 0);
      const fence = { lease: 'worker/w1', holder: 'w1', token: expired?.token ?? 0 };
      assert.equal(await store.revokeLease('worker/w1', fence.token + 1), false);
      assert.equal(await store.revokeLease('worker/w1', fence.token), true);

      const error = await rejectionOf(store.create(configMap('late', {}), createdAt, { fence }));
      assert.equal((error as { code?: string }).code, 'Fenced');
      assert.equal(
        (error as Error).message,
        'lease "worker/w1" is no longer held by "w1" with token 1, so the write was rejected',
      );
      assert.equal(await store.find('ConfigMap', 'default', 'late'), undefined);
      const [status] = await store.listLeases('worker/');
      assert.equal(status?.holder, '');
      assert.equal(status?.token, 2);
    }));

  void it('lease list filters by prefix', () =>
    withStore(open, async (store) => {
      await store.acquireLease('worker/b', 'b', MINUTE);
      await store.acquireLease('worker/a', 'a', 0);
      await store.acquireLease('controller', 'replica-a', MINUTE);
      const leases = await store.listLeases('worker/');
      assert.deepEqual(
        leases.map((lease) => [lease.name, lease.holder, lease.expired]),
        [
          ['worker/a', 'a', true],
          ['worker/b', 'b', false],
        ],
      );
    }));

  void it('fenced writes need the current token', () =>
    withStore(open, async (store) => {
      const fence = await fenceOf(store, 'controller', 'replica-a');
      const created = await store.create(configMap('settings', { a: '1' }), createdAt, { fence });
      created.data = { a: '2' };
      const updated = await store.update(created, { fence });
      assert.deepEqual(updated.data, { a: '2' });

      // replica-b takes over after replica-a's lease expired.
      await store.acquireLease('controller', 'replica-a', 0);
      await store.acquireLease('controller', 'replica-b', MINUTE);
      updated.data = { a: '3' };
      const stale = await rejectionOf(store.update(updated, { fence }));
      assert.equal((stale as { code?: string }).code, 'Fenced');
      const deleting = await rejectionOf(
        store.delete('ConfigMap', 'default', 'settings', { fence }),
      );
      assert.equal((deleting as { code?: string }).code, 'Fenced');
      const kept = await store.get('ConfigMap', 'default', 'settings');
      assert.deepEqual((kept as { data?: unknown }).data, { a: '2' });
    }));

  void it('claim takes pending pods oldest first', () =>
    withStore(open, async (store) => {
      for (const name of ['c', 'a', 'b']) await store.create(pendingPod(name), createdAt);
      const events: WatchEvent[] = [];
      store.watch('Pod', (event) => events.push(event));

      const first = await store.claimPods({ worker: 'w1', labels: {}, limit: 2, now: createdAt });
      assert.deepEqual(claimedNames(first), ['c', 'a']);
      assert.equal(first[0]?.status?.phase, 'Running');
      assert.equal(first[0]?.status?.nodeName, 'w1');
      assert.equal(first[0]?.status?.startTime, '2024-01-01T00:00:00Z');
      assert.deepEqual(
        events.map((event) => `${event.type} ${event.object.metadata.name}`),
        ['MODIFIED c', 'MODIFIED a'],
      );

      const rest = await store.claimPods({ worker: 'w2', labels: {}, limit: 5, now: createdAt });
      assert.deepEqual(claimedNames(rest), ['b']);
      const none = await store.claimPods({ worker: 'w2', labels: {}, limit: 5, now: createdAt });
      assert.deepEqual(none, []);
      const stored = await store.get<Pod>('Pod', 'default', 'a');
      assert.equal(stored.status?.nodeName, 'w1');
      assert.equal(stored.metadata.resourceVersion, first[1]?.metadata.resourceVersion);
    }));

  void it('claim honours nodeSelector and deletion', () =>
    withStore(open, async (store) => {
      await store.create(pendingPod('east', { pool: 'east' }), createdAt);
      await store.create(pendingPod('west', { pool: 'west', disk: 'ssd' }), createdAt);
      const stopping = pendingPod('stopping');
      stopping.metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
      await store.create(stopping, createdAt);
      const running = pendingPod('running');
      running.status = { phase: 'Running', nodeName: 'w0' };
      await store.create(running, createdAt);

      const plain = await store.claimPods({ worker: 'w1', labels: {}, limit: 9, now: createdAt });
      assert.deepEqual(plain, []);
      const partial = await store.claimPods({
        worker: 'w1',
        labels: { pool: 'west' },
        limit: 9,
        now: createdAt,
      });
      assert.deepEqual(partial, []);
      const west = await store.claimPods({
        worker: 'w1',
        labels: { pool: 'west', disk: 'ssd', zone: 'b' },
        limit: 9,
        now: createdAt,
      });
      assert.deepEqual(claimedNames(west), ['west']);
      const east = await store.claimPods({
        worker: 'w2',
        labels: { pool: 'east' },
        limit: 9,
        now: createdAt,
      });
      assert.deepEqual(claimedNames(east), ['east']);
    }));

  void it('concurrent claims never share a pod', () =>
    withStore(open, async (store) => {
      const names = Array.from({ length: 20 }, (_, index) => `p${String(index).padStart(2, '0')}`);
      for (const name of names) await store.create(pendingPod(name), createdAt);
      const batches = await Promise.all(
        ['w1', 'w2', 'w3', 'w4'].map((worker) =>
          store.claimPods({ worker, labels: {}, limit: 6, now: createdAt }),
        ),
      );
      const claimed = batches.flatMap(claimedNames).sort();
      assert.deepEqual(claimed, names);
      assert.equal(new Set(claimed).size, 20);
    }));

  void it('claim with a stale fence claims nothing', () =>
    withStore(open, async (store) => {
      await store.create(pendingPod('only'), createdAt);
      const fence = await fenceOf(store, 'worker/w1', 'w1');
      await store.acquireLease('worker/w1', 'w1', 0);
      await store.revokeLease('worker/w1', fence.token);
      const error = await rejectionOf(
        store.claimPods({ worker: 'w1', labels: {}, limit: 1, now: createdAt, fence }),
      );
      assert.equal((error as { code?: string }).code, 'Fenced');
      const stored = await store.get<Pod>('Pod', 'default', 'only');
      assert.equal(stored.status?.phase, 'Pending');
    }));
}
