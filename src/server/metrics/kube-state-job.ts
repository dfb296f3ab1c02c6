import type { Job, JobCondition } from '../../api/types.js';
import type { GaugeFamily, ObjectGauges } from './gauge-family.js';

const ID_LABELS = ['namespace', 'job_name'];

/** Failure reasons kube-state-metrics gives a series of their own in kube_job_status_failed. */
const KNOWN_FAILURE_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded', 'Evicted'];

/** Defines the kube-state-metrics Job gauges, with their names, help and labels. */
export function defineJobGauges(family: GaugeFamily): void {
  const define = (name: string, help: string, extra: string[] = []): void =>
    family.define(name, help, [...ID_LABELS, ...extra]);
  define('kube_job_info', 'Information about job.');
  define('kube_job_owner', "Information about the Job's owner.", [
    'owner_kind',
    'owner_name',
    'owner_is_controller',
  ]);
  define('kube_job_created', 'Unix creation timestamp');
  define(
    'kube_job_spec_parallelism',
    'The maximum desired number of pods the job should run at any given time.',
  );
  define(
    'kube_job_spec_completions',
    'The desired number of successfully finished pods the job should be run with.',
  );
  define(
    'kube_job_spec_active_deadline_seconds',
    'The duration in seconds relative to the startTime that the job may be active before the system tries to terminate it.',
  );
  define('kube_job_status_active', 'The number of actively running pods.');
  define('kube_job_status_succeeded', 'The number of pods which reached Phase Succeeded.');
  define('kube_job_status_ready', 'The number of ready pods that belong to this Job.');
  define(
    'kube_job_status_failed',
    'The number of pods which reached Phase Failed and the reason for failure.',
    ['reason'],
  );
  define(
    'kube_job_status_start_time',
    'StartTime represents time when the job was acknowledged by the Job Manager.',
  );
  define(
    'kube_job_status_completion_time',
    'CompletionTime represents time when the job was completed.',
  );
  define('kube_job_complete', 'The job has completed its execution.', ['condition']);
  define('kube_job_failed', 'The job has failed its execution.', ['condition']);
  define('kube_job_status_suspended', 'The number of pods which reached Phase Suspended.');
}

/** Sets the Job gauges of one Job with the series and values kube-state-metrics gives it. */
export function setJobGauges(family: GaugeFamily, job: Job): void {
  const gauges = family.forObject({
    namespace: job.metadata.namespace ?? 'default',
    job_name: job.metadata.name,
  });
  const { set, setTime, setNumber } = gauges;
  const { spec, metadata } = job;
  const status = job.status ?? {};
  const conditions = status.conditions ?? [];

  set('kube_job_info', 1);
  const owners = metadata.ownerReferences ?? [];
  if (owners.length === 0) {
    set('kube_job_owner', 1, { owner_kind: '', owner_name: '', owner_is_controller: '' });
  }
  for (const owner of owners) {
    set('kube_job_owner', 1, {
      owner_kind: owner.kind,
      owner_name: owner.name,
      owner_is_controller: owner.controller === true ? 'true' : 'false',
    });
  }

  setTime('kube_job_created', metadata.creationTimestamp);
  setNumber('kube_job_spec_parallelism', spec.parallelism);
  setNumber('kube_job_spec_completions', spec.completions);
  setNumber('kube_job_spec_active_deadline_seconds', spec.activeDeadlineSeconds);
  set('kube_job_status_active', status.active ?? 0);
  set('kube_job_status_succeeded', status.succeeded ?? 0);
  set('kube_job_status_ready', status.ready ?? 0);
  setTime('kube_job_status_start_time', status.startTime);
  setTime('kube_job_status_completion_time', status.completionTime);
  setFailed(gauges, status.failed ?? 0, conditions);

  for (const condition of conditions) {
    if (condition.type === 'Complete') setCondition(gauges, 'kube_job_complete', condition);
    if (condition.type === 'Failed') setCondition(gauges, 'kube_job_failed', condition);
    if (condition.type === 'Suspended') {
      set('kube_job_status_suspended', condition.status === 'True' ? 1 : 0);
    }
  }
}

/**
 * Sets kube_job_status_failed: one series without a reason while nothing failed, else a 0/1
 * series per known reason of the Failed condition, plus `reason=""` carrying the failed count
 * when no Failed condition names one of them.
 */
function setFailed({ set }: ObjectGauges, failed: number, conditions: JobCondition[]): void {
  if (failed === 0) {
    set('kube_job_status_failed', 0);
    return;
  }
  let reasonKnown = false;
  for (const condition of conditions) {
    if (condition.type !== 'Failed') continue;
    for (const reason of KNOWN_FAILURE_REASONS) {
      const matches = condition.reason === reason;
      reasonKnown ||= matches;
      set('kube_job_status_failed', matches ? 1 : 0, { reason });
    }
  }
  if (!reasonKnown) set('kube_job_status_failed', failed, { reason: '' });
}

/** Sets the three series `condition="true|false|unknown"` of a condition, one of them 1. */
function setCondition({ set }: ObjectGauges, name: string, condition: JobCondition): void {
  const status = condition.status.toLowerCase();
  for (const value of ['true', 'false', 'unknown']) {
    set(name, value === status ? 1 : 0, { condition: value });
  }
}
