import type { AnyResource, CronJob } from '../../../src/api/types.js';
import { ForwardingStore } from '../../../src/store/forwarding-store.js';
import type { ListOptions, Store } from '../../../src/store/store.js';

export interface LagOptions {
  /** Served by the first CronJob read instead of the stored copy, like a stale informer cache. */
  staleCronJob?: CronJob;
  /** Jobs left out of every Job list but still readable by name, like a slow Job informer. */
  unlistedJobs?: string[];
  /** Thrown by every `get` of a Job, like an API server that rejects the request. */
  jobGetError?: Error;
}

/**
 * A real store whose reads lag or fail in the ways the upstream tests simulate with fake
 * informers and clients. cronmesh reads the store directly, so these situations arise only in
 * races. The wrapper makes them repeatable. Writes go straight to the real store.
 */
export class LaggingStore extends ForwardingStore {
  private staleCronJob: CronJob | undefined;

  constructor(
    private readonly real: Store,
    private readonly options: LagOptions,
  ) {
    super(real);
    this.staleCronJob = options.staleCronJob;
  }

  override async get<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T> {
    if (kind === 'Job' && this.options.jobGetError) throw this.options.jobGetError;
    return this.real.get<T>(kind, namespace, name);
  }

  override async find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    if (kind === 'CronJob' && this.staleCronJob) {
      const stale = structuredClone(this.staleCronJob);
      this.staleCronJob = undefined;
      return stale as T;
    }
    return this.real.find<T>(kind, namespace, name);
  }

  override async list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    const objects = await this.real.list<T>(kind, options);
    const hidden = this.options.unlistedJobs ?? [];
    if (kind !== 'Job') return objects;
    return objects.filter((object) => !hidden.includes(object.metadata.name));
  }
}
