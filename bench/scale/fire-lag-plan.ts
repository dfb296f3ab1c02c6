// The CronJobs of the fire-lag scenario: a set that fires together at one minute boundary and
// the rest, spread hourly over minutes that the run does not reach.

import type { CronJob } from '../../src/api/types.js';

export const FIRE_LAG_NAMESPACE = 'default';
/** Name prefix of the CronJobs that fire together; the others start with `other-`. */
export const SIMULTANEOUS_PREFIX = 'fire-';
/** Attempts the embedded worker runs at once: the default of `cronmesh serve`. */
export const FIRE_LAG_WORKER_CONCURRENCY = 4;
/** The command every CronJob's Job runs. */
export const FIRE_LAG_COMMAND = '/bin/true';

const MINUTE_MS = 60_000;
/**
 * Minutes after the seeding starts in which no `other-` CronJob fires. A run ends within about
 * four minutes of its start, so the fire it measures is the only one during the run.
 */
export const QUIET_MINUTES = 7;

/** Returns the first minute boundary at or after `instant`. */
export function nextMinuteBoundary(instant: number): number {
  return Math.ceil(instant / MINUTE_MS) * MINUTE_MS;
}

/** Returns the hourly minutes (0-59) outside the quiet window that starts at `seedStart`. */
export function busyMinutes(seedStart: number): number[] {
  const first = Math.floor(seedStart / MINUTE_MS) % 60;
  const quiet = new Set(Array.from({ length: QUIET_MINUTES }, (_, index) => (first + index) % 60));
  return Array.from({ length: 60 }, (_, minute) => minute).filter((minute) => !quiet.has(minute));
}

/** Returns true when `targetAt` lies inside the quiet window that starts at `seedStart`. */
export function isInQuietWindow(seedStart: number, targetAt: number): boolean {
  const windowStart = Math.floor(seedStart / MINUTE_MS) * MINUTE_MS;
  return targetAt >= windowStart && targetAt < windowStart + QUIET_MINUTES * MINUTE_MS;
}

/** Builds the manifest of one CronJob that runs FIRE_LAG_COMMAND hourly at `minute` (UTC). */
export function cronJobManifest(name: string, minute: number): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: FIRE_LAG_NAMESPACE },
    spec: {
      schedule: `${minute} * * * *`,
      timeZone: 'UTC',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: 'none', command: [FIRE_LAG_COMMAND] }],
            },
          },
        },
      },
    },
  };
}

/** Returns the name of the `index`-th CronJob of the simultaneous set. */
export function simultaneousName(index: number): string {
  return `${SIMULTANEOUS_PREFIX}${index}`;
}

/** Returns the name of the `index`-th CronJob outside the simultaneous set. */
export function otherName(index: number): string {
  return `other-${index}`;
}
