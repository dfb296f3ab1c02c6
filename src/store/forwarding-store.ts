import type { AnyResource, Pod, ResourceKind } from '../api/types.js';
import type { ClaimRequest, Lease, LeaseStatus } from './lease.js';
import type { TokenFilter, TokenRecord } from './tokens.js';
import type {
  DeleteOptions,
  ListOptions,
  LogChunk,
  LogKey,
  Store,
  WatchEvent,
  WriteOptions,
} from './store.js';

/** A Store that passes every call to `inner`; subclasses override the calls they change. */
export class ForwardingStore implements Store {
  constructor(protected readonly inner: Store) {}

  create<T extends AnyResource>(object: T, now: number, options?: WriteOptions): Promise<T> {
    return this.inner.create(object, now, options);
  }

  get<T extends AnyResource>(kind: T['kind'], namespace: string, name: string): Promise<T> {
    return this.inner.get<T>(kind, namespace, name);
  }

  find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    return this.inner.find<T>(kind, namespace, name);
  }

  list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    return this.inner.list<T>(kind, options);
  }

  update<T extends AnyResource>(object: T, options?: WriteOptions): Promise<T> {
    return this.inner.update(object, options);
  }

  delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<T> {
    return this.inner.delete<T>(kind, namespace, name, options);
  }

  watch(kind: ResourceKind | undefined, listener: (event: WatchEvent) => void): () => void {
    return this.inner.watch(kind, listener);
  }

  appendLog(key: LogKey, stream: LogChunk['stream'], data: string, time: number): Promise<void> {
    return this.inner.appendLog(key, stream, data, time);
  }

  readLog(key: LogKey, afterSeq?: number): Promise<LogChunk[]> {
    return this.inner.readLog(key, afterSeq);
  }

  deleteLogs(namespace: string, pod: string): Promise<void> {
    return this.inner.deleteLogs(namespace, pod);
  }

  acquireLease(name: string, holder: string, durationMs: number): Promise<Lease | undefined> {
    return this.inner.acquireLease(name, holder, durationMs);
  }

  releaseLease(name: string, holder: string, token: number): Promise<void> {
    return this.inner.releaseLease(name, holder, token);
  }

  revokeLease(name: string, token: number, options?: WriteOptions): Promise<boolean> {
    return this.inner.revokeLease(name, token, options);
  }

  listLeases(prefix: string): Promise<LeaseStatus[]> {
    return this.inner.listLeases(prefix);
  }

  claimPods(request: ClaimRequest): Promise<Pod[]> {
    return this.inner.claimPods(request);
  }

  createToken(token: TokenRecord): Promise<void> {
    return this.inner.createToken(token);
  }

  findToken(id: string): Promise<TokenRecord | undefined> {
    return this.inner.findToken(id);
  }

  listTokens(filter?: TokenFilter): Promise<TokenRecord[]> {
    return this.inner.listTokens(filter);
  }

  deleteToken(id: string): Promise<boolean> {
    return this.inner.deleteToken(id);
  }

  deleteExpiredTokens(now: number): Promise<number> {
    return this.inner.deleteExpiredTokens(now);
  }

  checkReady(): Promise<void> {
    return this.inner.checkReady();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * A Store whose writes all carry the fence that `fence()` returns at the time of the write, so
 * code written without leases (the controllers) stops committing once its lease is lost.
 */
export class FencedStore extends ForwardingStore {
  constructor(
    inner: Store,
    private readonly fence: () => WriteOptions['fence'],
  ) {
    super(inner);
  }

  override create<T extends AnyResource>(
    object: T,
    now: number,
    options?: WriteOptions,
  ): Promise<T> {
    return this.inner.create(object, now, { ...options, fence: this.fence() });
  }

  override update<T extends AnyResource>(object: T, options?: WriteOptions): Promise<T> {
    return this.inner.update(object, { ...options, fence: this.fence() });
  }

  override delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<T> {
    return this.inner.delete<T>(kind, namespace, name, { ...options, fence: this.fence() });
  }

  override revokeLease(name: string, token: number, options?: WriteOptions): Promise<boolean> {
    return this.inner.revokeLease(name, token, { ...options, fence: this.fence() });
  }

  override claimPods(request: ClaimRequest): Promise<Pod[]> {
    return this.inner.claimPods({ ...request, fence: this.fence() });
  }
}
