// Port of the hourly cases of Kubernetes' TestControllerV2SyncCronJob
// (pkg/controller/cronjob/cronjob_controllerv2_test.go @ 1c9cf914f2f951313b8e9f7c321f5bd50b5e3d9f).
// Upstream checks counts (created, deleted, active, warnings) and the requeue duration. These rows
// write out the stored outcome, every event, and the requeue delay in milliseconds.
// Instants are on 2016-05-19 in UTC unless a row gives another date.
import { describe, test } from 'node:test';
import { forEachPolicy, runSyncCase } from './sync-table.js';
import type { SyncCase } from './sync-table.js';

const HOURLY = '0 * * * ?';
const SHORT_DEADLINE = 10;
const MEDIUM_DEADLINE = 2 * 60 * 60;
const LONG_DEADLINE = 1_000_000;

const created = (job: string): string => `Normal SuccessfulCreate: Created job ${job}`;
const TOO_MANY_MISSED =
  'Warning TooManyMissedTimes: too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew';

/** Never ran: created at 09:59, no status. */
const neverRan = {
  spec: { schedule: HOURLY },
  cronJobCreated: '2016-05-19T09:59:00Z',
  expectJobs: [],
  expectActive: [],
  expectLastScheduleTime: undefined,
} satisfies Partial<SyncCase>;

/** Created at 08:59, last scheduled 09:01, and that Job completed at 09:01:10. */
const ranAndFinished = {
  spec: { schedule: HOURLY },
  cronJobCreated: '2016-05-19T08:59:00Z',
  lastScheduleTime: '2016-05-19T09:01:00Z',
  earlier: { created: '2016-05-19T09:01:00Z', running: false },
  expectLastSuccessfulTime: '2016-05-19T09:01:10Z',
} satisfies Partial<SyncCase>;

/** Created at 08:59, last scheduled 09:01, and that Job is still running. */
const stillRunning = {
  spec: { schedule: HOURLY },
  cronJobCreated: '2016-05-19T08:59:00Z',
  lastScheduleTime: '2016-05-19T09:01:00Z',
  earlier: { created: '2016-05-19T09:01:00Z', running: true },
} satisfies Partial<SyncCase>;

/** A Job created for 10:00 is running; the sync runs at 10:01:00.1. */
const startedThisHour = {
  spec: { schedule: HOURLY, startingDeadlineSeconds: LONG_DEADLINE },
  cronJobCreated: '2016-05-19T08:59:00Z',
  lastScheduleTime: '2016-05-19T09:01:00Z',
  earlier: { created: '2016-05-19T10:00:00.100Z', running: true },
  now: '2016-05-19T10:01:00.100Z',
  expectEvents: [],
  // 11:00:00 - 10:01:00.1
  expectRequeueMs: 3_539_900,
  expectJobs: ['mycronjob-24394200'],
  expectActive: ['mycronjob-24394200'],
  expectLastScheduleTime: '2016-05-19T09:01:00Z',
} satisfies Partial<SyncCase>;

const neverRanCases: SyncCase[] = [
  ...forEachPolicy({
    ...neverRan,
    name: 'unparseable schedule',
    spec: { schedule: 'obvious error schedule' },
    now: '2016-05-19T09:59:00Z',
    expectEvents: [
      'Warning UnparseableSchedule: unparseable schedule: "obvious error schedule" : expected exactly 5 fields, found 3: [obvious error schedule]',
    ],
    expectRequeueMs: undefined,
  }),
  {
    ...neverRan,
    name: 'time zone that does not load',
    spec: { schedule: HOURLY, timeZone: 'bad timezone' },
    now: '2016-05-19T09:59:00Z',
    expectEvents: [
      'Warning UnknownTimeZone: invalid timeZone: "bad timezone": unknown time zone bad timezone',
    ],
    expectRequeueMs: undefined,
  },
  ...forEachPolicy({
    ...neverRan,
    name: 'first activation not due yet',
    now: '2016-05-19T09:59:00Z',
    expectEvents: [],
    // 10:00:00 - 09:59
    expectRequeueMs: 60_000,
  }),
  {
    ...neverRan,
    name: 'first activation not due yet in New York',
    spec: { schedule: HOURLY, timeZone: 'America/New_York' },
    now: '2016-05-19T09:59:00Z',
    expectEvents: [],
    expectRequeueMs: 60_000,
  },
  ...forEachPolicy({
    ...neverRan,
    name: 'first activation due',
    now: '2016-05-19T10:01:00Z',
    expectEvents: [created('mycronjob-24394200')],
    // 11:00:00 - 10:01
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394200'],
    expectActive: ['mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  }),
  {
    ...neverRan,
    name: 'first activation due in New York',
    spec: { schedule: HOURLY, timeZone: 'America/New_York' },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [created('mycronjob-24394200')],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394200'],
    expectActive: ['mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  },
  {
    // The TZ= prefix wins over spec.timeZone, and every sync warns about it.
    ...neverRan,
    name: 'TZ prefix in the schedule beside timeZone',
    spec: { schedule: `TZ=UTC ${HOURLY}`, timeZone: 'America/New_York' },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [
      'Warning UnsupportedSchedule: CRON_TZ or TZ used in schedule "TZ=UTC 0 * * * ?" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details',
      created('mycronjob-24394200'),
    ],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394200'],
    expectActive: ['mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  },
  {
    ...neverRan,
    name: 'first activation due while suspended',
    spec: { schedule: HOURLY, suspend: true },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [],
    expectRequeueMs: undefined,
  },
  {
    // 10:00 is older than now - 10 s; the requeue ignores the deadline: 11:00:00 - 10:12.
    ...neverRan,
    name: 'first activation missed by its deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: SHORT_DEADLINE },
    now: '2016-05-19T10:12:00Z',
    expectEvents: [],
    expectRequeueMs: 2_880_000,
  },
  {
    ...neverRan,
    name: 'first activation within its deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: LONG_DEADLINE },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [created('mycronjob-24394200')],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394200'],
    expectActive: ['mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  },
];

const ranBeforeCases: SyncCase[] = [
  ...forEachPolicy({
    ...ranAndFinished,
    name: 'earlier Job done, next activation not due',
    now: '2016-05-19T09:59:00Z',
    expectEvents: [],
    expectRequeueMs: 60_000,
    expectJobs: ['mycronjob-24394141'],
    expectActive: [],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
  }),
  ...forEachPolicy({
    ...ranAndFinished,
    name: 'earlier Job done, next activation due',
    now: '2016-05-19T10:01:00Z',
    expectEvents: [created('mycronjob-24394200')],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394141', 'mycronjob-24394200'],
    expectActive: ['mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  }),
  {
    // Upstream fakes an AlreadyExists create error and a GET that returns a Job this CronJob
    // controls. Here the Job really exists, so the sync also lists it: not finished and not
    // in status.active, it draws UnexpectedJob before the create conflicts and adopts it.
    ...ranAndFinished,
    name: 'earlier Job done, due Job exists but is not active',
    spec: { schedule: HOURLY, concurrencyPolicy: 'Allow' },
    now: '2016-05-19T10:01:00Z',
    dueJobName: 'mycronjob-24394200',
    expectEvents: [
      'Warning UnexpectedJob: Saw a job that the controller did not create or forgot: mycronjob-24394200',
    ],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394141', 'mycronjob-24394200'],
    expectActive: ['mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  },
  {
    ...ranAndFinished,
    name: 'earlier Job done, suspended',
    spec: { schedule: HOURLY, suspend: true },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [],
    expectRequeueMs: undefined,
    expectJobs: ['mycronjob-24394141'],
    expectActive: [],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
  },
  {
    ...ranAndFinished,
    name: 'earlier Job done, activation missed by its deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: SHORT_DEADLINE },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394141'],
    expectActive: [],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
  },
  {
    ...ranAndFinished,
    name: 'earlier Job done, activation within its deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: LONG_DEADLINE },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [created('mycronjob-24394200')],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394141', 'mycronjob-24394200'],
    expectActive: ['mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  },
  {
    // The clock went back before the next activation; a Job named after 10:01 exists already.
    ...ranAndFinished,
    name: 'clock moved back after a later Job finished',
    spec: { schedule: HOURLY, concurrencyPolicy: 'Forbid' },
    earlier: { created: '2016-05-19T10:01:00Z', running: false },
    now: '2016-05-19T09:59:00Z',
    expectEvents: [],
    expectRequeueMs: 60_000,
    expectJobs: ['mycronjob-24394201'],
    expectActive: [],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
    expectLastSuccessfulTime: '2016-05-19T10:01:10Z',
  },
];

const runningCases: SyncCase[] = [
  ...forEachPolicy({
    ...stillRunning,
    name: 'earlier Job running, next activation not due',
    now: '2016-05-19T09:59:00Z',
    expectEvents: [],
    expectRequeueMs: 60_000,
    expectJobs: ['mycronjob-24394141'],
    expectActive: ['mycronjob-24394141'],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
  }),
  ...forEachPolicy(
    {
      ...stillRunning,
      name: 'earlier Job running, next activation due',
      now: '2016-05-19T10:01:00Z',
      expectEvents: [created('mycronjob-24394200')],
      expectRequeueMs: 3_540_000,
      expectJobs: ['mycronjob-24394141', 'mycronjob-24394200'],
      expectActive: ['mycronjob-24394141', 'mycronjob-24394200'],
      expectLastScheduleTime: '2016-05-19T10:00:00Z',
    },
    {
      Forbid: {
        expectEvents: [
          'Normal JobAlreadyActive: Not starting job because prior execution is running and concurrency policy is Forbid',
        ],
        expectJobs: ['mycronjob-24394141'],
        expectActive: ['mycronjob-24394141'],
        expectLastScheduleTime: '2016-05-19T09:01:00Z',
      },
      Replace: {
        expectEvents: [
          'Normal SuccessfulDelete: Deleted job mycronjob-24394141',
          created('mycronjob-24394200'),
        ],
        expectJobs: ['mycronjob-24394200'],
        expectActive: ['mycronjob-24394200'],
      },
    },
  ),
  {
    ...stillRunning,
    name: 'earlier Job running, Replace cannot read it',
    spec: { schedule: HOURLY, concurrencyPolicy: 'Replace' },
    now: '2016-05-19T10:01:00Z',
    jobGetError: 'request is invalid',
    expectEvents: ['Warning FailedGet: Get job: request is invalid'],
    expectRequeueMs: undefined,
    expectError: 'request is invalid',
    expectJobs: ['mycronjob-24394141'],
    expectActive: ['mycronjob-24394141'],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
  },
  {
    ...stillRunning,
    name: 'earlier Job running, suspended',
    spec: { schedule: HOURLY, suspend: true },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [],
    expectRequeueMs: undefined,
    expectJobs: ['mycronjob-24394141'],
    expectActive: ['mycronjob-24394141'],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
  },
  {
    ...stillRunning,
    name: 'earlier Job running, activation missed by its deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: SHORT_DEADLINE },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394141'],
    expectActive: ['mycronjob-24394141'],
    expectLastScheduleTime: '2016-05-19T09:01:00Z',
  },
  {
    ...stillRunning,
    name: 'earlier Job running, activation within its deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: LONG_DEADLINE },
    now: '2016-05-19T10:01:00Z',
    expectEvents: [created('mycronjob-24394200')],
    expectRequeueMs: 3_540_000,
    expectJobs: ['mycronjob-24394141', 'mycronjob-24394200'],
    expectActive: ['mycronjob-24394141', 'mycronjob-24394200'],
    expectLastScheduleTime: '2016-05-19T10:00:00Z',
  },
];

// A week late without a deadline, or with one longer than the backlog, 169 activations were
// missed, so the sync warns. A deadline of two hours or ten seconds leaves one or two of them.
const overdue = {
  ...ranAndFinished,
  now: '2016-05-26T10:00:00Z',
  // 11:00:00 - 10:00
  expectRequeueMs: 3_600_000,
  expectJobs: ['mycronjob-24394141', 'mycronjob-24404280'],
  expectActive: ['mycronjob-24404280'],
  expectLastScheduleTime: '2016-05-26T10:00:00Z',
} satisfies Partial<SyncCase>;

const overdueCases: SyncCase[] = [
  ...forEachPolicy({
    ...overdue,
    name: 'a week overdue, long deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: LONG_DEADLINE },
    expectEvents: [TOO_MANY_MISSED, created('mycronjob-24404280')],
  }),
  ...forEachPolicy({
    ...overdue,
    name: 'a week overdue, no deadline',
    spec: { schedule: HOURLY },
    expectEvents: [TOO_MANY_MISSED, created('mycronjob-24404280')],
  }),
  ...forEachPolicy({
    ...overdue,
    name: 'a week overdue, two-hour deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: MEDIUM_DEADLINE },
    expectEvents: [created('mycronjob-24404280')],
  }),
  ...forEachPolicy({
    ...overdue,
    name: 'a week overdue, ten-second deadline',
    spec: { schedule: HOURLY, startingDeadlineSeconds: SHORT_DEADLINE },
    expectEvents: [created('mycronjob-24404280')],
  }),
];

// Upstream simulates informer caches that lag behind the API server. cronmesh reads the store,
// so LaggingStore serves the lagging read.
const laggingReadCases: SyncCase[] = [
  ...forEachPolicy({
    ...startedThisHour,
    name: 'active Job not yet in the Job list',
    lag: 'earlier job unlisted',
  }),
  ...forEachPolicy({
    ...startedThisHour,
    name: 'active Job not yet in the cached status',
    lag: 'earlier job missing from cached status',
  }),
];

// Not ported: "do nothing if the namespace is terminating". cronmesh has no Namespace objects,
// so a create cannot fail for that reason.

void describe('syncCronJob, hourly cases ported from upstream', () => {
  for (const row of [
    ...neverRanCases,
    ...ranBeforeCases,
    ...runningCases,
    ...overdueCases,
    ...laggingReadCases,
  ]) {
    void test(row.name, () => runSyncCase(row));
  }
});
