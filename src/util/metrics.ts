/**
 * The measurements controllers and workers report, as plain calls. The server layer implements
 * them with prom-client; without one, controllers and workers report nothing.
 */
export interface SchedulerMetrics {
  /** A CronJob's Job was created `skewSeconds` after its scheduled time. */
  jobCreated(cronJob: CronJobKey, skewSeconds: number): void;
  /**
   * A Job created by a CronJob reached its Complete or Failed condition, `durationSeconds` after
   * its start; undefined when it never started.
   */
  jobFinished(cronJob: CronJobKey, outcome: JobOutcome, durationSeconds: number | undefined): void;
  /** The first process of a scheduled Job's first attempt started `delaySeconds` after its scheduled time. */
  attemptStarted(cronJob: CronJobKey, delaySeconds: number): void;
  /** Returns the observer of one named work queue. */
  workQueue(name: string): WorkQueueObserver;
}

export interface CronJobKey {
  namespace: string;
  name: string;
}

export type JobOutcome = 'succeeded' | 'failed';

/** Events of one work queue, named after client-go's workqueue metrics. */
export interface WorkQueueObserver {
  /** A key was added, or re-added while it was waiting or being processed. */
  added(): void;
  /** A key was queued again after its reconcile failed. */
  retried(): void;
  /** One reconcile ran for `seconds`. */
  processed(seconds: number): void;
  /** The number of keys waiting for a reconcile slot changed to `depth`. */
  depthChanged(depth: number): void;
}
