import {
  SCHEDULE_DELAY_CRONJOB_ANNOTATION,
  SCHEDULED_TIMESTAMP_ANNOTATION,
  STOP_REASON_ANNOTATION,
} from '../../api/annotations.js';
import type { Job, JobCondition, JobStatus, Pod } from '../../api/types.js';
import { NotFoundError } from '../../store/errors.js';
import type { Store } from '../../store/store.js';
import { toRfc3339 } from '../../util/time.js';
import { controllerOf, finishedCondition, trueCondition } from '../conditions.js';
import type { EventRecorder } from '../events.js';
import { remainingBackoff } from './backoff.js';
import {
  isActive,
  isFailed,
  isReady,
  isTerminating,
  podFor,
  podsToStop,
  restartCount,
} from './pods.js';

/**
 * Cached reads for a sync, as the Kubernetes Job controller reads its Job and Pod listers.
 * Returned objects are shared with the cache and must not be changed.
 */
export interface JobLister {
  getJob(namespace: string, name: string): Job | undefined;
  /** Returns the Pods in `namespace` that reference `ownerUid`, ordered by name. */
  listPodsOwnedBy(namespace: string, ownerUid: string): Pod[];
}

export interface JobSyncContext {
  /** Receives every write. */
  store: Store;
  /** Serves the sync's reads when set; otherwise the store does. */
  lister?: JobLister;
  recorder: EventRecorder;
  now: number;
  /** Called after the write that gave the Job its Complete or Failed condition. */
  onFinished?(job: Job): void;
}

interface Failure {
  reason: string;
  message: string;
}

const BACKOFF_LIMIT_EXCEEDED: Failure = {
  reason: 'BackoffLimitExceeded',
  message: 'Job has reached the specified backoff limit',
};
const DEADLINE_EXCEEDED: Failure = {
  reason: 'DeadlineExceeded',
  message: 'Job was active longer than specified deadline',
};
const COMPLETIONS_REACHED = {
  reason: 'CompletionsReached',
  message: 'Reached expected number of succeeded pods',
};

/**
 * Reconciles one Job the way the Kubernetes Job controller does for NonIndexed Jobs: counts its
 * attempts, applies suspend, the backoff limit and the active deadline, creates replacement
 * attempts after the failure back-off, and sets interim then terminal conditions.
 * Returns the delay until the Job must be looked at again, if any.
 */
export async function syncJob(
  namespace: string,
  name: string,
  context: JobSyncContext,
): Promise<{ requeueAfterMs?: number }> {
  const stored = context.lister
    ? context.lister.getJob(namespace, name)
    : await context.store.find<Job>('Job', namespace, name);
  if (!stored || stored.metadata.deletionTimestamp || finishedCondition(stored)) return {};

  const job = structuredClone(stored);
  const status: JobStatus = job.status ?? {};
  job.status = status;
  const { now } = context;
  const uid = job.metadata.uid;
  const pods =
    context.lister && uid !== undefined
      ? context.lister.listPodsOwnedBy(namespace, uid)
      : await context.store.list<Pod>('Pod', { namespace, ownerUid: uid });
  const active = pods.filter(isActive);
  const terminating = pods.filter(isTerminating);
  const succeeded = pods.filter((pod) => pod.status?.phase === 'Succeeded').length;
  const failed = pods.filter(isFailed).length;
  // Counts never go down, even when someone deletes a finished attempt.
  // NOTE: a pod stopped by the controller that still ends Succeeded is then counted in both
  // `failed` and `succeeded`. Kubernetes counts it once, by what it saw first.
  status.succeeded = Math.max(status.succeeded ?? 0, succeeded);
  status.failed = Math.max(status.failed ?? 0, failed);
  status.active = active.length;
  status.ready = active.filter(isReady).length;

  if (job.spec.suspend !== true) {
    await resumeIfSuspended(job, context);
    status.startTime ??= toRfc3339(now);
  }
  const requeueAfterMs = await driveJob(job, pods, active, terminating, context);

  if (JSON.stringify(job.status) !== JSON.stringify(stored.status ?? {})) {
    const written = await context.store.update(job);
    if (finishedCondition(written)) context.onFinished?.(written);
  }
  return requeueAfterMs === undefined ? {} : { requeueAfterMs };
}

/**
 * Applies, in the Kubernetes order, an earlier interim condition, the failure limits, completion,
 * suspend, and then creates or stops pods. Returns a requeue delay.
 */
async function driveJob(
  job: Job,
  pods: Pod[],
  active: Pod[],
  terminating: Pod[],
  context: JobSyncContext,
): Promise<number | undefined> {
  const { now } = context;

  const successTarget = trueCondition(job, 'SuccessCriteriaMet');
  if (successTarget) {
    await finishAfterPodsStop(job, 'Complete', successTarget, active, terminating, context);
    return undefined;
  }
  const failureTarget = trueCondition(job, 'FailureTarget');
  if (failureTarget) {
    await finishAfterPodsStop(job, 'Failed', failureTarget, active, terminating, context);
    return undefined;
  }

  const failure = failureOf(job, pods, now);
  if (failure) {
    setCondition(job, 'FailureTarget', failure.reason, failure.message, now);
    await context.recorder.record(job, 'Warning', failure.reason, failure.message);
    await finishAfterPodsStop(job, 'Failed', failure, active, terminating, context);
    return undefined;
  }

  if (isComplete(job, active)) {
    const { reason, message } = COMPLETIONS_REACHED;
    setCondition(job, 'SuccessCriteriaMet', reason, message, now);
    await finishAfterPodsStop(job, 'Complete', COMPLETIONS_REACHED, active, terminating, context);
    return undefined;
  }

  // A suspended Job can still fail on its backoff limit or complete, as in Kubernetes.
  if (job.spec.suspend === true) {
    await suspend(job, active, context);
    return undefined;
  }
  return scale(job, pods, active, context);
}

/**
 * Stops the remaining pods and, once no pod runs or stops any more, adds the terminal condition.
 * A failing Job counts the pods it stops as failed at once, as Kubernetes does.
 */
async function finishAfterPodsStop(
  job: Job,
  type: 'Complete' | 'Failed',
  cause: { reason?: string; message?: string },
  active: Pod[],
  terminating: Pod[],
  context: JobSyncContext,
): Promise<void> {
  const status = job.status as JobStatus;
  const stillRunning = await stopPods(active, job, cause.reason ?? 'Terminated', context);
  status.active = 0;
  if (type === 'Failed') status.failed = (status.failed ?? 0) + active.length;
  if (stillRunning + terminating.length > 0) return;

  setCondition(job, type, cause.reason ?? '', cause.message ?? '', context.now);
  if (type === 'Complete') {
    status.completionTime = toRfc3339(context.now);
    await context.recorder.record(job, 'Normal', 'Completed', 'Job completed');
  }
}

/** Returns true once enough pods succeeded: `completions` of them, or any for a work-queue Job. */
function isComplete(job: Job, active: Pod[]): boolean {
  const completions = job.spec.completions;
  const succeeded = job.status?.succeeded ?? 0;
  if (completions === undefined || completions === null) {
    return succeeded > 0 && active.length === 0;
  }
  return succeeded >= completions;
}

/** Creates missing pods after the failure back-off, or stops extra ones. Returns a requeue delay. */
async function scale(
  job: Job,
  pods: Pod[],
  active: Pod[],
  context: JobSyncContext,
): Promise<number | undefined> {
  const status = job.status as JobStatus;
  const requeues: number[] = [];
  const deadlineMs = deadlineRemaining(job, context.now);
  if (deadlineMs !== undefined) requeues.push(deadlineMs);

  const desired = desiredActive(job, active.length);
  if (active.length > desired) {
    // Lowered parallelism, or fewer completions left than pods running.
    await stopPods(podsToStop(active, active.length - desired), job, 'Terminated', context);
    status.active = desired;
  } else if (active.length < desired) {
    const wait = remainingBackoff(pods, context.now);
    if (wait > 0) {
      requeues.push(Math.max(wait, 1000));
    } else {
      for (let i = active.length; i < desired; i++) {
        await createPod(job, context, pods.length === 0 && i === active.length);
      }
      status.active = desired;
    }
  }
  return requeues.length === 0 ? undefined : Math.min(...requeues);
}

/** Returns the desired number of running pods, as Kubernetes' manageJob computes it. */
function desiredActive(job: Job, active: number): number {
  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions;
  const succeeded = job.status?.succeeded ?? 0;
  if (completions === undefined || completions === null) {
    // After its first success a work-queue Job starts no pods and lets the running ones finish.
    return succeeded > 0 ? active : parallelism;
  }
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

/** Returns why the Job must fail now, checking the backoff limit before the deadline. */
function failureOf(job: Job, pods: Pod[], now: number): Failure | undefined {
  const backoffLimit = job.spec.backoffLimit ?? 6;
  if ((job.status?.failed ?? 0) > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
    return BACKOFF_LIMIT_EXCEEDED;
  }
  // Suspended Jobs never hit the deadline, and resuming restarts it.
  if (job.spec.suspend === true) return undefined;
  const remaining = deadlineRemaining(job, now);
  if (remaining !== undefined && remaining <= 0) return DEADLINE_EXCEEDED;
  return undefined;
}

/**
 * Returns true when an OnFailure Job's containers restarted too often: the restarts of its
 * Running and Pending pods sum to `backoffLimit` or more (any restart for a limit of 0).
 */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false;
  const backoffLimit = job.spec.backoffLimit ?? 6;
  const restarts = pods
    .filter((pod) => pod.status?.phase === 'Running' || pod.status?.phase === 'Pending')
    .reduce((sum, pod) => sum + restartCount(pod), 0);
  return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit;
}

/** Returns milliseconds until activeDeadlineSeconds runs out, if the Job has one. */
function deadlineRemaining(job: Job, now: number): number | undefined {
  const seconds = job.spec.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (seconds === undefined || seconds === null || start === undefined) return undefined;
  return Date.parse(start) + seconds * 1000 - now;
}

async function suspend(job: Job, active: Pod[], context: JobSyncContext): Promise<void> {
  for (const pod of active) await deletePod(pod, job, context);
  job.status = { ...job.status, active: 0 };
  if (!trueCondition(job, 'Suspended')) {
    setCondition(job, 'Suspended', 'JobSuspended', 'Job suspended', context.now);
    await context.recorder.record(job, 'Normal', 'Suspended', 'Job suspended');
  }
}

async function resumeIfSuspended(job: Job, context: JobSyncContext): Promise<void> {
  if (!trueCondition(job, 'Suspended')) return;
  setCondition(job, 'Suspended', 'JobResumed', 'Job resumed', context.now, 'False');
  // Resuming restarts the activeDeadlineSeconds timer.
  (job.status as JobStatus).startTime = toRfc3339(context.now);
  await context.recorder.record(job, 'Normal', 'Resumed', 'Job resumed');
}

/**
 * Creates one attempt. The Job's very first attempt of a CronJob's Job carries the CronJob and
 * the scheduled time, so the worker can report the schedule delay without reading the Job.
 */
async function createPod(job: Job, context: JobSyncContext, first: boolean): Promise<void> {
  const pod = podFor(job);
  const owner = controllerOf(job.metadata);
  const scheduled = job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION];
  if (first && owner?.kind === 'CronJob' && scheduled !== undefined) {
    pod.metadata.annotations = {
      ...pod.metadata.annotations,
      [SCHEDULE_DELAY_CRONJOB_ANNOTATION]: owner.name,
      [SCHEDULED_TIMESTAMP_ANNOTATION]: scheduled,
    };
  }
  try {
    await context.store.create(pod, context.now);
  } catch (error) {
    await context.recorder.record(
      job,
      'Warning',
      'FailedCreate',
      `Error creating: ${(error as Error).message}`,
    );
    throw error;
  }
  await context.recorder.record(
    job,
    'Normal',
    'SuccessfulCreate',
    `Created pod: ${pod.metadata.name}`,
  );
}

/**
 * Asks the worker running each pod to stop it, by setting `deletionTimestamp` and the reason.
 * Returns how many of them a worker still has to stop.
 */
async function stopPods(
  pods: Pod[],
  job: Job,
  reason: string,
  context: JobSyncContext,
): Promise<number> {
  let stillRunning = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const stopping = structuredClone(pod);
    stopping.metadata.deletionTimestamp = toRfc3339(context.now);
    stopping.metadata.annotations = {
      ...stopping.metadata.annotations,
      [STOP_REASON_ANNOTATION]: reason,
    };
    if (stopping.status?.phase === 'Pending' && stopping.status.nodeName === undefined) {
      // No worker has claimed it, so nothing runs: it fails at once.
      stopping.status = { ...stopping.status, phase: 'Failed', reason: 'Terminated' };
    } else {
      stillRunning++;
    }
    await context.store.update(stopping);
    await context.recorder.record(
      job,
      'Normal',
      'SuccessfulDelete',
      `Deleted pod: ${pod.metadata.name}`,
    );
  }
  return stillRunning;
}

async function deletePod(pod: Pod, job: Job, context: JobSyncContext): Promise<void> {
  try {
    await context.store.delete<Pod>('Pod', pod.metadata.namespace ?? 'default', pod.metadata.name, {
      uid: pod.metadata.uid,
    });
  } catch (error) {
    if (error instanceof NotFoundError) return;
    await context.recorder.record(
      job,
      'Warning',
      'FailedDelete',
      `Error deleting: ${(error as Error).message}`,
    );
    throw error;
  }
  await context.recorder.record(
    job,
    'Normal',
    'SuccessfulDelete',
    `Deleted pod: ${pod.metadata.name}`,
  );
}

/** Sets or replaces a condition; the transition time changes only when the status changes. */
function setCondition(
  job: Job,
  type: JobCondition['type'],
  reason: string,
  message: string,
  now: number,
  conditionStatus: JobCondition['status'] = 'True',
): void {
  const status = job.status as JobStatus;
  const conditions = status.conditions ?? [];
  const existing = conditions.find((condition) => condition.type === type);
  const timestamp = toRfc3339(now);
  if (existing) {
    if (existing.status !== conditionStatus) existing.lastTransitionTime = timestamp;
    existing.status = conditionStatus;
    existing.reason = reason;
    existing.message = message;
    existing.lastProbeTime = timestamp;
  } else {
    conditions.push({
      type,
      status: conditionStatus,
      reason,
      message,
      lastProbeTime: timestamp,
      lastTransitionTime: timestamp,
    });
  }
  status.conditions = conditions;
}
