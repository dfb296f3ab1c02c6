import type { ActivationGate } from './activation-gate.js';
import type { AnyResource, CronJob, Event, Job, Pod, ResourceKind } from '../api/types.js';
import { NotFoundError } from '../store/errors.js';
import type { Store, WatchEventType } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import { finishedCondition } from './conditions.js';
import type { ObjectCache } from './informer.js';
import { SharedInformers } from './informers.js';
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
  /** Caches shared with the controllers; the collector starts its own when absent. */
  informers?: SharedInformers;
  /** Defers this collector's work while CronJob activations run; see ActivationGate. */
  yieldTo?: ActivationGate;
}

/**
 * Deletes dependents whose owner is gone (background cascading deletion), the logs of deleted
 * attempts, Jobs whose ttlSecondsAfterFinished has passed, and expired Events.
 *
 * Owners and dependents are read from the shared informers. A cache can lag behind another
 * process's writes, so before the collector deletes a dependent whose owner the cache lacks, it
 * reads the owner from the store. The Kubernetes garbage collector confirms an absent owner
 * with a live lookup in the same way.
 */
export class GarbageCollector {
  private readonly queue: WorkQueue;
  private readonly informers: SharedInformers;
  /** Whether this collector created the informers and so starts and stops them. */
  private readonly ownsInformers: boolean;
  private unregister: Array<() => void> = [];

  constructor(private readonly options: GarbageCollectorOptions) {
    this.ownsInformers = options.informers === undefined;
    this.informers = options.informers ?? new SharedInformers(options.store);
    this.queue = new WorkQueue({
      clock: options.clock,
      concurrency: 2,
      observer: options.metrics?.workQueue('garbagecollector'),
      yieldTo: options.yieldTo,
      reconcile: (key) => this.reconcile(key),
      onError: (key, error) =>
        options.logger.error({ key, err: error }, 'garbage collection failed'),
    });
  }

  /** Subscribes to changes, sweeps orphans left by a crash, and checks existing Jobs' TTL. */
  async start(): Promise<void> {
    const { cronJobs, jobs, pods } = this.informers;
    this.unregister = [
      cronJobs.addHandler((type, cronJob) => this.onEvent(type, cronJob)),
      jobs.addHandler((type, job) => this.onEvent(type, job)),
      pods.addHandler((type, pod) => this.onEvent(type, pod)),
    ];
    await this.informers.start();
    this.queue.add('sweep');
    this.queue.add('events');
    // A Job that finished while no collector ran sends no further event, so its TTL starts here.
    for (const job of jobs.list()) {
      if (job.spec.ttlSecondsAfterFinished !== undefined) this.queue.add(ttlKey(job));
    }
  }

  async stop(): Promise<void> {
    for (const unregister of this.unregister) unregister();
    this.unregister = [];
    if (this.ownsInformers) this.informers.stop();
    await this.queue.stop();
  }

  /** Resolves when no collection work is ready or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private onEvent(type: WatchEventType, object: CronJob | Job | Pod): void {
    if (type === 'DELETED') {
      if (object.kind in DEPENDENT_KINDS)
        this.queue.add(`owner/${object.kind}/${object.metadata.uid}`);
      if (object.kind === 'Pod') {
        this.queue.add(`logs/${object.metadata.namespace ?? 'default'}/${object.metadata.name}`);
      }
      return;
    }
    // A controller that read the owner just before its deletion creates the dependent after
    // the owner's dependents were deleted, so a new dependent's owners are checked too.
    if (type === 'ADDED' && ownerKindsOf(object.kind).length > 0) {
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

  /** Returns the informer of a kind that can own or depend on others. */
  private informerOf(kind: ResourceKind): ObjectCache<CronJob | Job | Pod> | undefined {
    if (kind === 'CronJob') return this.informers.cronJobs;
    if (kind === 'Job') return this.informers.jobs;
    if (kind === 'Pod') return this.informers.pods;
    return undefined;
  }

  /**
   * Returns whether an owner with `uid` exists: from the cache when it has the owner, else from
   * the store, so a cache that has not seen the owner yet does not get a dependent deleted.
   */
  private async ownerExists(
    kind: ResourceKind,
    namespace: string,
    name: string,
    uid: string,
  ): Promise<boolean> {
    if (this.informerOf(kind)?.get(namespace, name)?.metadata.uid === uid) return true;
    const live = await this.options.store.find(kind, namespace, name);
    return live?.metadata.uid === uid;
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
    const object = this.informerOf(kind)?.get(namespace, name);
    if (!object) return;
    if (await this.ownersGone(object)) await this.deleteQuietly(object);
  }

  /** Returns true when `object` references owners of its owner kinds and none of them exists. */
  private async ownersGone(object: CronJob | Job | Pod): Promise<boolean> {
    const ownerKinds = ownerKindsOf(object.kind);
    const refs = (object.metadata.ownerReferences ?? []).filter((ref) =>
      ownerKinds.includes(ref.kind as ResourceKind),
    );
    if (refs.length === 0) return false;
    const namespace = object.metadata.namespace ?? 'default';
    for (const ref of refs) {
      if (await this.ownerExists(ref.kind as ResourceKind, namespace, ref.name, ref.uid)) {
        return false;
      }
    }
    return true;
  }

  private async sweepOrphans(): Promise<void> {
    for (const [ownerKind, kinds] of Object.entries(DEPENDENT_KINDS)) {
      const owners = this.informerOf(ownerKind as ResourceKind);
      if (owners === undefined) continue;
      const cachedUids = new Set<string | undefined>();
      for (const owner of owners.list()) cachedUids.add(owner.metadata.uid);
      for (const kind of kinds) {
        // A copy, because the deletes below change the cache while it is being read.
        const dependents = [...(this.informerOf(kind)?.list() ?? [])];
        for (const dependent of dependents) {
          const refs = (dependent.metadata.ownerReferences ?? []).filter(
            (ref) => ref.kind === ownerKind,
          );
          if (refs.length === 0 || refs.some((ref) => cachedUids.has(ref.uid))) continue;
          if (await this.ownersGone(dependent)) await this.deleteQuietly(dependent);
        }
      }
    }
  }

  private async expireJob(namespace: string, name: string): Promise<{ requeueAfterMs?: number }> {
    const job = this.informers.jobs.get(namespace, name);
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
