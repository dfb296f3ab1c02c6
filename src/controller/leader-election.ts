import type { Fence } from '../store/lease.js';
import type { Store } from '../store/store.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/** The lease the active controller replica holds. */
export const CONTROLLER_LEASE = 'cronmesh-controller';

/** Kubernetes' defaults for --leader-elect-lease-duration, -renew-deadline and -retry-period. */
export const DEFAULT_LEASE_DURATION_MS = 15_000;
export const DEFAULT_RENEW_DEADLINE_MS = 10_000;
export const DEFAULT_RETRY_PERIOD_MS = 2_000;

export interface LeaderElectionOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** This replica's identity, unique among the replicas. */
  identity: string;
  leaseName?: string;
  /** How long a lease stays valid after its last renewal; standbys take over after it. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a failed renewal before it steps down. */
  renewDeadlineMs?: number;
  /** Time between acquisition attempts and between renewals. */
  retryPeriodMs?: number;
  /** Starts the leader's work; `fence` carries the lease token for its writes. */
  onStartedLeading: (fence: Fence) => Promise<void>;
  /** Stops the leader's work. Called once per leadership, before leading again. */
  onStoppedLeading: () => Promise<void>;
}

/**
 * Elects one leader among replicas through a store lease, as client-go's leaderelection does:
 * every retry period a standby tries to take the lease and the leader renews it. A leader that
 * finds the lease taken, or cannot renew it within the renew deadline, stops leading before the
 * lease can expire for the others, because the renew deadline is shorter than the lease. Its
 * writes carry the lease token, so any write still in flight after that is rejected by the store.
 */
export class LeaderElector {
  private readonly leaseName: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private timer: Timer | undefined;
  private current: Fence | undefined;
  private lastRenewal = 0;
  private stopped = false;
  /** Serialises ticks and transitions, so a slow store call never overlaps the next tick. */
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseName = options.leaseName ?? CONTROLLER_LEASE;
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULT_LEASE_DURATION_MS;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULT_RENEW_DEADLINE_MS;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULT_RETRY_PERIOD_MS;
    if (!(
      this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs
    )) {
      throw new RangeError(
        `invalid leader election timing: lease duration ${this.leaseDurationMs} ms, renew deadline ` +
          `${this.renewDeadlineMs} ms and retry period ${this.retryPeriodMs} ms must decrease in that order`,
      );
    }
  }

  /** The fence of the current leadership, or undefined while standing by. */
  get fence(): Fence | undefined {
    return this.current;
  }

  get isLeader(): boolean {
    return this.current !== undefined;
  }

  /** Makes the first attempt at once and keeps trying every retry period. */
  start(): Promise<void> {
    return this.enqueue(() => this.tick());
  }

  /** Stops trying; a leader stops its work and gives the lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.enqueue(async () => {
      const fence = this.current;
      if (fence === undefined) return;
      await this.stepDown('stopping');
      await this.options.store
        .releaseLease(fence.lease, fence.holder, fence.token)
        .catch((error: unknown) =>
          this.options.logger.warn({ lease: fence.lease, err: error }, 'lease release failed'),
        );
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.work = this.work.then(step, step);
    return this.work;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(this.retryPeriodMs, () => {
      void this.enqueue(() => this.tick());
    });
  }

  // NOTE: a store call that hangs (a dead connection before its timeout) delays the next tick,
  // and with it the renew-deadline check. The lease token still fences every leader write.
  private async tick(): Promise<void> {
    if (this.stopped) return;
    const { store, clock, logger, identity } = this.options;
    const ids = { lease: this.leaseName, identity };
    try {
      const lease = await store.acquireLease(this.leaseName, identity, this.leaseDurationMs);
      const held = lease?.holder === identity ? lease : undefined;
      if (this.current !== undefined && held?.token !== this.current.token) {
        await this.stepDown('the lease changed hands');
      } else if (this.current === undefined && held !== undefined && this.stopped) {
        // stop() was called while the lease was being acquired: hand it back at once instead
        // of starting the controllers in a process that is shutting down.
        await store.releaseLease(this.leaseName, identity, held.token);
      } else if (this.current === undefined && held !== undefined) {
        this.current = { lease: this.leaseName, holder: identity, token: held.token };
        this.lastRenewal = clock.now();
        logger.info({ ...ids, token: held.token }, 'became leader');
        await this.options.onStartedLeading(this.current).catch(async (error: unknown) => {
          logger.error({ ...ids, err: error }, 'leader work failed to start');
          await this.stepDown('the leader work failed to start');
        });
      } else if (held !== undefined) {
        this.lastRenewal = clock.now();
      }
    } catch (error) {
      if (this.current !== undefined) {
        logger.warn({ ...ids, err: error }, 'lease renewal failed');
        if (clock.now() - this.lastRenewal >= this.renewDeadlineMs) {
          await this.stepDown('the renew deadline passed');
        }
      } else {
        logger.warn({ ...ids, err: error }, 'lease acquisition failed');
      }
    }
    this.schedule();
  }

  private async stepDown(reason: string): Promise<void> {
    const fence = this.current;
    if (fence === undefined) return;
    this.current = undefined;
    this.options.logger.warn(
      { lease: fence.lease, identity: fence.holder, token: fence.token, reason },
      'stopped leading',
    );
    await this.options.onStoppedLeading();
  }
}
