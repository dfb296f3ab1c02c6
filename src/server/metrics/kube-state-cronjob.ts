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
  define('kube_cronjob_info', 'Info about cronjob.', [
    'schedule',
    'concurrency_policy',
    'timezone',
  ]);
  define('kube_cronjob_created', 'Unix creation timestamp');
  define('kube_cronjob_status_active', 'Active holds pointers to currently running jobs.');
  define(
    'kube_cronjob_status_last_schedule_time',
    'LastScheduleTime keeps information of when was the last time the job was successfully scheduled.',
  );
  define(
    'kube_cronjob_status_last_successful_time',
    'LastSuccessfulTime keeps information of when was the last time the job was completed successfully.',
  );
  define(
    'kube_cronjob_spec_suspend',
    'Suspend flag tells the controller to suspend subsequent executions.',
  );
  define(
    'kube_cronjob_spec_starting_deadline_seconds',
    'Deadline in seconds for starting the job if it misses scheduled time for any reason.',
  );
  define(
    'kube_cronjob_next_schedule_time',
    "Next time the cronjob should be scheduled. The time after lastScheduleTime, or after the cron job's creation time if it's never been scheduled. Use this to determine if the job is delayed.",
  );
  define(
    'kube_cronjob_schedule_invalid',
    '1 when the schedule, with its time zone, cannot be parsed.',
  );
  define(
    'kube_cronjob_metadata_resource_version',
    'Resource version representing a specific version of the cronjob.',
  );
  define(
    'kube_cronjob_spec_successful_job_history_limit',
    'Successful job history limit tells the controller how many completed jobs should be preserved.',
  );
  define(
    'kube_cronjob_spec_failed_job_history_limit',
    'Failed job history limit tells the controller how many failed jobs should be preserved.',
  );
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
    set('kube_cronjob_next_schedule_time', next / 1000);
  }
}
