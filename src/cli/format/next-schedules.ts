import { DST_POLICY_ANNOTATION } from '../../api/annotations.js';
import type { CronJob } from '../../api/types.js';
import type { DstPolicy } from '../../schedule/index.js';
import {
  ScheduleParseError,
  compileSchedule,
  describeSchedule,
  formatInZone,
  isDstPolicy,
  markFireTimes,
} from '../../schedule/index.js';

/** At most this many `@every` intervals are stepped through to reach the present. */
const maxEverySteps = 100_000;

export interface NextSchedules {
  dstPolicy: DstPolicy;
  /** Whether the policy came from the CronJob's annotation instead of the default. */
  fromAnnotation: boolean;
  /**
   * RFC 3339 times in the schedule's zone, with their instants in milliseconds and the notes of
   * their DST marks.
   */
  times: { instant: number; text: string; notes: string[] }[];
}

/** Describes a CronJob's schedule in English, or returns undefined when it does not parse. */
export function scheduleDescription(cronJob: CronJob): string | undefined {
  try {
    return describeSchedule(cronJob.spec.schedule, 'kubernetes');
  } catch (error) {
    if (error instanceof ScheduleParseError) return undefined;
    throw error;
  }
}

/**
 * Computes the next `count` fire times of a CronJob after `now`, in its time zone and with the
 * DST policy of its `cronmesh.io/dst-policy` annotation. Throws ScheduleParseError for an
 * invalid schedule.
 *
 * NOTE: without the annotation the times assume the `cron` policy, the default of
 * `cronmesh serve --dst-policy`. A server started with `--dst-policy kubernetes` can fire at
 * other times on days when daylight saving time changes.
 */
export function nextSchedules(cronJob: CronJob, now: number, count: number): NextSchedules {
  const annotation = cronJob.metadata.annotations?.[DST_POLICY_ANNOTATION];
  const fromAnnotation = isDstPolicy(annotation);
  const dstPolicy: DstPolicy = isDstPolicy(annotation) ? annotation : 'cron';
  const options: { timeZone?: string; dstPolicy: DstPolicy } = { dstPolicy };
  if (cronJob.spec.timeZone !== undefined) options.timeZone = cronJob.spec.timeZone;
  const schedule = compileSchedule(cronJob.spec.schedule, options);

  let from = now;
  if (cronJob.spec.schedule.trim().startsWith('@every')) {
    from = everyAnchor(cronJob, now, (time) => schedule.next(time));
  }

  const instants: number[] = [];
  while (instants.length < count) {
    const next = schedule.next(from);
    if (next === null) break;
    from = next;
    if (next > now) instants.push(next);
  }
  const times = markFireTimes(schedule, instants, now).map(({ time, marks }) => ({
    instant: time,
    text: formatInZone(time, schedule.timeZone),
    notes: marks.map((mark) => mark.note),
  }));
  return { dstPolicy, fromAnnotation, times };
}

/**
 * Returns the last `@every` fire time at or before `now`, because the controller counts the
 * intervals from the last schedule time (or the creation time), not from now. Returns `now`
 * when that anchor is unknown, in the future, or more than `maxEverySteps` intervals back.
 */
function everyAnchor(cronJob: CronJob, now: number, next: (time: number) => number | null): number {
  const anchorText = cronJob.status?.lastScheduleTime ?? cronJob.metadata.creationTimestamp;
  const anchor = anchorText === undefined ? Number.NaN : Date.parse(anchorText);
  if (Number.isNaN(anchor) || anchor > now) return now;

  let current = anchor;
  for (let step = 0; step < maxEverySteps; step++) {
    const following = next(current);
    if (following === null || following > now) return current;
    current = following;
  }
  return now;
}
