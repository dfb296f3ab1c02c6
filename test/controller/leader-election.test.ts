import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { LeaderElector } from '../../src/controller/leader-election.js';
import { ForwardingStore } from '../../src/store/forwarding-store.js';
import type { Fence, Lease } from '../../src/store/lease.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import { openTempStore } from '../support/temp-store.js';
import type { TempStore } from '../support/temp-store.js';

/** A store whose lease calls fail while `down` is set, like a database that went away. */
class FlakyStore extends ForwardingStore {
  down = false;

  override acquireLease(
    name: string,
    holder: string,
    durationMs: number,
  ): Promise<Lease | undefined> {
    if (this.down) return Promise.reject(new Error('connection refused'));
    return super.acquireLease(name, holder, durationMs);
  }
}

/** A store whose next acquireLease waits until `open` is called, to stop in the middle of it. */
class GatedStore extends ForwardingStore {
  private gate: Promise<void> | undefined;
  open: () => void = () => undefined;
  entered = false;

  shut(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  override async acquireLease(
    name: string,
    holder: string,
    durationMs: number,
  ): Promise<Lease | undefined> {
    this.entered = true;
    const lease = await super.acquireLease(name, holder, durationMs);
    await this.gate;
    return lease;
  }
}

interface Replica {
  elector: LeaderElector;
  /** `start <token>` and `stop` in the order the callbacks ran. */
  transitions: string[];
}

function replica(store: Store, clock: FakeClock, identity: string): Replica {
  const transitions: string[] = [];
  const elector = new LeaderElector({
    store,
    clock,
    logger: silentLogger,
    identity,
    leaseDurationMs: 15_000,
    renewDeadlineMs: 10_000,
    retryPeriodMs: 2_000,
    onStartedLeading: (fence: Fence) => {
      transitions.push(`start ${fence.token}`);
      return Promise.resolve();
    },
    onStoppedLeading: () => {
      transitions.push('stop');
      return Promise.resolve();
    },
  });
  return { elector, transitions };
}

/** Advances the clock in retry-period steps, letting each tick's store calls finish. */
async function advance(clock: FakeClock, milliseconds: number): Promise<void> {
  for (let passed = 0; passed < milliseconds; passed += 1000) {
    clock.advance(1000);
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('LeaderElector', () => {
  let clock: FakeClock;
  let temp: TempStore;

  beforeEach(async () => {
    clock = new FakeClock('2026-01-01T00:00:00Z');
    temp = await openTempStore(clock);
  });

  afterEach(() => temp.cleanup());

  it('first replica leads, second stands by', async () => {
    const a = replica(temp.store, clock, 'a');
    const b = replica(temp.store, clock, 'b');
    await a.elector.start();
    await b.elector.start();
    await advance(clock, 30_000);

    assert.deepEqual(a.transitions, ['start 1']);
    assert.deepEqual(b.transitions, []);
    assert.equal(a.elector.isLeader, true);
    assert.deepEqual(a.elector.fence, { lease: 'cronmesh-controller', holder: 'a', token: 1 });
    await a.elector.stop();
    await b.elector.stop();
  });

  it('standby takes over after a release', async () => {
    const a = replica(temp.store, clock, 'a');
    const b = replica(temp.store, clock, 'b');
    await a.elector.start();
    await b.elector.start();
    await a.elector.stop();
    await advance(clock, 2_000);

    assert.deepEqual(a.transitions, ['start 1', 'stop']);
    assert.deepEqual(b.transitions, ['start 2']);
    await b.elector.stop();
  });

  it('leader steps down before its lease expires', async () => {
    const flaky = new FlakyStore(temp.store);
    const a = replica(flaky, clock, 'a');
    const b = replica(temp.store, clock, 'b');
    await a.elector.start();
    await b.elector.start();
    const lastRenewal = clock.now();
    flaky.down = true;

    // The renew deadline is 10 s: at the first tick at or after it, a stops leading.
    await advance(clock, 9_000);
    assert.deepEqual(a.transitions, ['start 1']);
    await advance(clock, 1_000);
    assert.deepEqual(a.transitions, ['start 1', 'stop']);
    assert.deepEqual(b.transitions, []);

    // b takes over only once the lease expired, 15 s after a's last renewal.
    await advance(clock, lastRenewal + 15_000 - clock.now() - 1000);
    assert.deepEqual(b.transitions, []);
    await advance(clock, 2_000);
    assert.deepEqual(b.transitions, ['start 2']);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('stop during acquisition hands the lease back', async () => {
    const gated = new GatedStore(temp.store);
    gated.shut();
    const a = replica(gated, clock, 'a');
    const b = replica(temp.store, clock, 'b');
    const starting = a.elector.start();
    for (let turn = 0; turn < 20 && !gated.entered; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(gated.entered, true);

    // a's acquisition has committed in the store but not returned yet when stop() is called.
    const stopping = a.elector.stop();
    gated.open();
    await starting;
    await stopping;
    await b.elector.start();

    assert.deepEqual(a.transitions, []);
    assert.equal(a.elector.isLeader, false);
    assert.deepEqual(b.transitions, ['start 2']);
    await b.elector.stop();
  });

  it('deposed leader writes are fenced', async () => {
    const flaky = new FlakyStore(temp.store);
    const a = replica(flaky, clock, 'a');
    const b = replica(temp.store, clock, 'b');
    await a.elector.start();
    const stale = a.elector.fence;
    assert.ok(stale);
    await b.elector.start();
    flaky.down = true;
    await advance(clock, 20_000);
    assert.deepEqual(b.transitions, ['start 2']);

    const configMap = {
      apiVersion: 'v1' as const,
      kind: 'ConfigMap' as const,
      metadata: { name: 'late', namespace: 'default' },
      data: {},
    };
    await assert.rejects(temp.store.create(configMap, clock.now(), { fence: stale }), {
      code: 'Fenced',
    });
    await temp.store.create(configMap, clock.now(), { fence: b.elector.fence });
    await a.elector.stop();
    await b.elector.stop();
  });

  it('rejects timing that does not decrease', () => {
    assert.throws(
      () =>
        new LeaderElector({
          store: temp.store,
          clock,
          logger: silentLogger,
          identity: 'a',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
          retryPeriodMs: 2_000,
          onStartedLeading: () => Promise.resolve(),
          onStoppedLeading: () => Promise.resolve(),
        }),
      {
        name: 'RangeError',
        message:
          'invalid leader election timing: lease duration 10000 ms, renew deadline 10000 ms and retry period 2000 ms must decrease in that order',
      },
    );
  });
});
