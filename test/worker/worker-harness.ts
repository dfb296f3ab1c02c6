import type { Pod } from '../../src/api/types.js';
import type { ClaimRequest } from '../../src/store/lease.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import type { WorkerOptions } from '../../src/worker/worker.js';
import { Worker } from '../../src/worker/worker.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';
import { BlockingExecutor, RecordingLogger } from './fakes.js';

/** 2024-05-01T10:00:00Z, where every worker harness clock starts. */
export const T0 = Date.parse('2024-05-01T10:00:00Z');

export const WORKER_ID = 'w1';
export const WORKER_LEASE = 'worker/w1';

/** One claimPods call the worker made, with the names of the pods it claimed. */
export interface RecordedClaim {
  request: ClaimRequest;
  claimed: string[];
}

/**
 * A Worker on a real SQLite store whose clock is a FakeClock, so leases expire only when the
 * test moves time. The store is wrapped to record lease and claim calls in order, and to fail
 * lease calls while `failLeaseCalls` is set, as an unreachable database would.
 */
export interface WorkerHarness {
  temp: TempStore;
  /** The real store, for the test's own reads and writes. */
  store: Store;
  clock: FakeClock;
  logger: RecordingLogger;
  executor: BlockingExecutor;
  worker: Worker;
  /** Names of the lease and claim methods the worker called, in order. */
  calls: string[];
  claims: RecordedClaim[];
  failLeaseCalls: boolean;
  /** Moves the clock and waits for the heartbeats it started. */
  advance(ms: number): Promise<void>;
  /** Returns the pod after `check` accepted it, polling the store. */
  podWhen(name: string, description: string, check: (pod: Pod) => boolean): Promise<Pod>;
  cleanup(): Promise<void>;
}

export async function createWorkerHarness(
  options: Partial<Pick<WorkerOptions, 'concurrency' | 'labels' | 'capacity'>> = {},
): Promise<WorkerHarness> {
  const clock = new FakeClock(T0);
  const temp = await openTempStore(clock);
  const logger = new RecordingLogger();
  const executor = new BlockingExecutor();
  const calls: string[] = [];
  const claims: RecordedClaim[] = [];
  const state = { failLeaseCalls: false };

  const recorded = new Set(['acquireLease', 'releaseLease', 'claimPods']);
  const store = new Proxy(temp.store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = (value as (...args: unknown[]) => unknown).bind(target);
      if (typeof property !== 'string' || !recorded.has(property)) return method;
      return async (...args: unknown[]) => {
        calls.push(property);
        if (state.failLeaseCalls && property !== 'claimPods') {
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        }
        const result = await method(...args);
        if (property === 'claimPods') {
          const claimed = (result as Pod[]).map((pod) => pod.metadata.name);
          claims.push({ request: args[0] as ClaimRequest, claimed });
        }
        return result;
      };
    },
  });

  const worker = new Worker({
    id: WORKER_ID,
    store,
    clock,
    executor,
    logger,
    concurrency: options.concurrency ?? 2,
    pollIntervalMs: 60_000,
    ...(options.labels === undefined ? {} : { labels: options.labels }),
    ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
  });

  return {
    temp,
    store: temp.store,
    clock,
    logger,
    executor,
    worker,
    calls,
    claims,
    get failLeaseCalls() {
      return state.failLeaseCalls;
    },
    set failLeaseCalls(value: boolean) {
      state.failLeaseCalls = value;
    },
    async advance(ms: number) {
      clock.advance(ms);
      await worker.heartbeatIdle();
    },
    podWhen(name, description, check) {
      return waitFor(`pod ${name}: ${description}`, async () => {
        const pod = await temp.store.get<Pod>('Pod', 'default', name);
        return check(pod) ? pod : undefined;
      });
    },
    async cleanup() {
      await worker.stop();
      await temp.cleanup();
    },
  };
}
