// Ports of TestMostRecentScheduleTime, TestNextScheduleTime and TestNextScheduleTimeDuration from
// Kubernetes' pkg/controller/cronjob/utils_test.go @ 8921bcdb70d8b3cc58dde1c47adfd68650219e25.
// Instants are on 2016-05-19 (a Thursday) in UTC unless a row gives another date. Expected
// delays leave out the 100 ms that Kubernetes adds to each requeue, which cronmesh does not add.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob } from '../../../src/api/types.js';
import type { MissedSchedules } from '../../../src/controller/cronjob/due-time.js';
import {
  InvalidScheduleError,
  mostRecentScheduleTime,
  nextScheduleDelay,
} from '../../../src/controller/cronjob/due-time.js';
import { compileSchedule } from '../../../src/schedule/index.js';
import { at, iso, newCronJob } from './fixtures.js';

function cronJobWith(
  schedule: string,
  created: string,
  lastScheduleTime?: string,
  startingDeadlineSeconds?: number,
): CronJob {
  const cronJob = newCronJob({ schedule }, at(created));
  if (startingDeadlineSeconds !== undefined) {
    cronJob.spec.startingDeadlineSeconds = startingDeadlineSeconds;
  }
  if (lastScheduleTime !== undefined) cronJob.status = { lastScheduleTime };
  return cronJob;
}

function compile(schedule: string) {
  return compileSchedule(schedule, { timeZone: 'UTC', dstPolicy: 'kubernetes' });
}

interface MostRecentCase {
  name: string;
  schedule: string;
  created: string;
  lastScheduleTime?: string;
  startingDeadlineSeconds?: number;
  includeStartingDeadline: boolean;
  now: string;
  expectEarliest: string;
  expectMostRecent: string | undefined;
  expectMissed: MissedSchedules;
}

const mostRecentCases: MostRecentCase[] = [
  {
    name: 'now before the first activation',
    schedule: '0 * * * *',
    created: '2016-05-19T10:00:00Z',
    includeStartingDeadline: false,
    now: '2016-05-19T10:00:30Z',
    expectEarliest: '2016-05-19T10:00:00Z',
    expectMostRecent: undefined,
    expectMissed: 'none',
  },
  {
    name: 'now just after the first activation',
    schedule: '0 * * * *',
    created: '2016-05-19T10:00:00Z',
    includeStartingDeadline: false,
    now: '2016-05-19T11:01:00Z',
    expectEarliest: '2016-05-19T10:00:00Z',
    expectMostRecent: '2016-05-19T11:00:00Z',
    expectMissed: 'none',
  },
  {
    name: 'five activations missed',
    schedule: '0 * * * *',
    created: '2016-05-19T10:00:10Z',
    includeStartingDeadline: false,
    now: '2016-05-19T15:01:00Z',
    expectEarliest: '2016-05-19T10:00:10Z',
    expectMostRecent: '2016-05-19T15:00:00Z',
    expectMissed: 'few',
  },
  {
    name: 'every four hours on weekdays, a day later',
    schedule: '30 6-16/4 * * 1-5',
    created: '2016-05-19T10:00:00Z',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    includeStartingDeadline: false,
    now: '2016-05-20T10:31:00Z',
    expectEarliest: '2016-05-19T10:30:00Z',
    expectMostRecent: '2016-05-20T10:30:00Z',
    expectMissed: 'few',
  },
  {
    // The missed count is estimated from the first gap (one hour), so the walk starts at
    // Friday 15:30 and finds nothing before now. Friday 10:30, 11:30 and 12:30 are lost.
    name: 'three times a day on weekdays loses the due time',
    schedule: '30 10,11,12 * * 1-5',
    created: '2016-05-19T10:00:00Z',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    includeStartingDeadline: false,
    now: '2016-05-20T16:30:00Z',
    expectEarliest: '2016-05-19T10:30:00Z',
    expectMostRecent: undefined,
    expectMissed: 'few',
  },
  {
    name: 'every four hours on weekdays, over a weekend',
    schedule: '30 6-16/4 * * 1-5',
    created: '2016-05-19T10:00:00Z',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    includeStartingDeadline: false,
    now: '2016-05-23T10:31:00Z',
    expectEarliest: '2016-05-19T10:30:00Z',
    expectMostRecent: '2016-05-23T10:30:00Z',
    expectMissed: 'few',
  },
  {
    name: 'every four hours on weekdays, never ran',
    schedule: '30 6-16/4 * * 1-5',
    created: '2016-05-19T10:00:00Z',
    includeStartingDeadline: false,
    now: '2016-05-20T10:31:00Z',
    expectEarliest: '2016-05-19T10:00:00Z',
    expectMostRecent: '2016-05-20T10:30:00Z',
    expectMissed: 'few',
  },
  {
    name: '@every 1h a week later',
    schedule: '@every 1h',
    created: '2016-05-19T09:01:00Z',
    lastScheduleTime: '2016-05-19T10:01:00Z',
    startingDeadlineSeconds: 10,
    includeStartingDeadline: false,
    now: '2016-05-26T10:00:00Z',
    expectEarliest: '2016-05-19T10:01:00Z',
    expectMostRecent: '2016-05-26T09:01:00Z',
    expectMissed: 'many',
  },
  {
    name: 'created and last scheduled at the same instant',
    schedule: '0 * * * *',
    created: '2016-05-19T10:00:00Z',
    lastScheduleTime: '2016-05-19T10:00:00Z',
    includeStartingDeadline: false,
    now: '2016-05-19T10:00:30Z',
    expectEarliest: '2016-05-19T10:00:00Z',
    expectMostRecent: undefined,
    expectMissed: 'none',
  },
  {
    name: 'search starts at lastScheduleTime',
    schedule: '*/5 * * * *',
    created: '2016-05-19T10:00:00Z',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    includeStartingDeadline: false,
    now: '2016-05-19T10:31:00Z',
    expectEarliest: '2016-05-19T10:30:00Z',
    expectMostRecent: undefined,
    expectMissed: 'none',
  },
  {
    name: 'deadline ignored when not included',
    schedule: '*/5 * * * *',
    created: '2016-05-19T10:00:00Z',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    startingDeadlineSeconds: 60,
    includeStartingDeadline: false,
    now: '2016-05-19T10:31:00Z',
    expectEarliest: '2016-05-19T10:30:00Z',
    expectMostRecent: undefined,
    expectMissed: 'none',
  },
  {
    name: 'deadline moves the search start',
    schedule: '*/5 * * * *',
    created: '2016-05-19T10:00:00Z',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    startingDeadlineSeconds: 60,
    includeStartingDeadline: true,
    now: '2016-05-19T10:32:00Z',
    expectEarliest: '2016-05-19T10:31:00Z',
    expectMostRecent: undefined,
    expectMissed: 'none',
  },
];

void describe('mostRecentScheduleTime', () => {
  for (const row of mostRecentCases) {
    void test(row.name, () => {
      const cronJob = cronJobWith(
        row.schedule,
        row.created,
        row.lastScheduleTime,
        row.startingDeadlineSeconds,
      );
      const found = mostRecentScheduleTime(
        cronJob,
        at(row.now),
        compile(row.schedule),
        row.includeStartingDeadline,
      );
      assert.equal(iso(found.earliest), row.expectEarliest);
      assert.equal(
        found.mostRecent === undefined ? undefined : iso(found.mostRecent),
        row.expectMostRecent,
      );
      assert.equal(found.missed, row.expectMissed);
    });
  }

  void test('impossible date is an error', () => {
    const cronJob = cronJobWith('59 23 31 2 *', '2016-05-19T10:00:10Z');
    assert.throws(
      () =>
        mostRecentScheduleTime(cronJob, at('2016-05-19T11:00:00Z'), compile('59 23 31 2 *'), false),
      (error: unknown) => {
        assert.ok(error instanceof InvalidScheduleError);
        assert.equal(error.code, 'InvalidSchedule');
        assert.equal(error.message, 'time difference between two schedules is less than 1 second');
        return true;
      },
    );
  });
});

// Upstream's nextScheduleTime is mostRecentScheduleTime with the deadline, keeping only a due
// time at or before now. Its TooManyMissedTimes event is checked in the sync tests.
interface DueCase {
  name: string;
  created: string;
  lastScheduleTime?: string;
  startingDeadlineSeconds?: number;
  now: string;
  expectDue: string | undefined;
  expectMissed: MissedSchedules;
}

const dueCases: DueCase[] = [
  {
    name: 'never ran, nothing due yet',
    created: '2016-05-19T09:50:00Z',
    now: '2016-05-19T09:53:00Z',
    expectDue: undefined,
    expectMissed: 'none',
  },
  {
    name: 'never ran, first activation due',
    created: '2016-05-19T09:50:00Z',
    now: '2016-05-19T10:00:02Z',
    expectDue: '2016-05-19T10:00:00Z',
    expectMissed: 'none',
  },
  {
    name: 'ran at 10:00, nothing due at 10:02',
    created: '2016-05-19T09:50:00Z',
    lastScheduleTime: '2016-05-19T10:00:00Z',
    now: '2016-05-19T10:02:00Z',
    expectDue: undefined,
    expectMissed: 'none',
  },
  {
    name: 'ran at 10:00, 11:00 due at 11:05',
    created: '2016-05-19T09:50:00Z',
    lastScheduleTime: '2016-05-19T10:00:00Z',
    now: '2016-05-19T11:05:00Z',
    expectDue: '2016-05-19T11:00:00Z',
    expectMissed: 'none',
  },
  {
    name: 'ran at 09:00, two activations due at 11:05',
    created: '2016-05-19T08:00:00Z',
    lastScheduleTime: '2016-05-19T09:00:00Z',
    now: '2016-05-19T11:05:00Z',
    expectDue: '2016-05-19T11:00:00Z',
    expectMissed: 'few',
  },
  {
    name: 'ten days late without a deadline',
    created: '2016-05-19T08:00:00Z',
    lastScheduleTime: '2016-05-19T09:00:00Z',
    now: '2016-05-29T11:00:00Z',
    expectDue: '2016-05-29T11:00:00Z',
    expectMissed: 'many',
  },
  {
    name: 'ten days late with a two-hour deadline',
    created: '2016-05-19T08:00:00Z',
    lastScheduleTime: '2016-05-19T09:00:00Z',
    startingDeadlineSeconds: 7200,
    now: '2016-05-29T11:00:00Z',
    expectDue: '2016-05-29T11:00:00Z',
    expectMissed: 'few',
  },
];

void describe('due time with the starting deadline', () => {
  const hourly = '0 * * * ?';
  for (const row of dueCases) {
    void test(row.name, () => {
      const cronJob = cronJobWith(
        hourly,
        row.created,
        row.lastScheduleTime,
        row.startingDeadlineSeconds,
      );
      const found = mostRecentScheduleTime(cronJob, at(row.now), compile(hourly), true);
      assert.equal(
        found.mostRecent === undefined ? undefined : iso(found.mostRecent),
        row.expectDue,
      );
      assert.equal(found.missed, row.expectMissed);
    });
  }
});

interface DelayCase {
  name: string;
  schedule: string;
  lastScheduleTime?: string;
  now: string;
  expectDelayMs: number;
}

const delayCases: DelayCase[] = [
  {
    // Friday 10:30 ran late, and the next activation is Friday 14:30.
    name: 'every four hours on weekdays',
    schedule: '30 6-16/4 * * 1-5',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    now: '2016-05-20T10:31:00Z',
    expectDelayMs: 3 * 3_600_000 + 59 * 60_000,
  },
  {
    // The due time was lost (see above), so the delay runs from now to Monday 10:30, 66 h.
    name: 'three times a day on weekdays, over a weekend',
    schedule: '30 10,11,12 * * 1-5',
    lastScheduleTime: '2016-05-19T10:30:00Z',
    now: '2016-05-20T16:30:00Z',
    expectDelayMs: 66 * 3_600_000,
  },
  {
    // Thursdays at 12:00. June 2 was missed, and June 9 is 48.5 h after Tuesday 11:30.
    name: 'weekly, two runs missed',
    schedule: '0 12 * * 4',
    lastScheduleTime: '2016-05-19T12:00:00Z',
    now: '2016-06-07T11:30:00Z',
    expectDelayMs: 48 * 3_600_000 + 30 * 60_000,
  },
  {
    name: 'weekly, never ran',
    schedule: '0 12 * * 5',
    now: '2016-05-19T16:00:00Z',
    expectDelayMs: 20 * 3_600_000,
  },
];

void describe('nextScheduleDelay', () => {
  for (const row of delayCases) {
    void test(row.name, () => {
      const cronJob = cronJobWith(row.schedule, '2016-05-19T10:00:00Z', row.lastScheduleTime);
      assert.equal(
        nextScheduleDelay(cronJob, at(row.now), compile(row.schedule)),
        row.expectDelayMs,
      );
    });
  }

  void test('schedule that never fires has no delay', () => {
    const cronJob = cronJobWith('0 0 31 4 *', '2016-05-19T10:00:00Z');
    assert.equal(
      nextScheduleDelay(cronJob, at('2016-05-19T11:00:00Z'), compile('0 0 31 4 *')),
      undefined,
    );
  });
});
