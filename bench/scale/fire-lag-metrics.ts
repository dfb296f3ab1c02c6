// A SchedulerMetrics that keeps what the fire-lag scenario reports: the CronJob controller's
// creation skew and the worker's start delay of the simultaneous set, and the longest ready list
// of the CronJob work queue, startup included.

import type { CronJobKey, SchedulerMetrics, WorkQueueObserver } from '../../src/util/metrics.js';
import { SIMULTANEOUS_PREFIX } from './fire-lag-plan.js';

export class FireLagMetrics implements SchedulerMetrics {
  /** Controller skew: the reconcile's start time minus the scheduled time, in ms. */
  readonly creationSkewMs: number[] = [];
  /** First process start of each Job's first attempt minus the scheduled time, in ms. */
  readonly startDelayMs: number[] = [];
  maxCronJobQueueDepth = 0;

  jobCreated(cronJob: CronJobKey, skewSeconds: number): void {
    if (cronJob.name.startsWith(SIMULTANEOUS_PREFIX)) this.creationSkewMs.push(skewSeconds * 1000);
  }

  jobFinished(): void {}

  attemptStarted(cronJob: CronJobKey, delaySeconds: number): void {
    if (cronJob.name.startsWith(SIMULTANEOUS_PREFIX)) this.startDelayMs.push(delaySeconds * 1000);
  }

  workQueue(name: string): WorkQueueObserver {
    const ignore = (): void => undefined;
    return {
      added: ignore,
      retried: ignore,
      processed: ignore,
      depthChanged: (depth) => {
        if (name === 'cronjob')
          this.maxCronJobQueueDepth = Math.max(this.maxCronJobQueueDepth, depth);
      },
    };
  }
}
