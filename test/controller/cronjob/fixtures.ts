import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  AnyResource,
  CronJob,
  CronJobSpec,
  Job,
  JobCondition,
} from '../../../src/api/types.js';
import type { CronJobSyncResult } from '../../../src/controller/cronjob/sync.js';
import { syncCronJob } from '../../../src/controller/cronjob/sync.js';
import type { EventRecorder, EventType } from '../../../src/controller/events.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/store.js';
import { FakeClock } from '../../../src/util/clock.js';

// A CronJob without spec.timeZone is evaluated in the process's local zone, as
// kube-controller-manager does. The instants below are UTC, like the upstream tests' Go times, so
// the test process runs in UTC wherever it is started. Node applies a TZ change at once.
process.env.TZ = 'UTC';

export const NAMESPACE = 'snazzycats';
export const CRONJOB_NAME = 'mycronjob';
export const CRONJOB_UID = '1a2b3c';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** Parses an RFC 3339 instant to milliseconds and fails loudly on a typo. */
export function at(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new Error(`invalid instant in test: ${text}`);
  return ms;
}

/** One Event as the controller reported it. */
export interface RecordedEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** EventRecorder that keeps Events in memory, in the order the controller reported them. */
export class EventLog implements EventRecorder {
  readonly events: RecordedEvent[] = [];

  record(_object: AnyResource, type: EventType, reason: string, message: string): Promise<void> {
    this.events.push({ type, reason, message });
    return Promise.resolve();
  }

  /** Returns `Type Reason: message` lines, the shape the assertions compare. */
  lines(): string[] {
    return this.events.map((event) => `${event.type} ${event.reason}: ${event.message}`);
  }
}

/** A real SQLite store in a fresh temp directory plus an in-memory event log. */
export interface Harness {
  store: Store;
  events: EventLog;
  clock: FakeClock;
}

/** Runs `body` against a fresh harness and removes its data afterwards, also when `body` fails. */
export async function withHarness(
  start: number,
  body: (harness: Harness) => Promise<void>,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-cronjob-'));
  const clock = new FakeClock(start);
  const store = await openStore({ dataDir, clock });
  try {
    await body({ store, events: new EventLog(), clock });
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Returns a Job creation function that stores the Job as the controller's does, without API defaults. */
export function createJobIn(store: Store): (job: Job, now: number) => Promise<Job> {
  return (job, now) => store.create(job, now);
}

export interface SyncOptions {
  /** Replaces the store the sync reads and writes (used to inject stale reads or failures). */
  store?: Store;
  createJob?: (job: Job, now: number) => Promise<Job>;
}

/** Runs one CronJob reconcile of snazzycats/mycronjob (or `name`) at `now`. */
export function syncAt(
  harness: Harness,
  now: number,
  options: SyncOptions = {},
  name: string = CRONJOB_NAME,
): Promise<CronJobSyncResult> {
  const store = options.store ?? harness.store;
  return syncCronJob(NAMESPACE, name, {
    store,
    recorder: harness.events,
    now,
    defaultDstPolicy: 'kubernetes',
    createJob: options.createJob ?? createJobIn(harness.store),
  });
}

/**
 * Returns the CronJob the upstream tests start from: snazzycats/mycronjob, uid 1a2b3c, every
 * minute, template labels {a: b} and annotations {x: y}.
 */
export function newCronJob(spec: Partial<CronJobSpec> = {}, createdAt?: number): CronJob {
  const cronJob: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: CRONJOB_NAME, namespace: NAMESPACE, uid: CRONJOB_UID },
    spec: {
      schedule: '* * * * ?',
      concurrencyPolicy: 'Allow',
      jobTemplate: {
        metadata: { labels: { a: 'b' }, annotations: { x: 'y' } },
        spec: {
          parallelism: 1,
          completions: 1,
          template: {
            metadata: { labels: { foo: 'bar' } },
            spec: { containers: [{ name: 'main', image: 'foo/bar' }] },
          },
        },
      },
      ...spec,
    },
  };
  if (createdAt !== undefined) cronJob.metadata.creationTimestamp = iso(createdAt);
  return cronJob;
}

/** Returns a running Job controlled by `owner` (snazzycats/mycronjob unless given). */
export function ownedJob(name: string, createdAt: number, owner: CronJob = newCronJob()): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: owner.metadata.namespace ?? NAMESPACE,
      creationTimestamp: iso(createdAt),
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: owner.metadata.name,
          uid: owner.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(owner.spec.jobTemplate.spec),
  };
}

/** Marks `job` finished with `type` at `finishedAt` (mutates and returns it). */
export function finishJob(job: Job, type: 'Complete' | 'Failed', finishedAt: number): Job {
  const condition: JobCondition = {
    type,
    status: 'True',
    lastTransitionTime: iso(finishedAt),
  };
  job.status = { ...job.status, conditions: [condition] };
  if (type === 'Complete') job.status.completionTime = iso(finishedAt);
  return job;
}

/** Returns an ObjectReference to a stored Job, in the shape of a `status.active` entry. */
export function activeReference(
  job: Job,
): NonNullable<NonNullable<CronJob['status']>['active']>[number] {
  return {
    kind: 'Job',
    namespace: job.metadata.namespace,
    name: job.metadata.name,
    uid: job.metadata.uid,
    apiVersion: 'batch/v1',
    resourceVersion: job.metadata.resourceVersion,
  };
}

/** Formats milliseconds as RFC 3339 in UTC, keeping milliseconds only when there are any. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

export function readCronJob(harness: Harness, name: string = CRONJOB_NAME): Promise<CronJob> {
  return harness.store.get<CronJob>('CronJob', NAMESPACE, name);
}

/** Returns the names of the stored Jobs in the CronJob's namespace, sorted. */
export async function jobNames(harness: Harness): Promise<string[]> {
  const jobs = await harness.store.list<Job>('Job', { namespace: NAMESPACE });
  return jobs.map((job) => job.metadata.name).sort();
}

/** Returns the names in the stored CronJob's `status.active`, in order. */
export async function activeNames(
  harness: Harness,
  name: string = CRONJOB_NAME,
): Promise<string[]> {
  const cronJob = await readCronJob(harness, name);
  return (cronJob.status?.active ?? []).map((ref) => ref.name ?? '');
}
