import type { AnyResource, Event, Job, ResourceKind } from '../api/types.js';
import { NotFoundError } from '../store/errors.js';
import type { Store, WatchEvent } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import { finishedCondition } from './conditions.js';
import { WorkQueue } from './workqueue.js';

/** Kinds that can have dependents, and the kinds of those dependents. */
const DEPENDENT_KINDS: Partial<Record<ResourceKind, ResourceKind[]>> = {
  CronJob: ['Job'],
  Job: ['Pod'],
};

/** Events older than this are deleted, as kube-apiserver's default --event-ttl does. */
export const EVENT_TTL_MS = 60 * 60_000;

export interface GarbageCollectorOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics?: SchedulerMetrics;
}

/**
 * Deletes dependents whose owner is gone (background cascading deletion), the logs of deleted
 * attempts, Jobs whose ttlSecondsAfterFinished has passed, and expired Events.
 */
export class GarbageCollector {
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: GarbageCollectorOptions) {
    this.queue = new WorkQueue({
      clock: options.clock,
      concurrency: 2,
      observer: options.metrics?.workQueue('garbagecollector'),
      reconcile: (key) => this.reconcile(key),
      onError: (key, error) =>
        options.logger.error({ key, err: error }, 'garbage collection failed'),
    });
  }

  /** Subscribes to changes, sweeps orphans left by a crash, and checks existing Jobs' TTL. */
  async start(): Promise<void> {
    this.unsubscribe = this.options.store.watch(undefined, (event) => this.onEvent(event));
    this.queue.add('sweep');
    this.queue.add('events');
    // A Job that finished while no collector ran sends no further event, so its TTL starts here.
    for (const job of await this.options.store.list<Job>('Job')) {
      if (job.spec.ttlSecondsAfterFinished !== undefined) this.queue.add(ttlKey(job));
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.queue.stop();
  }

  /** Resolves when no collection work is ready or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private onEvent(event: WatchEvent): void {
    const object = event.object;
    if (event.type === 'DELETED') {
      if (object.kind in DEPENDENT_KINDS)
        this.queue.add(`owner/${object.kind}/${object.metadata.uid}`);
      if (object.kind === 'Pod') {
        this.queue.add(`logs/${object.metadata.namespace ?? 'default'}/${object.metadata.name}`);
      }
      return;
    }
    // A controller that read the owner just before its deletion creates the dependent after
    // the owner's dependents were deleted, so a new dependent's owners are checked too.
    if (event.type === 'ADDED' && ownerKindsOf(object.kind).length > 0) {
      const namespace = object.metadata.namespace ?? 'default';
      this.queue.add(`dependent/${object.kind}/${namespace}/${object.metadata.name}`);
    }
    if (object.kind === 'Job' && object.spec.ttlSecondsAfterFinished !== undefined) {
      this.queue.add(ttlKey(object));
    }
  }

  private async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const [action, ...rest] = key.split('/');
    switch (action) {
      case 'owner':
        await this.deleteDependents(rest[0] as ResourceKind, rest[1] ?? '');
        return {};
      case 'logs':
        await this.options.store.deleteLogs(rest[0] ?? '', rest[1] ?? '');
        return {};
      case 'ttl':
        return this.expireJob(rest[0] ?? '', rest[1] ?? '');
      case 'dependent':
        await this.deleteIfOwnersGone(rest[0] as ResourceKind, rest[1] ?? '', rest[2] ?? '');
        return {};
      case 'sweep':
        await this.sweepOrphans();
        return {};
      case 'events':
        return this.expireEvents();
      default:
        return {};
    }
  }

  private async deleteDependents(ownerKind: ResourceKind, ownerUid: string): Promise<void> {
    for (const kind of DEPENDENT_KINDS[ownerKind] ?? []) {
      const dependents = await this.options.store.list(kind, { ownerUid });
      for (const dependent of dependents) await this.deleteQuietly(dependent);
    }
  }

  /**
   * Deletes the object when it has owner references of its owner kinds and none of those owners
   * exists with the referenced uid.
   */
  private async deleteIfOwnersGone(
    kind: ResourceKind,
    namespace: string,
    name: string,
  ): Promise<void> {
    const object = await this.options.store.find(kind, namespace, name);
    if (!object) return;
    const ownerKinds = ownerKindsOf(kind);
    const refs = (object.metadata.ownerReferences ?? []).filter((ref) =>
      ownerKinds.includes(ref.kind as ResourceKind),
    );
    if (refs.length === 0) return;
    for (const ref of refs) {
      const owner = await this.options.store.find(ref.kind as ResourceKind, namespace, ref.name);
      if (owner?.metadata.uid === ref.uid) return;
    }
    await this.deleteQuietly(object);
  }

  private async sweepOrphans(): Promise<void> {
    for (const [ownerKind, kinds] of Object.entries(DEPENDENT_KINDS)) {
      const owners = await this.options.store.list(ownerKind as ResourceKind);
      const liveUids = new Set(owners.map((owner) => owner.metadata.uid));
      for (const kind of kinds) {
        for (const dependent of await this.options.store.list(kind)) {
          const refs = (dependent.metadata.ownerReferences ?? []).filter(
            (ref) => ref.kind === ownerKind,
          );
          if (refs.length > 0 && refs.every((ref) => !liveUids.has(ref.uid))) {
            await this.deleteQuietly(dependent);
          }
        }
      }
    }
  }

  private async expireJob(namespace: string, name: string): Promise<{ requeueAfterMs?: number }> {
    const job = await this.options.store.find<Job>('Job', namespace, name);
    const ttl = job?.spec.ttlSecondsAfterFinished;
    if (!job || ttl === undefined || !finishedCondition(job)) return {};
    const condition = job.status?.conditions?.find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    const finishedAt = Date.parse(condition?.lastTransitionTime ?? '');
    if (Number.isNaN(finishedAt)) return {};
    const remaining = finishedAt + ttl * 1000 - this.options.clock.now();
    if (remaining > 0) return { requeueAfterMs: remaining };
    await this.deleteQuietly(job);
    this.options.logger.info({ namespace, job: name }, 'job deleted after ttlSecondsAfterFinished');
    return {};
  }

  private async expireEvents(): Promise<{ requeueAfterMs: number }> {
    const cutoff = this.options.clock.now() - EVENT_TTL_MS;
    for (const event of await this.options.store.list<Event>('Event')) {
      const last = Date.parse(event.lastTimestamp ?? event.metadata.creationTimestamp ?? '');
      if (!Number.isNaN(last) && last < cutoff) await this.deleteQuietly(event);
    }
    return { requeueAfterMs: 5 * 60_000 };
  }

  private async deleteQuietly(object: AnyResource): Promise<void> {
    try {
      await this.options.store.delete(
        object.kind,
        object.metadata.namespace ?? 'default',
        object.metadata.name,
        {
          uid: object.metadata.uid,
        },
      );
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
}

/** Returns the kinds that can own objects of `kind`. */
function ownerKindsOf(kind: ResourceKind): ResourceKind[] {
  return Object.entries(DEPENDENT_KINDS)
    .filter(([, dependents]) => dependents.includes(kind))
    .map(([owner]) => owner as ResourceKind);
}

/** Returns the work-queue key of a Job's ttlSecondsAfterFinished check. */
function ttlKey(job: Job): string {
  return `ttl/${job.metadata.namespace ?? 'default'}/${job.metadata.name}`;
}
