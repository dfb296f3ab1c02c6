import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  ContainerStatus,
  Event,
  Job,
  JobSpec,
  Pod,
  PodPhase,
} from '../../../src/api/types.js';
import { StoreEventRecorder } from '../../../src/controller/events.js';
import { syncJob } from '../../../src/controller/job/sync.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/store.js';
import { FakeClock } from '../../../src/util/clock.js';
import { toRfc3339 } from '../../../src/util/time.js';

/** 2024-05-01T10:00:00Z, the instant every test clock starts at unless a test passes another. */
export const T0 = Date.parse('2024-05-01T10:00:00Z');

export const SECOND = 1000;
export const NAMESPACE = 'default';

/** A real SQLite store in a fresh temp directory, a fake clock, and an event recorder on both. */
export interface Harness {
  store: Store;
  clock: FakeClock;
  recorder: StoreEventRecorder;
  dataDir: string;
}

/** Runs `body` against a fresh harness and removes its data afterwards, also when `body` fails. */
export async function withHarness(
  body: (harness: Harness) => Promise<void>,
  start: number = T0,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-job-'));
  const clock = new FakeClock(start);
  const store = await openStore({ dataDir, clock });
  const recorder = new StoreEventRecorder(store, clock, 'job-controller');
  try {
    await body({ store, clock, recorder, dataDir });
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Builds a Job with one container and `restartPolicy: Never` unless `spec` overrides it. */
export function newJob(
  name: string,
  spec: Partial<JobSpec> = {},
  restartPolicy: 'Never' | 'OnFailure' = 'Never',
): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: NAMESPACE },
    spec: {
      template: {
        metadata: { labels: { app: name } },
        spec: {
          restartPolicy,
          containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
        },
      },
      ...spec,
    },
  };
}

/** Stores `job` as created at the clock's current instant and returns the stored copy. */
export function createJob(harness: Harness, job: Job): Promise<Job> {
  return harness.store.create(job, harness.clock.now());
}

/** Runs one Job reconcile at the clock's current instant. */
export function sync(harness: Harness, name: string): Promise<{ requeueAfterMs?: number }> {
  return syncJob(NAMESPACE, name, {
    store: harness.store,
    recorder: harness.recorder,
    now: harness.clock.now(),
  });
}

export function readJob(harness: Harness, name: string): Promise<Job> {
  return harness.store.get<Job>('Job', NAMESPACE, name);
}

/** Returns the pods owned by `job`, oldest first, then by name. */
export async function podsOf(harness: Harness, job: Job): Promise<Pod[]> {
  const pods = await harness.store.list<Pod>('Pod', {
    namespace: NAMESPACE,
    ownerUid: job.metadata.uid,
  });
  return pods.sort(
    (a, b) =>
      Date.parse(a.metadata.creationTimestamp ?? '') -
        Date.parse(b.metadata.creationTimestamp ?? '') ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
}

export interface PodState {
  phase: PodPhase;
  /** Instant the containers finished, for Succeeded and Failed pods. */
  finishedAt?: number;
  restartCount?: number;
  /** Sets `metadata.deletionTimestamp`, as the controller does when it stops a pod. */
  deletingAt?: number;
  name?: string;
}

let podCounter = 0;

/**
 * Stores a pod owned by `job` in the given state, as if a worker had claimed and run it. The
 * ported upstream table cases set up their pods this way.
 */
export async function addPod(harness: Harness, job: Job, state: PodState): Promise<Pod> {
  podCounter += 1;
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: state.name ?? `${job.metadata.name}-p${podCounter}`,
      namespace: NAMESPACE,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name,
          uid: job.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      ...(state.deletingAt === undefined ? {} : { deletionTimestamp: toRfc3339(state.deletingAt) }),
    },
    spec: structuredClone(job.spec.template.spec),
    status: podStatus(state),
  };
  return harness.store.create(pod, harness.clock.now());
}

function podStatus(state: PodState): Pod['status'] {
  const container: ContainerStatus = { name: 'main', restartCount: state.restartCount ?? 0 };
  if (state.phase === 'Succeeded' || state.phase === 'Failed') {
    container.state = {
      terminated: {
        exitCode: state.phase === 'Succeeded' ? 0 : 1,
        finishedAt: toRfc3339(state.finishedAt ?? T0 - 3600 * SECOND),
      },
    };
  } else if (state.phase === 'Running') {
    container.state = { running: { startedAt: toRfc3339(T0) } };
  }
  const status: NonNullable<Pod['status']> = { phase: state.phase, containerStatuses: [container] };
  if (state.phase !== 'Pending') status.nodeName = 'worker-1';
  return status;
}

/** Plays the worker: claims a pending pod and starts its container. */
export async function claim(harness: Harness, pod: Pod): Promise<Pod> {
  const current = await harness.store.get<Pod>('Pod', NAMESPACE, pod.metadata.name);
  const now = toRfc3339(harness.clock.now());
  current.status = {
    phase: 'Running',
    nodeName: 'worker-1',
    startTime: now,
    containerStatuses: [{ name: 'main', restartCount: 0, state: { running: { startedAt: now } } }],
  };
  return harness.store.update(current);
}

/** Plays the worker: ends a pod with exit code 0 or 1 at the clock's current instant. */
export async function finish(
  harness: Harness,
  pod: Pod,
  phase: 'Succeeded' | 'Failed',
): Promise<Pod> {
  const current = await harness.store.get<Pod>('Pod', NAMESPACE, pod.metadata.name);
  const now = toRfc3339(harness.clock.now());
  const restartCount = current.status?.containerStatuses?.[0]?.restartCount ?? 0;
  current.status = {
    ...(current.status ?? { phase }),
    phase,
    containerStatuses: [
      {
        name: 'main',
        restartCount,
        state: { terminated: { exitCode: phase === 'Succeeded' ? 0 : 1, finishedAt: now } },
      },
    ],
  };
  return harness.store.update(current);
}

/** Plays the worker: records `count` container restarts of a running OnFailure pod. */
export async function restart(harness: Harness, pod: Pod, count: number): Promise<Pod> {
  const current = await harness.store.get<Pod>('Pod', NAMESPACE, pod.metadata.name);
  const container = current.status?.containerStatuses?.[0];
  if (!container) throw new Error(`pod ${pod.metadata.name} has no container status to restart`);
  container.restartCount = count;
  return harness.store.update(current);
}

/** Returns `type reason: message` of every Event about `name`, in the order they were written. */
export async function eventsOf(harness: Harness, name: string): Promise<string[]> {
  const events = await harness.store.list<Event>('Event', { namespace: NAMESPACE });
  return events
    .filter((event) => event.involvedObject.name === name)
    .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion))
    .map((event) => `${event.type} ${event.reason}: ${event.message}`);
}

/** Returns `type=status reason: message` of each condition, the shape condition assertions compare. */
export function conditionsOf(job: Job): string[] {
  return (job.status?.conditions ?? []).map(
    (c) => `${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`,
  );
}

/** Returns the numeric counters of a Job's status, each defaulting to 0. */
export function countsOf(job: Job): { active: number; succeeded: number; failed: number } {
  return {
    active: job.status?.active ?? 0,
    succeeded: job.status?.succeeded ?? 0,
    failed: job.status?.failed ?? 0,
  };
}

export const BACKOFF_LIMIT_EXCEEDED =
  'BackoffLimitExceeded: Job has reached the specified backoff limit';
export const DEADLINE_EXCEEDED = 'DeadlineExceeded: Job was active longer than specified deadline';
export const COMPLETIONS_REACHED = 'CompletionsReached: Reached expected number of succeeded pods';
