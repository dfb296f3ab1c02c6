import { StoreEventRecorder, type EventType } from '../controller/events.js';
import type { Pod } from '../api/types.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

/**
 * Events about one Pod that are recorded at once, and the interval in which one more is
 * allowed after that. These are client-go's event spam filter defaults (defaultSpamBurst 25,
 * defaultSpamQPS 1/300 in tools/record/events_cache.go), which bound the Events of a probe
 * that fails every period.
 */
export const EVENT_BURST = 25;
export const EVENT_REFILL_MS = 300_000;

/**
 * Records the Events kubelet would record about an attempt's containers (`Unhealthy`,
 * `Killing`, `ProbeWarning`) on the attempt's Pod, one at a time and in order. Events beyond
 * the spam filter's token bucket are dropped, as kubelet drops them. A failed write is logged
 * and does not stop the attempt.
 */
export class ContainerEventQueue {
  private readonly recorder: StoreEventRecorder;
  private pending: Promise<void> = Promise.resolve();
  private tokens = EVENT_BURST;
  private refilledAt: number;
  private dropped = 0;

  constructor(
    private readonly pod: Pod,
    store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly ids: Record<string, string | undefined>,
  ) {
    this.recorder = new StoreEventRecorder(store, clock, 'kubelet', { logger });
    this.refilledAt = clock.now();
  }

  record(container: string, type: EventType, reason: string, message: string): void {
    if (!this.takeToken()) {
      this.dropped += 1;
      // Logged once per attempt, because a failing probe would repeat it every period.
      if (this.dropped === 1) {
        this.logger.info({ ...this.ids, container, reason }, 'container events rate-limited');
      }
      return;
    }
    this.pending = this.pending
      .then(() => this.recorder.record(this.pod, type, reason, message))
      .catch((error: unknown) =>
        this.logger.error({ ...this.ids, container, reason, err: error }, 'event write failed'),
      );
  }

  /** Resolves when the events queued so far are written or have failed. */
  flush(): Promise<void> {
    return this.pending;
  }

  private takeToken(): boolean {
    const now = this.clock.now();
    const refill = Math.max(0, now - this.refilledAt) / EVENT_REFILL_MS;
    this.tokens = Math.min(EVENT_BURST, this.tokens + refill);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
