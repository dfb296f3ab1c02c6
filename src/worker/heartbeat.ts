import { WORKER_LEASE_PREFIX } from '../controller/lost-workers.js';
import type { Fence, Lease } from '../store/lease.js';
import type { Store } from '../store/store.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * The kubelet's node lease defaults: 40 s long, renewed every quarter of that. A worker whose
 * lease expires is declared lost at the next sweep, so the duration plus the sweep interval
 * bounds how long a crashed worker's attempts look as if they still ran.
 */
export const DEFAULT_WORKER_LEASE_DURATION_MS = 40_000;
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

export interface HeartbeatOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The worker's identity: the lease holder, and the nodeName of the attempts it claims. */
  holder: string;
  /** How long the lease stays valid after a renewal. */
  leaseDurationMs?: number;
  /** Time from the end of one renewal to the start of the next. */
  intervalMs?: number;
  /**
   * Called when a renewal finds the lease revoked or held by someone else: the cluster has
   * declared this worker lost, and writes fenced with `lost` are rejected from now on.
   */
  onLost: (lost: Fence) => void;
  /** Called when the worker holds the lease again, with the fence of the new registration. */
  onRegistered: (fence: Fence) => void;
}

/**
 * Keeps a worker registered through its lease `worker/<holder>`, as a kubelet keeps its node
 * lease: the first beat registers, later beats renew. A beat that finds the lease revoked
 * reports the loss and registers again at once, which takes the lease with a new token. A beat
 * that fails (the store is unreachable) is logged and retried at the next interval, without
 * declaring the lease lost.
 */
export class Heartbeat {
  readonly leaseName: string;
  private readonly leaseDurationMs: number;
  private readonly intervalMs: number;
  private current: Fence | undefined;
  /** When the lease was last acquired or renewed, by the worker's clock. */
  private lastRenewal = 0;
  private timer: Timer | undefined;
  private stopped = false;
  /** Serializes beats, so a slow store call never overlaps the next beat. */
  private beats: Promise<void> = Promise.resolve();

  constructor(private readonly options: HeartbeatOptions) {
    this.leaseName = `${WORKER_LEASE_PREFIX}${options.holder}`;
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULT_WORKER_LEASE_DURATION_MS;
    this.intervalMs = options.intervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS;
    if (!(this.intervalMs > 0 && this.leaseDurationMs > this.intervalMs)) {
      throw new RangeError(
        `invalid worker heartbeat timing: interval ${this.intervalMs} ms must be positive and ` +
          `shorter than the lease duration ${this.leaseDurationMs} ms`,
      );
    }
  }

  /**
   * The fence of the current registration, or undefined while unregistered. It is also
   * undefined once no renewal has succeeded for a whole lease duration, because by then the
   * lease may have expired and the worker may be declared lost at any moment.
   */
  // NOTE: the age of the last renewal is measured with the worker's clock, but the store judges
  // expiry by its own clock. With a ScaledClock (CRONMESH_TEST_CLOCK) this check is stricter by
  // the clock's rate than the store's.
  get fence(): Fence | undefined {
    if (this.current === undefined) return undefined;
    if (this.options.clock.now() - this.lastRenewal >= this.leaseDurationMs) return undefined;
    return this.current;
  }

  /** Registers at once, then renews every interval until `stop`. */
  start(): void {
    void this.enqueue().then(() => this.schedule());
  }

  /** Runs a beat now, besides the regular ones, and resolves when it has finished. */
  beatNow(): Promise<void> {
    return this.enqueue();
  }

  /** Resolves when the beats started so far have finished. */
  idle(): Promise<void> {
    return this.beats;
  }

  /** Stops beating and releases the lease, so the worker is not taken for lost. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.beats;
    const fence = this.current;
    this.current = undefined;
    if (fence === undefined) return;
    try {
      await this.options.store.releaseLease(fence.lease, fence.holder, fence.token);
    } catch (error) {
      // The lease then expires on its own, and the sweeper fails any attempt whose last write
      // did not land.
      this.options.logger.warn(
        { worker: fence.holder, lease: fence.lease, err: error },
        'worker lease release failed',
      );
    }
  }

  private enqueue(): Promise<void> {
    this.beats = this.beats.then(() => this.beat());
    return this.beats;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(this.intervalMs, () => {
      void this.enqueue().then(() => this.schedule());
    });
  }

  /** Acquires or renews the lease. It catches every store error, so the chain of beats never rejects. */
  private async beat(): Promise<void> {
    if (this.stopped) return;
    const { store, clock, logger, holder } = this.options;
    const ids = { worker: holder, lease: this.leaseName };

    let lease: Lease | undefined;
    try {
      lease = await store.acquireLease(this.leaseName, holder, this.leaseDurationMs);
    } catch (error) {
      const message =
        this.current === undefined ? 'worker registration failed' : 'worker lease renewal failed';
      logger.warn({ ...ids, err: error }, message);
      return;
    }

    // A revoked lease is taken again with a new token, so a changed token means the cluster
    // declared this worker lost in between.
    const previous = this.current;
    if (previous !== undefined && lease?.token !== previous.token) {
      this.current = undefined;
      logger.error({ ...ids, token: previous.token }, 'worker lease lost');
      this.report(() => this.options.onLost(previous));
    }
    if (lease === undefined) {
      // Only another process that runs under the same identity can hold this lease.
      logger.warn(ids, 'worker lease held by another process');
      return;
    }

    this.lastRenewal = clock.now();
    if (this.current === undefined) {
      const fence: Fence = { lease: this.leaseName, holder, token: lease.token };
      this.current = fence;
      logger.info({ ...ids, token: lease.token }, 'worker registered');
      this.report(() => this.options.onRegistered(fence));
    }
  }

  private report(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.options.logger.error(
        { worker: this.options.holder, err: error },
        'worker lease callback failed',
      );
    }
  }
}
