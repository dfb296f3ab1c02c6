import type { Clock, Timer } from '../../util/clock.js';
import type { ProbeKind, ProbeOutcome, ProbeSpec } from './types.js';

export interface ProbeWorkerOptions {
  kind: ProbeKind;
  spec: ProbeSpec;
  clock: Clock;
  /** Instant the container started, in milliseconds on `clock`. */
  startedAt: number;
  /** Runs the probe once, ending it early when `signal` aborts. It must not reject. */
  probe(signal: AbortSignal): Promise<ProbeOutcome>;
  /** Returns false while the probe must be skipped, such as liveness before startup passed. */
  isEnabled(): boolean;
  /** Receives every outcome, before thresholds are applied. */
  onOutcome(outcome: ProbeOutcome): void;
  /**
   * Receives the result once `successThreshold` successes or `failureThreshold` failures in a
   * row were seen, and again after every further probe with the same result.
   */
  onResult(success: boolean): void;
}

/**
 * The probe loop of one probe of one container run. The first probe runs initialDelaySeconds
 * after the container started, and the next ones every periodSeconds after that. A probe
 * still running when the next one is due makes the loop skip that one, as kubelet's ticker does.
 */
export class ProbeWorker {
  private timer: Timer | undefined;
  private stopped = false;
  private running = false;
  private readonly abort = new AbortController();
  private inFlight: Promise<void> = Promise.resolve();
  private lastSuccess: boolean | undefined;
  private run = 0;

  constructor(private readonly options: ProbeWorkerOptions) {}

  start(): void {
    const { spec, startedAt } = this.options;
    this.schedule(startedAt + spec.initialDelaySeconds * 1000);
  }

  /**
   * Cancels the next probe and aborts the one under way, whose outcome is dropped. Resolves
   * once that probe has ended, so no socket or process of it is left.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    this.abort.abort();
    return this.inFlight;
  }

  private schedule(dueAt: number): void {
    if (this.stopped) return;
    const delay = Math.max(0, dueAt - this.options.clock.now());
    this.timer = this.options.clock.setTimer(delay, () => {
      this.schedule(dueAt + this.options.spec.periodSeconds * 1000);
      this.tick();
    });
  }

  private tick(): void {
    if (this.stopped || this.running || !this.options.isEnabled()) return;
    this.running = true;
    this.inFlight = this.options.probe(this.abort.signal).then((outcome) => {
      this.running = false;
      if (!this.stopped) this.record(outcome);
    });
  }

  /** Applies the thresholds the way kubelet's probe worker counts a run of equal results. */
  private record(outcome: ProbeOutcome): void {
    const { options } = this;
    options.onOutcome(outcome);
    if (this.stopped) return;

    const success = outcome.result !== 'failure';
    if (this.lastSuccess === success) this.run += 1;
    else {
      this.lastSuccess = success;
      this.run = 1;
    }
    const threshold = success ? options.spec.successThreshold : options.spec.failureThreshold;
    if (this.run < threshold) return;
    options.onResult(success);
  }
}
