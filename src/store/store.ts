import type { AnyResource, Pod, ResourceKind } from '../api/types.js';
import type { LabelRequirement } from '../api/selector.js';
import type { ClaimRequest, Fence, Lease, LeaseStatus } from './lease.js';
import type { TokenFilter, TokenRecord } from './tokens.js';

export interface ListOptions {
  /** Omit to list across all namespaces. */
  namespace?: string;
  labelSelector?: LabelRequirement[];
  /** Matches `metadata.ownerReferences[].uid`. */
  ownerUid?: string;
}

export interface WriteOptions {
  /** The write fails with FencedError unless the fence's lease is still held with its token. */
  fence?: Fence;
}

export interface DeleteOptions extends WriteOptions {
  /** The delete fails with a Conflict error unless the stored uid matches. */
  uid?: string;
  /** The delete fails with a Conflict error unless the stored resourceVersion matches. */
  resourceVersion?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent<T extends AnyResource = AnyResource> {
  type: WatchEventType;
  object: T;
}

export interface LogChunk {
  /** Monotonic sequence number within one attempt's log. */
  seq: number;
  stream: 'stdout' | 'stderr';
  /** Milliseconds since the epoch when the chunk was captured. */
  time: number;
  data: string;
}

/** Identifies one container's log within one attempt (Pod). */
export interface LogKey {
  namespace: string;
  pod: string;
  container: string;
}

/**
 * Persistence for every resource kind, with Kubernetes API semantics: unique names per kind
 * and namespace, a store-wide monotonically increasing resourceVersion, and optimistic
 * concurrency on update. Implementations: `store/sqlite/` (default) and, later, PostgreSQL.
 *
 * Errors are StoreError subclasses from `store/errors.ts` (NotFound, AlreadyExists, Conflict,
 * Invalid).
 * Every method is asynchronous so a networked backend can implement the same interface.
 * Writes are single-object and atomic; there are no multi-object transactions, as in Kubernetes.
 */
export interface Store {
  /**
   * Inserts a new object. Assigns `uid` and `creationTimestamp` (from `now`, milliseconds)
   * unless already set, and always a new `resourceVersion`. Throws AlreadyExistsError on a name
   * or uid clash, and InvalidObjectError when `metadata.resourceVersion` is set.
   */
  create<T extends AnyResource>(object: T, now: number, options?: WriteOptions): Promise<T>;

  /** Returns the object or throws NotFoundError. */
  get<T extends AnyResource>(kind: T['kind'], namespace: string, name: string): Promise<T>;

  /** Returns the object or undefined. */
  find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined>;

  /** Lists objects of one kind ordered by namespace, then name. */
  list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]>;

  /**
   * Replaces the whole object. When `object.metadata.resourceVersion` or `metadata.uid` is set it
   * must equal the stored one, else ConflictError. `uid` and `creationTimestamp` keep their stored
   * values. Returns the stored object with its new resourceVersion; an update that changes
   * nothing keeps the resourceVersion and sends no watch event.
   */
  update<T extends AnyResource>(object: T, options?: WriteOptions): Promise<T>;

  /**
   * Deletes the object and returns it as it was, except that `resourceVersion` is the new one
   * that the deletion took (as in the DELETED watch event). Throws NotFoundError or ConflictError.
   */
  delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options?: DeleteOptions,
  ): Promise<T>;

  /** Subscribes to changes of one kind (all kinds when omitted). Returns the unsubscribe function. */
  watch(kind: ResourceKind | undefined, listener: (event: WatchEvent) => void): () => void;

  /** Appends log output of one container of one attempt. The caller enforces the size cap. */
  appendLog(key: LogKey, stream: LogChunk['stream'], data: string, time: number): Promise<void>;

  /** Returns the log chunks of one container with `seq > afterSeq`. */
  readLog(key: LogKey, afterSeq?: number): Promise<LogChunk[]>;

  /** Deletes every log chunk of an attempt. */
  deleteLogs(namespace: string, pod: string): Promise<void>;

  /**
   * Takes lease `name` for `holder`, or renews it when `holder` holds it already. Takes it only
   * when it is free, revoked or expired (by the store's clock); taking it increments its token.
   * Returns the lease when `holder` holds it afterwards, else undefined.
   */
  acquireLease(name: string, holder: string, durationMs: number): Promise<Lease | undefined>;

  /** Gives lease `name` up at once when `holder` still holds it with `token`. */
  releaseLease(name: string, holder: string, token: number): Promise<void>;

  /**
   * Revokes lease `name` if its token is still `token` and it has expired: clears the holder and
   * increments the token, so the old holder's fenced writes fail. A holder that renewed in the
   * meantime keeps its lease. Returns whether it was revoked.
   */
  revokeLease(name: string, token: number, options?: WriteOptions): Promise<boolean>;

  /** Lists the leases whose name starts with `prefix`, ordered by name. */
  listLeases(prefix: string): Promise<LeaseStatus[]>;

  /**
   * Claims up to `request.limit` pending, unassigned attempts (Pods in phase Pending without
   * `status.nodeName` or `deletionTimestamp`) whose nodeSelector the worker's labels satisfy,
   * oldest first: sets phase Running, nodeName and startTime in one transaction. Pods another
   * worker is claiming at the same moment are skipped, not waited for.
   */
  claimPods(request: ClaimRequest): Promise<Pod[]>;

  /** Inserts an API bearer token. Throws AlreadyExistsError when its id is taken. */
  createToken(token: TokenRecord): Promise<void>;

  /** Returns the token with `id`, expired or not, or undefined. */
  findToken(id: string): Promise<TokenRecord | undefined>;

  /** Lists the tokens that match `filter`, expired ones included, oldest first. */
  listTokens(filter?: TokenFilter): Promise<TokenRecord[]>;

  /** Deletes a token. Returns whether it existed. */
  deleteToken(id: string): Promise<boolean>;

  /** Deletes every token whose expiry is at or before `now` (milliseconds). Returns how many. */
  deleteExpiredTokens(now: number): Promise<number>;

  /**
   * Resolves when the database responds and contains every schema migration this build knows;
   * otherwise throws an Error that describes the problem. Readiness probes call it.
   */
  checkReady(): Promise<void>;

  close(): Promise<void>;
}
