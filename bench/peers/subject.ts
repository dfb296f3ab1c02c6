// The interface that each job system in the peers part implements. The scenarios (throughput
// and schedule lateness) run only against it, so cronmesh and each peer are one
// SchedulerSubject each.

/** One throughput run: N no-op jobs enqueued, then processed by the system's own worker. */
export interface ThroughputResult {
  enqueued: number;
  /** Handler invocations seen before the run ended. */
  processed: number;
  enqueueSeconds: number;
  /** From starting the worker to the last handler invocation (or to the time limit). */
  processSeconds: number;
  /** True when the time limit ended the run before every job was processed. */
  timedOut: boolean;
  /**
   * CPU seconds used while processing, where the run can read them: by the system's own
   * processes, and by its PostgreSQL backends.
   */
  cpuSeconds?: { system: number; postgres: number };
}

/** One lateness run: every schedule fires at the same instant(s). */
export interface LatenessResult {
  schedules: number;
  /** Fire instants covered by the run; every schedule fires at each of them. */
  fireInstants: number;
  /** Handler start minus the scheduled instant, one sample per processed fire, in ms. */
  lateMs: number[];
  /** Fires expected but not processed when the time limit ended the run. */
  missing: number;
  /**
   * For systems whose `lateMs` measures the creation of the work, not its start: when a worker
   * took each fire's work up, minus the scheduled instant, in ms.
   */
  claimLateMs?: number[];
  /** Fires whose work no worker had taken up when the time limit ended the run. */
  claimMissing?: number;
}

export interface ThroughputScenario {
  /** Worker settings, such as the concurrency, as printed in the report. */
  readonly settings: string;
  /** Processing time limit of this system, when it needs longer than the part's default. */
  readonly timeLimitMs?: number;
  /**
   * Enqueues `jobCount` no-op jobs and processes them, stopping after `timeLimitMs` of
   * processing. Removes everything the run created before it resolves.
   */
  run(jobCount: number, timeLimitMs: number): Promise<ThroughputResult>;
}

export interface LatenessScenario {
  /** Schedule and worker settings, as printed in the report. */
  readonly settings: string;
  /**
   * Creates `scheduleCount` schedules that fire at the same instant, processes the fires with
   * no-op handlers and stops waiting `timeLimitMs` after the last measured fire instant. Removes
   * everything the run created before it resolves.
   */
  run(scheduleCount: number, timeLimitMs: number): Promise<LatenessResult>;
}

/** A job system measured by the peers part. */
export interface SchedulerSubject {
  /** Package name that `--peers` selects by, such as `pg-boss`. Variants of a system share it. */
  readonly system: string;
  /** Name and version, such as `pg-boss 10.4.2`. */
  readonly label: string;
  readonly throughput?: ThroughputScenario;
  readonly lateness?: LatenessScenario;
}
