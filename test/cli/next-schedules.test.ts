import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import type { CronJob } from '../../src/api/types.js';
import { nextSchedules, scheduleDescription } from '../../src/cli/format/next-schedules.js';

function cronJob(schedule: string, timeZone?: string, dstPolicy?: string): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: 'report',
      namespace: 'default',
      ...(dstPolicy === undefined ? {} : { annotations: { 'cronmesh.io/dst-policy': dstPolicy } }),
    },
    spec: {
      schedule,
      ...(timeZone === undefined ? {} : { timeZone }),
      jobTemplate: {
        spec: { template: { spec: { containers: [{ name: 'report', image: 'busybox' }] } } },
      },
    },
  };
}

void describe('describe cronjob schedules', () => {
  void test('description of the schedule', () => {
    assert.equal(
      scheduleDescription(cronJob('0 0 1-7 * 1')),
      'At 00:00, between day 1 and 7 of the month or on Monday',
    );
  });

  void test('no description when invalid', () => {
    assert.equal(scheduleDescription(cronJob('cron(0 12 ? * MON-FRI *)')), undefined);
  });

  void test('next times carry DST notes', () => {
    const next = nextSchedules(
      cronJob('0 2 * * *', 'US/Pacific'),
      Date.parse('2025-03-08T12:00:00Z'),
      2,
    );
    assert.deepEqual(next.times, [
      {
        instant: Date.parse('2025-03-09T10:00:00Z'),
        text: '2025-03-09T03:00:00-07:00',
        notes: [
          '02:00 does not exist on this day: moved to the first instant after the DST change',
        ],
      },
      { instant: Date.parse('2025-03-10T09:00:00Z'), text: '2025-03-10T02:00:00-07:00', notes: [] },
    ]);
  });

  void test('kubernetes policy notes the skip', () => {
    const next = nextSchedules(
      cronJob('0 2 * * *', 'US/Pacific', 'kubernetes'),
      Date.parse('2025-03-08T12:00:00Z'),
      1,
    );
    assert.deepEqual(next.times, [
      {
        instant: Date.parse('2025-03-10T09:00:00Z'),
        text: '2025-03-10T02:00:00-07:00',
        notes: ['02:00 on 2025-03-09 did not exist (DST change), so it was skipped'],
      },
    ]);
  });
});
