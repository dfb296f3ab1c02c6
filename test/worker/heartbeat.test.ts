import assert from 'node:assert/strict';
import type { Store } from '../../src/store/store.js';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Heartbeat } from '../../src/worker/heartbeat.js';
import { silentLogger } from '../../src/util/logger.js';
import { FakeClock } from '../../src/util/clock.js';
import { waitFor } from '../support/wait.js';
import { pendingPod } from './fakes.js';
import {
  createWorkerHarness,
  T0,
  WORKER_ID,
  WORKER_LEASE,
  type WorkerHarness,
} from './worker-harness.js';

/**
 * Revokes the worker's lease as the leader's sweeper does, which only revokes an expired lease:
 * the lease is first renewed with a zero duration, as if the worker had stopped heartbeating.
 */
async function expireAndRevoke(store: Store): Promise<boolean> {
  await store.acquireLease(WORKER_LEASE, WORKER_ID, 0);
  return store.revokeLease(WORKER_LEASE, 1);
}

describe('worker heartbeat', () => {
  let harness: WorkerHarness;

  beforeEach(async () => {
    harness = await createWorkerHarness();
  });

  afterEach(async () => {
    await harness.cleanup();
  });

  /** Starts the worker, waits for its first attempt and returns that attempt's run. */
  async function startWithAttempt(name = 'first') {
    const { store, clock, worker, executor } = harness;
    await store.create(pendingPod(name), clock.now());
    worker.start();
    await worker.heartbeatIdle();
    return waitFor('the attempt to start', () => executor.runs[0]);
  }

  it('registers before the first claim', async () => {
    const { store, worker, calls, claims } = harness;
    await startWithAttempt();

    const leases = await store.listLeases('worker/');
    const claimed = await harness.podWhen(
      'first',
      'claimed',
      (pod) => pod.status?.phase === 'Running',
    );

    assert.deepEqual(leases, [
      {
        name: WORKER_LEASE,
        holder: WORKER_ID,
        token: 1,
        renewTime: T0,
        durationMs: 40_000,
        expired: false,
      },
    ]);
    assert.deepEqual(calls.slice(0, 2), ['acquireLease', 'claimPods']);
    // `admit` is the worker's admission check, a function that deepEqual cannot compare.
    const { admit, ...request } = claims[0]?.request ?? { admit: undefined };
    assert.equal(typeof admit, 'function');
    assert.deepEqual(request, {
      worker: WORKER_ID,
      labels: {},
      limit: 2,
      now: T0,
      fence: { lease: WORKER_LEASE, holder: WORKER_ID, token: 1 },
    });
    assert.equal(claimed.status?.nodeName, WORKER_ID);
    assert.equal(claimed.status?.startTime, '2024-05-01T10:00:00Z');
    assert.deepEqual(worker.lease, { lease: WORKER_LEASE, holder: WORKER_ID, token: 1 });
  });

  it('renews the lease every interval', async () => {
    const { store, worker } = harness;
    worker.start();
    await worker.heartbeatIdle();

    await harness.advance(10_000);
    const first = await store.listLeases(WORKER_LEASE);
    await harness.advance(9_999);
    const early = await store.listLeases(WORKER_LEASE);
    await harness.advance(1);
    const second = await store.listLeases(WORKER_LEASE);

    assert.equal(first[0]?.renewTime, T0 + 10_000);
    assert.equal(early[0]?.renewTime, T0 + 10_000);
    assert.equal(second[0]?.renewTime, T0 + 20_000);
    assert.equal(second[0]?.token, 1);
    assert.deepEqual(harness.logger.withMessage('worker lease lost'), []);
  });

  it('registers again with a new token after revocation', async () => {
    const { store, worker, logger } = harness;
    worker.start();
    await worker.heartbeatIdle();

    const revoked = await expireAndRevoke(store);
    await harness.advance(10_000);
    const leases = await store.listLeases(WORKER_LEASE);

    assert.equal(revoked, true);
    // Revoking takes token 2, registering again token 3.
    assert.equal(leases[0]?.holder, WORKER_ID);
    assert.equal(leases[0]?.token, 3);
    assert.equal(leases[0]?.renewTime, T0 + 10_000);
    assert.deepEqual(worker.lease, { lease: WORKER_LEASE, holder: WORKER_ID, token: 3 });
    assert.deepEqual(logger.withMessage('worker lease lost'), [
      {
        level: 'error',
        fields: { worker: WORKER_ID, lease: WORKER_LEASE, token: 1 },
        message: 'worker lease lost',
      },
    ]);
    assert.deepEqual(
      logger.withMessage('worker registered').map((entry) => entry.fields['token']),
      [1, 3],
    );
  });

  it('stops its attempts when the lease is lost', async () => {
    const { store, clock, worker, logger, executor, claims } = harness;
    const run = await startWithAttempt();

    await expireAndRevoke(store);
    await harness.advance(10_000);
    const lost = await harness.podWhen(
      'first',
      'marked lost',
      (pod) => pod.status?.phase === 'Failed',
    );
    await store.create(pendingPod('second'), clock.now());
    const next = await waitFor('the next attempt to start', () => executor.runs[1]);
    const secondClaim = claims.find((claim) => claim.claimed.includes('second'));

    assert.equal(run.abortReason, 'WorkerLost');
    assert.equal(lost.status?.reason, 'WorkerLost');
    assert.equal(lost.status?.message, `worker ${WORKER_ID} stopped while the attempt was running`);
    assert.equal(lost.status?.nodeName, WORKER_ID);
    // The attempt's own last write was dropped, not sent and fenced.
    assert.deepEqual(logger.withMessage('attempt write fenced'), []);
    assert.equal(logger.withMessage('attempt lost with the worker lease').length, 1);
    assert.equal(next.abortReason, undefined);
    assert.deepEqual(secondClaim?.request.fence, {
      lease: WORKER_LEASE,
      holder: WORKER_ID,
      token: 3,
    });
    assert.equal(worker.busy, 1);
  });

  it('keeps its attempts through failed renewals', async () => {
    const { store, worker, logger } = harness;
    const run = await startWithAttempt();

    harness.failLeaseCalls = true;
    await harness.advance(10_000);
    const afterOneFailure = worker.lease;
    // One beat per step, because each beat schedules the next only once it has finished.
    for (let beat = 0; beat < 3; beat++) await harness.advance(10_000);
    const afterLeaseDuration = worker.lease;
    harness.failLeaseCalls = false;
    await harness.advance(10_000);
    const leases = await store.listLeases(WORKER_LEASE);

    assert.deepEqual(afterOneFailure, { lease: WORKER_LEASE, holder: WORKER_ID, token: 1 });
    // Without a renewal for a whole lease duration the worker may be declared lost, so it
    // offers no fence to claim with.
    assert.equal(afterLeaseDuration, undefined);
    assert.deepEqual(worker.lease, { lease: WORKER_LEASE, holder: WORKER_ID, token: 1 });
    assert.equal(leases[0]?.token, 1);
    assert.equal(leases[0]?.renewTime, T0 + 50_000);
    assert.equal(logger.withMessage('worker lease renewal failed').length, 4);
    assert.equal(logger.withMessage('worker lease renewal failed')[0]?.level, 'warn');
    assert.deepEqual(logger.withMessage('worker lease lost'), []);
    assert.equal(run.abortReason, undefined);
  });

  it('fenced write detects the loss at once', async () => {
    const { store, worker, logger } = harness;
    const run = await startWithAttempt();

    await expireAndRevoke(store);
    // A restart writes the container's restart count, without any heartbeat due.
    run.hooks.onContainerRestart?.('main', 1);
    await waitFor('the attempt to stop', () => run.abortReason !== undefined);
    await worker.heartbeatIdle();
    const fenced = logger.withMessage('attempt write fenced');

    assert.equal(run.abortReason, 'WorkerLost');
    assert.equal(fenced.length, 1);
    assert.equal(fenced[0]?.level, 'warn');
    assert.equal(fenced[0]?.fields['attempt'], 'first');
    assert.equal(fenced[0]?.fields['token'], 1);
    assert.deepEqual(worker.lease, { lease: WORKER_LEASE, holder: WORKER_ID, token: 3 });
  });

  it('stop releases the lease', async () => {
    const { store, worker, calls } = harness;
    const run = await startWithAttempt();

    await worker.stop();
    const leases = await store.listLeases(WORKER_LEASE);
    const pod = await store.get('Pod', 'default', 'first');

    assert.equal(run.abortReason, 'WorkerStopped');
    // The attempt's last write lands before the release, while the fence still holds.
    assert.equal(pod.kind === 'Pod' ? pod.status?.reason : undefined, 'WorkerStopped');
    assert.equal(calls.at(-1), 'releaseLease');
    assert.deepEqual(leases, [
      {
        name: WORKER_LEASE,
        holder: WORKER_ID,
        token: 1,
        renewTime: 0,
        durationMs: 0,
        expired: true,
      },
    ]);
  });

  it('rejects an interval not shorter than the lease', () => {
    const create = (): Heartbeat =>
      new Heartbeat({
        store: harness.store,
        clock: new FakeClock(T0),
        logger: silentLogger,
        holder: WORKER_ID,
        leaseDurationMs: 10_000,
        intervalMs: 10_000,
        onLost: () => undefined,
        onRegistered: () => undefined,
      });

    assert.throws(create, {
      name: 'RangeError',
      message:
        'invalid worker heartbeat timing: interval 10000 ms must be positive and shorter than ' +
        'the lease duration 10000 ms',
    });
  });
});
