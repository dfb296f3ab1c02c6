import type { AnyResource, CronJob, ResourceKind } from '../../../src/api/types.js';
import type {
  DeleteOptions,
  ListOptions,
  LogChunk,
  LogKey,
  Store,
  WatchEvent,
} from '../../../src/store/store.js';

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
export class LaggingStore implements Store {
  private staleCronJob: CronJob | undefined;

  constructor(
    private readonly real: Store,
    private readonly options: LagOptions,
  ) {
    this.staleCronJob = options.staleCronJob;
  }

  create<T extends AnyResource>(object: T, now: number): Promise<T> {
    return this.real.create(object, now);
  }

  async get<T extends AnyResource>(kind: T['kind'], namespace: string, name: string): Promise<T> {
    if (kind === 'Job' && this.options.jobGetError) throw this.options.jobGetError;
    return this.real.get<T>(kind, namespace, name);
  }

  async find<T extends AnyResource>(
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

  async list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    const objects = await this.real.list<T>(kind, options);
    const hidden = this.options.unlistedJobs ?? [];
    if (kind !== 'Job') return objects;
    return objects.filter((object) => !hidden.includes(object.metadata.name));
  }

  update<T extends AnyResource>(object: T): Promise<T> {
    return this.real.update(object);
  }

  delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<T> {
    return this.real.delete<T>(kind, namespace, name, options);
  }

  watch(kind: ResourceKind | undefined, listener: (event: WatchEvent) => void): () => void {
    return this.real.watch(kind, listener);
  }

  appendLog(key: LogKey, stream: LogChunk['stream'], data: string, time: number): Promise<void> {
    return this.real.appendLog(key, stream, data, time);
  }

  readLog(key: LogKey, afterSeq?: number): Promise<LogChunk[]> {
    return this.real.readLog(key, afterSeq);
  }

  deleteLogs(namespace: string, pod: string): Promise<void> {
    return this.real.deleteLogs(namespace, pod);
  }

  checkReady(): Promise<void> {
    return this.real.checkReady();
  }

  close(): Promise<void> {
    return this.real.close();
  }
}
