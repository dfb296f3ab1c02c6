import {
  SCHEDULE_DELAY_CRONJOB_ANNOTATION,
  SCHEDULED_TIMESTAMP_ANNOTATION,
} from '../api/annotations.js';
import type { Pod } from '../api/types.js';
import type { CronJobKey } from '../util/metrics.js';

/** The CronJob and scheduled instant an attempt's start is measured against. */
export interface ScheduledRun {
  cronJob: CronJobKey;
  /** The Job's scheduled time, in milliseconds. */
  scheduledAt: number;
}

/**
 * Returns the scheduled run behind `pod` when the Job controller marked it as the first attempt
 * of a CronJob's Job. Retries and the other pods of a parallel Job are not marked, so each
 * scheduled run gives one sample and a retry's back-off does not count as scheduler delay.
 */
export function scheduledRunOf(pod: Pod): ScheduledRun | undefined {
  const annotations = pod.metadata.annotations ?? {};
  const cronJob = annotations[SCHEDULE_DELAY_CRONJOB_ANNOTATION];
  const scheduledAt = Date.parse(annotations[SCHEDULED_TIMESTAMP_ANNOTATION] ?? '');
  if (cronJob === undefined || Number.isNaN(scheduledAt)) return undefined;
  return {
    cronJob: { namespace: pod.metadata.namespace ?? 'default', name: cronJob },
    scheduledAt,
  };
}
