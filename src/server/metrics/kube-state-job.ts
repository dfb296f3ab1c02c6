import type { Job, JobCondition } from '../../api/types.js';
import type { GaugeFamily, ObjectGauges } from './gauge-family.js';

const ID_LABELS = ['namespace', 'job_name'];

/** Failure reasons kube-state-metrics gives a series of their own in kube_job_status_failed. */
const KNOWN_FAILURE_REASONS = ['BackoffLimitExceeded', 'DeadlineExceeded', 'Evicted'];

/** Defines the kube-state-metrics Job gauges, with their names, help and labels. */
export function defineJobGauges(family: GaugeFamily): void {
  const define = (name: string, help: string, extra: string[] = []): void =>
    family.define(name, help, [...ID_LABELS, ...extra]);
  define('kube_job_info', 'Always 1, one series per Job.');
  define('kube_job_owner', 'Always 1, one series per owner reference of the Job.', [
    'owner_kind',
    'owner_name',
    'owner_is_controller',
  ]);
  define('kube_job_created', 'Creation time of the Job, in Unix seconds.');
  define('kube_job_spec_parallelism', 'spec.parallelism: pods the Job runs at the same time.');
  define('kube_job_spec_completions', 'spec.completions: successful pods the Job needs.');
  define('kube_job_spec_active_deadline_seconds', 'spec.activeDeadlineSeconds of the Job.');
  define('kube_job_status_active', 'status.active: pods of the Job that run now.');
  define('kube_job_status_succeeded', 'status.succeeded: pods of the Job that succeeded.');
  define('kube_job_status_ready', 'status.ready: running pods of the Job that are ready.');
  define('kube_job_status_failed', 'status.failed, or 0/1 per known reason once the Job failed.', [
    'reason',
  ]);
  define('kube_job_status_start_time', 'status.startTime of the Job, in Unix seconds.');
  define('kube_job_status_completion_time', 'status.completionTime of the Job, in Unix seconds.');
  define('kube_job_complete', 'Status of the Complete condition, one series per value.', [
    'condition',
  ]);
  define('kube_job_failed', 'Status of the Failed condition, one series per value.', ['condition']);
  define('kube_job_status_suspended', '1 while the Suspended condition is true, else 0.');
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
