import { performance } from 'node:perf_hooks';
import { Histogram, exponentialBuckets } from 'prom-client';
import type { Registry } from 'prom-client';
import type { AnyResource, Pod, ResourceKind } from '../../api/types.js';
import type { ClaimRequest, Lease, LeaseStatus } from '../../store/lease.js';
import type { TokenFilter, TokenRecord } from '../../store/tokens.js';
import type {
  DeleteOptions,
  ListOptions,
  LogChunk,
  LogKey,
  Store,
  WatchEvent,
  WriteOptions,
} from '../../store/store.js';

/**
 * Wraps a Store so that the duration of every call, failed ones included, lands in
 * `cronmesh_store_operation_duration_seconds{operation}`. Watches are not timed, because their
 * listeners run for as long as the subscription lasts.
 */
export class TimedStore implements Store {
  private readonly histogram: Histogram<'operation'>;

  constructor(
    private readonly inner: Store,
    registry: Registry,
  ) {
    this.histogram = new Histogram({
      name: 'cronmesh_store_operation_duration_seconds',
      help: 'Duration of store operations, failed ones included.',
      labelNames: ['operation'],
      // 50 µs to about 1.6 s.
      buckets: exponentialBuckets(0.00005, 2, 16),
      registers: [registry],
    });
  }

  create<T extends AnyResource>(object: T, now: number, options?: WriteOptions): Promise<T> {
    return this.time('create', () => this.inner.create(object, now, options));
  }

  get<T extends AnyResource>(kind: T['kind'], namespace: string, name: string): Promise<T> {
    return this.time('get', () => this.inner.get<T>(kind, namespace, name));
  }

  find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    return this.time('find', () => this.inner.find<T>(kind, namespace, name));
  }

  list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    return this.time('list', () => this.inner.list<T>(kind, options));
  }

  update<T extends AnyResource>(object: T, options?: WriteOptions): Promise<T> {
    return this.time('update', () => this.inner.update(object, options));
  }

  delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<T> {
    return this.time('delete', () => this.inner.delete<T>(kind, namespace, name, options));
  }

  watch(kind: ResourceKind | undefined, listener: (event: WatchEvent) => void): () => void {
    return this.inner.watch(kind, listener);
  }

  appendLog(key: LogKey, stream: LogChunk['stream'], data: string, time: number): Promise<void> {
    return this.time('appendLog', () => this.inner.appendLog(key, stream, data, time));
  }

  readLog(key: LogKey, afterSeq?: number): Promise<LogChunk[]> {
    return this.time('readLog', () => this.inner.readLog(key, afterSeq));
  }

  deleteLogs(namespace: string, pod: string): Promise<void> {
    return this.time('deleteLogs', () => this.inner.deleteLogs(namespace, pod));
  }

  acquireLease(name: string, holder: string, durationMs: number): Promise<Lease | undefined> {
    return this.time('acquireLease', () => this.inner.acquireLease(name, holder, durationMs));
  }

  releaseLease(name: string, holder: string, token: number): Promise<void> {
    return this.time('releaseLease', () => this.inner.releaseLease(name, holder, token));
  }

  revokeLease(name: string, token: number, options?: WriteOptions): Promise<boolean> {
    return this.time('revokeLease', () => this.inner.revokeLease(name, token, options));
  }

  listLeases(prefix: string): Promise<LeaseStatus[]> {
    return this.time('listLeases', () => this.inner.listLeases(prefix));
  }

  claimPods(request: ClaimRequest): Promise<Pod[]> {
    return this.time('claimPods', () => this.inner.claimPods(request));
  }

  createToken(token: TokenRecord): Promise<void> {
    return this.time('createToken', () => this.inner.createToken(token));
  }

  findToken(id: string): Promise<TokenRecord | undefined> {
    return this.time('findToken', () => this.inner.findToken(id));
  }

  listTokens(filter?: TokenFilter): Promise<TokenRecord[]> {
    return this.time('listTokens', () => this.inner.listTokens(filter));
  }

  deleteToken(id: string): Promise<boolean> {
    return this.time('deleteToken', () => this.inner.deleteToken(id));
  }

  deleteExpiredTokens(now: number): Promise<number> {
    return this.time('deleteExpiredTokens', () => this.inner.deleteExpiredTokens(now));
  }

  checkReady(): Promise<void> {
    return this.time('checkReady', () => this.inner.checkReady());
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async time<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await call();
    } finally {
      this.histogram.observe({ operation }, (performance.now() - started) / 1000);
    }
  }
}
