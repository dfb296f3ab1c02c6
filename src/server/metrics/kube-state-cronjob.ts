import type { CronJob } from '../../api/types.js';
import { scheduleAnchor } from '../../controller/cronjob/due-time.js';
import { scheduleOf } from '../../controller/cronjob/sync.js';
import type { DstPolicy } from '../../schedule/index.js';
import type { GaugeFamily } from './gauge-family.js';

const ID_LABELS = ['namespace', 'cronjob'];

/** Defines the kube-state-metrics CronJob gauges, with their names, help and labels. */
export function defineCronJobGauges(family: GaugeFamily): void {
  const define = (name: string, help: string, extra: string[] = []): void =>
    family.define(name, help, [...ID_LABELS, ...extra]);
  define('kube_cronjob_info', 'Always 1; the labels carry the schedule, policy and time zone.', [
    'schedule',
    'concurrency_policy',
    'timezone',
  ]);
  define('kube_cronjob_created', 'Creation time of the CronJob, in Unix seconds.');
  define('kube_cronjob_status_active', 'Number of Jobs in the CronJob status.active list.');
  define(
    'kube_cronjob_status_last_schedule_time',
    'status.lastScheduleTime in Unix seconds: the scheduled time of the newest Job.',
  );
  define(
    'kube_cronjob_status_last_successful_time',
    'status.lastSuccessfulTime in Unix seconds: when a Job of the CronJob last completed.',
  );
  define('kube_cronjob_spec_suspend', '1 while spec.suspend is true, else 0.');
  define('kube_cronjob_spec_starting_deadline_seconds', 'spec.startingDeadlineSeconds.');
  define(
    'kube_cronjob_next_schedule_time',
    'Next fire time after lastScheduleTime (or creation), in Unix seconds; in the past means late.',
  );
  define(
    'kube_cronjob_schedule_invalid',
    '1 when the schedule with its time zone cannot be parsed.',
  );
  define('kube_cronjob_metadata_resource_version', 'metadata.resourceVersion of the CronJob.');
  define('kube_cronjob_spec_successful_job_history_limit', 'spec.successfulJobsHistoryLimit.');
  define('kube_cronjob_spec_failed_job_history_limit', 'spec.failedJobsHistoryLimit.');
}

/**
 * Sets the CronJob gauges of one CronJob. The next schedule time is the schedule's next fire time
 * after lastScheduleTime, else after creationTimestamp, in the CronJob's time zone and DST
 * policy. As in kube-state-metrics it ignores startingDeadlineSeconds and missed runs, so a value
 * in the past means the CronJob is late, and it is left out while suspended or invalid.
 */
export function setCronJobGauges(
  family: GaugeFamily,
  cronJob: CronJob,
  defaultDstPolicy: DstPolicy,
): void {
  const { set, setTime, setNumber } = family.forObject({
    namespace: cronJob.metadata.namespace ?? 'default',
    cronjob: cronJob.metadata.name,
  });
  const { spec, status, metadata } = cronJob;

  set('kube_cronjob_info', 1, {
    schedule: spec.schedule,
    concurrency_policy: spec.concurrencyPolicy ?? 'Allow',
    timezone: spec.timeZone ?? 'local',
  });
  setTime('kube_cronjob_created', metadata.creationTimestamp);
  set('kube_cronjob_status_active', status?.active?.length ?? 0);
  setTime('kube_cronjob_status_last_schedule_time', status?.lastScheduleTime);
  setTime('kube_cronjob_status_last_successful_time', status?.lastSuccessfulTime);
  set('kube_cronjob_spec_suspend', spec.suspend === true ? 1 : 0);
  setNumber('kube_cronjob_spec_starting_deadline_seconds', spec.startingDeadlineSeconds);
  setNumber('kube_cronjob_metadata_resource_version', Number(metadata.resourceVersion));
  setNumber('kube_cronjob_spec_successful_job_history_limit', spec.successfulJobsHistoryLimit);
  setNumber('kube_cronjob_spec_failed_job_history_limit', spec.failedJobsHistoryLimit);

  let next: number | null;
  try {
    next = scheduleOf(cronJob, defaultDstPolicy).next(scheduleAnchor(cronJob));
  } catch {
    set('kube_cronjob_schedule_invalid', 1);
    return;
  }
  set('kube_cronjob_schedule_invalid', 0);
  if (next !== null && spec.suspend !== true) {
    set('kube_cronjob_next_schedule_time', Math.floor(next / 1000));
  }
}
