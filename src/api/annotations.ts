/** Annotations and labels cronmesh reads or writes, beside the Kubernetes ones. */

/** Per-CronJob daylight-saving policy: `cron` (default) or `kubernetes`. */
export const DST_POLICY_ANNOTATION = 'cronmesh.io/dst-policy';

/** The reason an attempt is being stopped, which the worker records on its terminated containers. */
export const STOP_REASON_ANNOTATION = 'cronmesh.io/stop-reason';

/** Sandbox mode of an attempt's containers: `bubblewrap` or `none` (host processes). */
export const SANDBOX_ANNOTATION = 'cronmesh.io/sandbox';

/** Process group ids of an attempt's running containers, so a restarted server can end them. */
export const PROCESS_GROUPS_ANNOTATION = 'cronmesh.io/process-groups';

/** The scheduled time of a Job created by a CronJob, as Kubernetes writes it. */
export const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/**
 * The CronJob whose schedule delay a Job's first attempt measures. The Job controller writes it,
 * with the scheduled timestamp, on the first Pod it creates for a CronJob's Job.
 */
export const SCHEDULE_DELAY_CRONJOB_ANNOTATION = 'cronmesh.io/schedule-delay-cronjob';
