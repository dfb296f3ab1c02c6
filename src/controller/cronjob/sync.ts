import { DST_POLICY_ANNOTATION } from '../../api/annotations.js';
import type { CronJob, Job, ObjectReference } from '../../api/types.js';
import type { DstPolicy, Schedule } from '../../schedule/index.js';
import { compileSchedule, isKnownTimeZone } from '../../schedule/index.js';
import { AlreadyExistsError, NotFoundError } from '../../store/errors.js';
import type { Store } from '../../store/store.js';
import { toRfc3339 } from '../../util/time.js';
import { controllerOf, finishedCondition } from '../conditions.js';
import type { EventRecorder } from '../events.js';
import { cleanupFinishedJobs } from './history.js';
import { InvalidScheduleError, mostRecentScheduleTime, nextScheduleDelay } from './due-time.js';
import { jobFromTemplate, jobNameFor } from './job-template.js';

/**
 * Cached reads for a sync, as the Kubernetes controller reads its CronJob and Job listers.
 * Returned objects are shared with the cache and must not be changed.
 */
export interface CronJobLister {
  getCronJob(namespace: string, name: string): CronJob | undefined;
  /** Returns the Jobs in `namespace` that reference `ownerUid`, ordered by name. */
  listJobsOwnedBy(namespace: string, ownerUid: string): Job[];
}

export interface CronJobSyncContext {
  /** Receives every write, and the reads that must see the latest state. */
  store: Store;
  /** Serves the sync's first reads when set; otherwise the store does. */
  lister?: CronJobLister;
  recorder: EventRecorder;
  now: number;
  defaultDstPolicy: DstPolicy;
  /** Creates a Job with API defaults and validation applied. */
  createJob(job: Job, now: number): Promise<Job>;
  /** Called once per Job this sync created, with the seconds since its scheduled time. */
  onJobCreated?(cronJob: CronJob, job: Job, seconds: number): void;
}

export interface CronJobSyncResult {
  /** Milliseconds until the next reconcile; undefined drops the key until the next change. */
  requeueAfterMs?: number;
  /** The CronJob as written, when its status changed. */
  updated?: CronJob;
}

/**
 * Compiled schedules by DST policy, zone and expression. Every activation reconciles a CronJob
 * at least twice, and each compile for the local zone looks the zone's name up through Intl.
 * Schedules are immutable, so one copy serves every CronJob with the same key.
 */
const compiledSchedules = new Map<string, Schedule>();
/** Entries kept before the cache starts over, which bounds its memory. */
const COMPILED_SCHEDULES_LIMIT = 10_000;

/** Returns the compiled schedule, honouring a TZ=/CRON_TZ= prefix before `spec.timeZone`. */
export function scheduleOf(cronJob: CronJob, defaultDstPolicy: DstPolicy): Schedule {
  const annotated = cronJob.metadata.annotations?.[DST_POLICY_ANNOTATION];
  const dstPolicy =
    annotated === 'cron' || annotated === 'kubernetes' ? annotated : defaultDstPolicy;
  const usesPrefix = cronJob.spec.schedule.includes('TZ');
  const timeZone = usesPrefix ? undefined : cronJob.spec.timeZone;
  // Without a zone the schedule follows the process's local zone, which only the TZ
  // environment variable can change while the process runs.
  const zoneKey = usesPrefix ? 'prefix' : (timeZone ?? `local ${process.env['TZ'] ?? ''}`);
  const key = `${dstPolicy}\u0000${zoneKey}\u0000${cronJob.spec.schedule}`;
  const cached = compiledSchedules.get(key);
  if (cached !== undefined) return cached;
  const schedule = compileSchedule(cronJob.spec.schedule, { timeZone, dstPolicy });
  if (compiledSchedules.size >= COMPILED_SCHEDULES_LIMIT) compiledSchedules.clear();
  compiledSchedules.set(key, schedule);
  return schedule;
}

/**
 * Reconciles one CronJob the way the Kubernetes CronJob v2 controller does: history cleanup,
 * active-list reconciliation, then at most one Job for the most recent due activation.
 */
export async function syncCronJob(
  namespace: string,
  name: string,
  context: CronJobSyncContext,
): Promise<CronJobSyncResult> {
  const stored = context.lister
    ? context.lister.getCronJob(namespace, name)
    : await context.store.find<CronJob>('CronJob', namespace, name);
  if (!stored) return {};

  const jobs = await listOwnedJobs(context, stored);
  // Only the status changes below; metadata and spec stay shared with `stored`, which may be
  // the lister's cached copy.
  let cronJob: CronJob = { ...stored, status: structuredClone(stored.status ?? {}) };

  let scheduled: { requeueAfterMs?: number } = {};
  let failure: { error: unknown } | undefined;
  try {
    const deleted = await cleanupFinishedJobs(cronJob, jobs, context);
    cronJob = await reconcileActiveJobs(cronJob, jobs, context);
    scheduled = await scheduleNextJob(cronJob, deleted, context);
  } catch (error) {
    // As in Kubernetes, status edits made before a failure (a Job deleted for Replace, a
    // missing Job dropped) are still written, so the retry does not see stale active entries.
    failure = { error };
  }

  const result: CronJobSyncResult = {};
  if (scheduled.requeueAfterMs !== undefined) result.requeueAfterMs = scheduled.requeueAfterMs;
  if (JSON.stringify(cronJob.status) !== JSON.stringify(stored.status ?? {})) {
    const toWrite = structuredClone(cronJob);
    result.updated = await context.store.update(toWrite);
  }
  if (failure) throw failure.error;
  return result;
}

/**
 * Returns the Jobs this CronJob controls. The store's owner index narrows the read to Jobs that
 * reference the CronJob's uid, because reading every Job of the namespace on each reconcile made
 * a burst of fires quadratic. NOTE: Kubernetes matches the controller reference by name only,
 * so it also reconciles Jobs left by an earlier CronJob of the same name (orphaned on delete); those
 * are not reconciled here.
 */
async function listOwnedJobs(context: CronJobSyncContext, cronJob: CronJob): Promise<Job[]> {
  const { store, lister } = context;
  const namespace = cronJob.metadata.namespace ?? 'default';
  const uid = cronJob.metadata.uid;
  let jobs: Job[];
  if (uid === undefined) jobs = await store.list<Job>('Job', { namespace });
  else if (lister) jobs = lister.listJobsOwnedBy(namespace, uid);
  else jobs = await store.list<Job>('Job', { namespace, ownerUid: uid });
  return jobs.filter((job) => {
    const owner = controllerOf(job.metadata);
    return owner?.kind === 'CronJob' && owner.name === cronJob.metadata.name;
  });
}

/** Brings `status.active` and `lastSuccessfulTime` in line with the Jobs that exist. */
async function reconcileActiveJobs(
  cronJob: CronJob,
  jobs: Job[],
  context: CronJobSyncContext,
): Promise<CronJob> {
  const status = cronJob.status ?? {};
  const isActive = (job: Job): boolean =>
    (status.active ?? []).some((ref) => ref.uid === job.metadata.uid);

  for (const job of jobs) {
    const finished = finishedCondition(job);
    if (!finished && !isActive(job)) {
      const live = await context.store.find<CronJob>(
        'CronJob',
        cronJob.metadata.namespace ?? 'default',
        cronJob.metadata.name,
      );
      const liveActive = live?.status?.active ?? [];
      if (live && liveActive.some((ref) => ref.uid === job.metadata.uid)) {
        // The cached copy was stale: continue with the live one.
        cronJob = structuredClone(live);
        cronJob.status ??= {};
        return reconcileActiveJobs(cronJob, jobs, context);
      }
      await context.recorder.record(
        cronJob,
        'Warning',
        'UnexpectedJob',
        `Saw a job that the controller did not create or forgot: ${job.metadata.name}`,
      );
    } else if (finished && isActive(job)) {
      status.active = (status.active ?? []).filter((ref) => ref.uid !== job.metadata.uid);
      await context.recorder.record(
        cronJob,
        'Normal',
        'SawCompletedJob',
        `Saw completed job: ${job.metadata.name}, condition: ${finished}`,
      );
    }
    if (finished === 'Complete' && job.status?.completionTime) {
      const completed = Date.parse(job.status.completionTime);
      const known = status.lastSuccessfulTime ? Date.parse(status.lastSuccessfulTime) : undefined;
      if (known === undefined || completed > known)
        status.lastSuccessfulTime = job.status.completionTime;
    }
  }

  const listedUids = new Set(jobs.map((job) => job.metadata.uid));
  for (const ref of [...(status.active ?? [])]) {
    if (listedUids.has(ref.uid)) continue;
    const live = await context.store.find<Job>('Job', ref.namespace ?? 'default', ref.name ?? '');
    if (!live) {
      status.active = (status.active ?? []).filter((entry) => entry.uid !== ref.uid);
      await context.recorder.record(
        cronJob,
        'Normal',
        'MissingJob',
        `Active job went missing: ${ref.name ?? ''}`,
      );
    }
  }
  cronJob.status = status;
  return cronJob;
}

/**
 * Decides whether a Job is due now and creates it; returns when to look again. `deletedJobs`
 * are the Jobs this sync's history cleanup deleted.
 */
async function scheduleNextJob(
  cronJob: CronJob,
  deletedJobs: Job[],
  context: CronJobSyncContext,
): Promise<{ requeueAfterMs?: number }> {
  const { now, recorder } = context;
  const spec = cronJob.spec;
  if (cronJob.metadata.deletionTimestamp) return {};

  const timeZone = spec.timeZone;
  if (timeZone !== undefined && !isKnownTimeZone(timeZone)) {
    await recorder.record(
      cronJob,
      'Warning',
      'UnknownTimeZone',
      `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}`,
    );
    return {};
  }
  if (spec.suspend === true) return {};

  if (spec.schedule.includes('TZ')) {
    await recorder.record(
      cronJob,
      'Warning',
      'UnsupportedSchedule',
      `CRON_TZ or TZ used in schedule "${spec.schedule}" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`,
    );
  }

  let schedule: Schedule;
  try {
    schedule = scheduleOf(cronJob, context.defaultDstPolicy);
  } catch (error) {
    await recorder.record(
      cronJob,
      'Warning',
      'UnparseableSchedule',
      `unparseable schedule: "${spec.schedule}" : ${(error as Error).message}`,
    );
    return {};
  }

  let due: number | undefined;
  try {
    const found = mostRecentScheduleTime(cronJob, now, schedule, true);
    due = found.mostRecent;
    if (due !== undefined && found.missed === 'many') {
      await recorder.record(
        cronJob,
        'Warning',
        'TooManyMissedTimes',
        'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
      );
    }
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    await recorder.record(
      cronJob,
      'Warning',
      'InvalidSchedule',
      `invalid schedule: ${spec.schedule} : ${error.message}`,
    );
    return {};
  }

  const requeue = (): { requeueAfterMs?: number } => {
    const delay = nextScheduleDelay(cronJob, now, schedule);
    return delay === undefined ? {} : { requeueAfterMs: delay };
  };
  if (due === undefined || due > now) return requeue();

  const status = cronJob.status ?? {};
  const jobName = jobNameFor(cronJob.metadata.name, due);
  const namespace = cronJob.metadata.namespace ?? 'default';
  const alreadyActive = (status.active ?? []).some(
    (ref) => ref.name === jobName && (ref.namespace ?? 'default') === namespace,
  );
  const lastScheduled = status.lastScheduleTime ? Date.parse(status.lastScheduleTime) : undefined;
  if (alreadyActive || lastScheduled === due) return requeue();

  // A finished Job of this activation that the status never recorded (the server stopped
  // between the create and the status write) was just deleted by history cleanup. Creating
  // it again would run the activation twice, so it is recorded as scheduled instead.
  // NOTE: a Job that ttlSecondsAfterFinished deleted before this sync is not seen here.
  const ranAlready = deletedJobs.some(
    (job) =>
      job.metadata.name === jobName && controllerOf(job.metadata)?.uid === cronJob.metadata.uid,
  );
  if (ranAlready) {
    status.lastScheduleTime = toRfc3339(due);
    cronJob.status = status;
    return requeue();
  }

  if (spec.concurrencyPolicy === 'Forbid' && (status.active ?? []).length > 0) {
    await recorder.record(
      cronJob,
      'Normal',
      'JobAlreadyActive',
      'Not starting job because prior execution is running and concurrency policy is Forbid',
    );
    return requeue();
  }
  if (spec.concurrencyPolicy === 'Replace') {
    for (const ref of [...(status.active ?? [])]) {
      await replaceActiveJob(cronJob, ref, context);
    }
  }

  const created = await createScheduledJob(cronJob, due, context);
  if (created === 'stop') return {};

  status.active = [...(status.active ?? []), referenceTo(created)];
  status.lastScheduleTime = toRfc3339(due);
  cronJob.status = status;
  return requeue();
}

/** Deletes one active Job for concurrencyPolicy Replace. */
async function replaceActiveJob(
  cronJob: CronJob,
  ref: ObjectReference,
  context: CronJobSyncContext,
): Promise<void> {
  const namespace = ref.namespace ?? 'default';
  const name = ref.name ?? '';
  let job: Job;
  try {
    job = await context.store.get<Job>('Job', namespace, name);
  } catch (error) {
    await context.recorder.record(
      cronJob,
      'Warning',
      'FailedGet',
      `Get job: ${(error as Error).message}`,
    );
    throw error;
  }
  try {
    await context.store.delete<Job>('Job', namespace, name, { uid: job.metadata.uid });
  } catch (error) {
    await context.recorder.record(
      cronJob,
      'Warning',
      'FailedDelete',
      `Deleted job: ${(error as Error).message}`,
    );
    throw new Error(`could not replace job ${namespace}/${name}`, { cause: error });
  }
  const status = cronJob.status ?? {};
  status.active = (status.active ?? []).filter((entry) => entry.uid !== ref.uid);
  cronJob.status = status;
  await context.recorder.record(cronJob, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
}

/**
 * Creates the Job for `due`. On AlreadyExists it adopts a Job this CronJob owns but forgot (a
 * crash between create and status write) and stops for a Job owned by someone else.
 */
async function createScheduledJob(
  cronJob: CronJob,
  due: number,
  context: CronJobSyncContext,
): Promise<Job | 'stop'> {
  const request = jobFromTemplate(cronJob, due);
  try {
    const created = await context.createJob(request, context.now);
    await context.recorder.record(
      cronJob,
      'Normal',
      'SuccessfulCreate',
      `Created job ${created.metadata.name}`,
    );
    context.onJobCreated?.(cronJob, created, (context.now - due) / 1000);
    return created;
  } catch (error) {
    if (!(error instanceof AlreadyExistsError)) {
      await context.recorder.record(
        cronJob,
        'Warning',
        'FailedCreate',
        `Error creating job: ${(error as Error).message}`,
      );
      throw error;
    }
  }

  const existing = await context.store
    .get<Job>('Job', request.metadata.namespace ?? 'default', request.metadata.name)
    .catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
  if (!existing) throw new Error(`job ${request.metadata.name} was reported to exist but is gone`);
  const owner = controllerOf(existing.metadata);
  if (owner?.kind !== 'CronJob' || owner.uid !== cronJob.metadata.uid) return 'stop';
  const active = cronJob.status?.active ?? [];
  if (active.some((ref) => ref.uid === existing.metadata.uid)) return 'stop';
  return existing;
}

function referenceTo(job: Job): ObjectReference {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace ?? 'default',
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion,
  };
}
