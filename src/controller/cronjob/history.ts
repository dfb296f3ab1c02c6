import type { CronJob, Job } from '../../api/types.js';
import { finishedCondition } from '../conditions.js';
import type { CronJobSyncContext } from './sync.js';

/**
 * Orders Jobs for history cleanup as Kubernetes does: by `status.startTime` ascending, Jobs
 * without a start time after all others, and ties (or both missing) by name.
 */
export function byJobStartTime(a: Job, b: Job): number {
  const aStart = a.status?.startTime;
  const bStart = b.status?.startTime;
  if (aStart === undefined && bStart !== undefined) return 1;
  if (aStart !== undefined && bStart === undefined) return -1;
  if (aStart !== undefined && bStart !== undefined && aStart !== bStart) {
    return Date.parse(aStart) - Date.parse(bStart);
  }
  if (a.metadata.name < b.metadata.name) return -1;
  if (a.metadata.name > b.metadata.name) return 1;
  return 0;
}

/** Returns the Jobs to delete so that at most `limit` of `finished` remain, oldest first. */
export function jobsOverLimit(finished: Job[], limit: number | undefined): Job[] {
  if (limit === undefined || finished.length <= limit) return [];
  return [...finished].sort(byJobStartTime).slice(0, finished.length - limit);
}

/**
 * Deletes finished Jobs beyond `successfulJobsHistoryLimit` and `failedJobsHistoryLimit`,
 * removing them from `status.active` (mutates `cronJob.status`), and returns the deleted Jobs.
 * The caller keeps working with the Jobs it listed before, deleted ones included, as the
 * Kubernetes controller does not re-list.
 */
export async function cleanupFinishedJobs(
  cronJob: CronJob,
  jobs: Job[],
  context: CronJobSyncContext,
): Promise<Job[]> {
  const deleted: Job[] = [];
  const { successfulJobsHistoryLimit, failedJobsHistoryLimit } = cronJob.spec;
  if (successfulJobsHistoryLimit === undefined && failedJobsHistoryLimit === undefined) {
    return deleted;
  }

  const successful = jobs.filter((job) => finishedCondition(job) === 'Complete');
  const failed = jobs.filter((job) => finishedCondition(job) === 'Failed');
  const doomed = [
    ...jobsOverLimit(successful, successfulJobsHistoryLimit),
    ...jobsOverLimit(failed, failedJobsHistoryLimit),
  ];

  for (const job of doomed) {
    try {
      await context.store.delete<Job>(
        'Job',
        job.metadata.namespace ?? 'default',
        job.metadata.name,
        {
          uid: job.metadata.uid,
        },
      );
    } catch (error) {
      await context.recorder.record(
        cronJob,
        'Warning',
        'FailedDelete',
        `Deleted job: ${(error as Error).message}`,
      );
      continue;
    }
    deleted.push(job);
    const status = cronJob.status ?? {};
    status.active = (status.active ?? []).filter((ref) => ref.uid !== job.metadata.uid);
    cronJob.status = status;
    await context.recorder.record(
      cronJob,
      'Normal',
      'SuccessfulDelete',
      `Deleted job ${job.metadata.name}`,
    );
  }
  return deleted;
}
