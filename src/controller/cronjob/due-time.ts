import type { CronJob } from '../../api/types.js';
import type { Schedule } from '../../schedule/index.js';

/** More missed activations than this emit TooManyMissedTimes. */
export const MANY_MISSED_THRESHOLD = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

export interface MostRecentSchedule {
  /** The instant the search started after: lastScheduleTime, creationTimestamp or now − deadline. */
  earliest: number;
  /** The latest activation at or before `now`, if any. */
  mostRecent: number | undefined;
  missed: MissedSchedules;
}

export class InvalidScheduleError extends Error {
  readonly code = 'InvalidSchedule';
}

/** Returns lastScheduleTime, else creationTimestamp, in milliseconds. */
export function scheduleAnchor(cronJob: CronJob): number {
  const text = cronJob.status?.lastScheduleTime ?? cronJob.metadata.creationTimestamp;
  if (text === undefined)
    throw new Error(`CronJob ${cronJob.metadata.name} has no creationTimestamp`);
  return Date.parse(text);
}

/**
 * Finds the most recent activation in (earliest, now], the way the Kubernetes CronJob controller
 * does. The count of missed activations is estimated from the first gap only, so an irregular
 * schedule can lose its due time (`30 10,11,12 * * 1-5` after a day off): that is upstream
 * behaviour and is reproduced on purpose.
 */
export function mostRecentScheduleTime(
  cronJob: CronJob,
  now: number,
  schedule: Schedule,
  includeStartingDeadline: boolean,
): MostRecentSchedule {
  let earliest = scheduleAnchor(cronJob);
  const deadlineSeconds = cronJob.spec.startingDeadlineSeconds;
  if (includeStartingDeadline && deadlineSeconds !== undefined && deadlineSeconds !== null) {
    earliest = Math.max(earliest, now - deadlineSeconds * 1000);
  }

  const first = schedule.next(earliest);
  // robfig returns the zero time when nothing fires within five years. Upstream then computes a
  // gap below one second between two zero times, so the same error is raised here.
  if (first === null) {
    throw new InvalidScheduleError('time difference between two schedules is less than 1 second');
  }
  if (now < first) return { earliest, mostRecent: undefined, missed: 'none' };

  const second = schedule.next(first);
  if (second !== null && now < second) return { earliest, mostRecent: first, missed: 'none' };

  const intervalSeconds = second === null ? 0 : Math.round((second - first) / 1000);
  if (intervalSeconds < 1) {
    throw new InvalidScheduleError('time difference between two schedules is less than 1 second');
  }
  const elapsedSeconds = Math.trunc((now - first) / 1000);
  const missedCount = Math.trunc(elapsedSeconds / intervalSeconds) + 1;

  // Start one interval before the estimated last activation and let the schedule walk forward.
  let cursor: number | null = first + (missedCount - 2) * intervalSeconds * 1000;
  let mostRecent: number | undefined;
  for (
    cursor = schedule.next(cursor);
    cursor !== null && cursor <= now;
    cursor = schedule.next(cursor)
  ) {
    mostRecent = cursor;
  }
  return {
    earliest,
    mostRecent,
    missed: missedCount > MANY_MISSED_THRESHOLD ? 'many' : 'few',
  };
}

/**
 * Returns the delay until the next reconcile: the next activation after the most recent one
 * (ignoring startingDeadlineSeconds), or undefined when the schedule never fires.
 *
 * Kubernetes adds 100 ms (nextScheduleDelta in cronjob_controllerv2.go), because its queue can
 * wake a key a hair before the fire time, and a sync then finds nothing due. The WorkQueue
 * re-arms a timer that fires before its instant, so the delay here ends at the activation itself
 * and the Job is created without that lag.
 */
export function nextScheduleDelay(
  cronJob: CronJob,
  now: number,
  schedule: Schedule,
): number | undefined {
  let anchor: number;
  try {
    const found = mostRecentScheduleTime(cronJob, now, schedule, false);
    if (found.mostRecent !== undefined) anchor = found.mostRecent;
    else if (found.missed === 'none') anchor = found.earliest;
    else anchor = now;
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    anchor = now;
  }
  const next = schedule.next(anchor);
  if (next === null) return undefined;
  return next - now;
}
