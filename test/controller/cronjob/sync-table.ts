import assert from 'node:assert/strict';
import type { CronJob, CronJobSpec, Job } from '../../../src/api/types.js';
import { LaggingStore } from './lagging-store.js';
import type { LagOptions } from './lagging-store.js';
import {
  CRONJOB_NAME,
  SECOND,
  activeReference,
  activeNames,
  at,
  finishJob,
  jobNames,
  newCronJob,
  ownedJob,
  readCronJob,
  syncAt,
  withHarness,
} from './fixtures.js';

/** The Job of an earlier activation that exists before the sync. */
export interface EarlierJob {
  /** Creation instant; the Job is named after it, as for an activation at that instant. */
  created: string;
  /** Running and listed in `status.active`; otherwise it completed 10 seconds after creation. */
  running: boolean;
}

/**
 * One row of the ported TestControllerV2SyncCronJob table. Setup fields follow the upstream
 * fields; expectations are the stored outcome, written out.
 */
export interface SyncCase {
  name: string;
  spec: Partial<CronJobSpec>;
  cronJobCreated: string;
  lastScheduleTime?: string;
  earlier?: EarlierJob;
  now: string;
  /** Reads that lag behind the store, or fail (see LaggingStore). */
  lag?: 'earlier job unlisted' | 'earlier job missing from cached status';
  jobGetError?: string;
  /** A running Job owned by the CronJob already has the due Job's name but is not active. */
  dueJobName?: string;
  /** Replaces the real Job creation with one that fails with this message. */
  createError?: string;

  expectEvents: string[];
  /** Upstream's requeue less the 100 ms that Kubernetes adds to it and cronmesh does not. */
  expectRequeueMs: number | undefined;
  expectJobs: string[];
  expectActive: string[];
  expectLastScheduleTime: string | undefined;
  expectLastSuccessfulTime?: string;
  expectError?: string;
}

/** Returns the Job name for an activation at `instant`: the CronJob name and Unix minutes. */
function nameAt(instant: string): string {
  return `${CRONJOB_NAME}-${Math.floor(at(instant) / 60_000)}`;
}

/** Builds the stored state of one case, runs one sync at `now` and checks every expectation. */
export async function runSyncCase(row: SyncCase): Promise<void> {
  await withHarness(at(row.now), async (harness) => {
    const { store } = harness;
    const cronJob = newCronJob(row.spec, at(row.cronJobCreated));
    cronJob.status = {};
    if (row.lastScheduleTime) cronJob.status.lastScheduleTime = row.lastScheduleTime;

    let earlier: Job | undefined;
    if (row.earlier) {
      const created = at(row.earlier.created);
      const job = ownedJob(nameAt(row.earlier.created), created, cronJob);
      job.metadata.uid = '1234';
      if (!row.earlier.running) finishJob(job, 'Complete', created + 10 * SECOND);
      earlier = await store.create(job, created);
      if (row.earlier.running) cronJob.status.active = [activeReference(earlier)];
    }
    if (row.dueJobName) {
      const due = ownedJob(row.dueJobName, at(row.now), cronJob);
      due.metadata.uid = 'due-job';
      await store.create(due, at(row.now));
    }
    await store.create(cronJob, at(row.cronJobCreated));

    const lag: LagOptions = {};
    if (row.lag === 'earlier job unlisted' && earlier) lag.unlistedJobs = [earlier.metadata.name];
    if (row.lag === 'earlier job missing from cached status') {
      const stale: CronJob = structuredClone(await readCronJob(harness));
      if (stale.status) delete stale.status.active;
      lag.staleCronJob = stale;
    }
    if (row.jobGetError) lag.jobGetError = new Error(row.jobGetError);
    const createError = row.createError;
    const options = {
      store: new LaggingStore(store, lag),
      ...(createError ? { createJob: () => Promise.reject(new Error(createError)) } : {}),
    };

    let requeueMs: number | undefined;
    let failure: Error | undefined;
    try {
      requeueMs = (await syncAt(harness, at(row.now), options)).requeueAfterMs;
    } catch (error) {
      failure = error as Error;
    }

    const stored = await readCronJob(harness);
    assert.equal(failure?.message, row.expectError, 'sync error');
    assert.deepEqual(harness.events.lines(), row.expectEvents, 'events');
    assert.equal(requeueMs, row.expectRequeueMs, 'requeue delay in ms');
    assert.deepEqual(await jobNames(harness), row.expectJobs, 'stored Jobs');
    assert.deepEqual(await activeNames(harness), row.expectActive, 'status.active');
    assert.equal(stored.status?.lastScheduleTime, row.expectLastScheduleTime, 'lastScheduleTime');
    assert.equal(
      stored.status?.lastSuccessfulTime,
      row.expectLastSuccessfulTime,
      'lastSuccessfulTime',
    );
  });
}

/** Returns one case per concurrency policy, named after it, with that policy's `overrides`. */
export function forEachPolicy(
  row: SyncCase,
  overrides: Partial<Record<'Allow' | 'Forbid' | 'Replace', Partial<SyncCase>>> = {},
): SyncCase[] {
  return (['Allow', 'Forbid', 'Replace'] as const).map((policy) => ({
    ...row,
    name: `${row.name}, ${policy}`,
    spec: { ...row.spec, concurrencyPolicy: policy },
    ...overrides[policy],
  }));
}
