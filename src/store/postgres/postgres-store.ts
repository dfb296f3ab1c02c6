import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { AnyResource, Pod, ResourceKind } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import { AlreadyExistsError, ConflictError, InvalidObjectError, NotFoundError } from '../errors.js';
import { matchesLabelSelector } from '../labels.js';
import type { ObjectKey } from '../metadata.js';
import { canonicalJson, formatTimestamp, objectKeyOf, ownerUidsOf } from '../metadata.js';
import type {
  DeleteOptions,
  ListOptions,
  LogChunk,
  LogKey,
  Store,
  WatchEvent,
  WatchEventType,
  WriteOptions,
} from '../store.js';
import { WatchListeners } from '../watchers.js';
import { claimedPod, isClaimable } from '../claim.js';
import type { ClaimRequest, Fence, Lease, LeaseStatus } from '../lease.js';
import { FencedError } from '../lease.js';
import type { TokenFilter, TokenRecord } from '../tokens.js';
import type { LockedPodRow, PodClaim } from './claims.js';
import { lockClaimablePods, writeClaims } from './claims.js';
import { acquireLease, checkFence, listLeases, releaseLease, revokeLease } from './leases.js';
import { ChangeFeed } from './change-feed.js';
import { ChangeNotifier } from './change-notifier.js';
import {
  changeChannelOf,
  clientConfigOf,
  createPool,
  defaultPoolSize,
  hasSqlState,
  withTransaction,
} from './connection.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';
import { RowCache } from './row-cache.js';
import type { StoredRow } from './statements.js';
import {
  deleteLogs,
  insertLogChunk,
  listObjects,
  pruneChanges,
  selectLatestMigration,
  selectLog,
  selectObject,
} from './statements.js';
import {
  deleteExpiredTokens,
  deleteToken,
  insertToken,
  selectToken,
  selectTokens,
} from './tokens.js';
import { parsePostgresUrl } from './url.js';
import type { ChangeColumns, VersionedJson, WriteOutcome } from './writes.js';
import {
  deleteObjectWithChange,
  insertObjectWithChange,
  joinVersionedJson,
  splitAtResourceVersion,
  updateObjectWithChange,
} from './writes.js';

/** How long rows of the change feed are kept for other instances that are reconnecting. */
export const changeRetentionMs = 10 * 60_000;
/** Minimum clock time between two prunes of the change feed by one store. */
const pruneIntervalMs = 60_000;
/**
 * Attempts of an update or delete whose row changed between the read and the write. A write with
 * a resourceVersion precondition ends with ConflictError at its first re-read, so only writes
 * without one can use up the attempts.
 */
const maxWriteAttempts = 50;
/** Attempts of a log append that raced another append to the same container for a seq. */
const maxLogAppendAttempts = 10;
/** Rows kept for updates that name the version this instance read or wrote last. */
const rowCacheCapacity = 1_000;
const uniqueViolation = '23505';

export interface PostgresStoreOptions {
  /** `postgres://USER@HOST:PORT/DATABASE?schema=NAME`, see parsePostgresUrl. */
  url: string;
  clock: Clock;
  /** Connections of the query pool; defaults to 10. The change feed has one more. */
  poolSize?: number;
}

/**
 * The Store on one schema of a PostgreSQL database, for several processes at once. Writes use
 * optimistic concurrency: an update or delete reads the row, then changes it only while it still
 * has the version it read, in one statement that also records the change. After the commit the
 * schema's channel is notified. Watch listeners get this instance's writes right after commit,
 * as with SQLite, and other instances' writes through the change feed.
 */
export class PostgresStore implements Store {
  private readonly listeners: WatchListeners;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private pruning: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

  private readonly notifier: ChangeNotifier;
  private readonly rows = new RowCache(rowCacheCapacity);

  private constructor(
    /** Identifies this instance in `changes.origin` and in application_name. */
    readonly instanceId: string,
    private readonly pool: pg.Pool,
    private readonly feed: ChangeFeed,
    listeners: WatchListeners,
    private readonly channel: string,
    private readonly clock: Clock,
  ) {
    this.listeners = listeners;
    this.notifier = new ChangeNotifier({ db: pool, channel, origin: instanceId, warn });
  }

  /**
   * Connects, creates the schema and migrates it when needed, and starts the change feed.
   * Throws InvalidStoreUrlError for an unusable URL and UnknownMigrationError when a newer
   * cronmesh has migrated the schema.
   */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const target = parsePostgresUrl(options.url);
    const poolSize = options.poolSize ?? defaultPoolSize;
    if (!Number.isInteger(poolSize) || poolSize < 1) {
      throw new RangeError(`invalid pool size ${poolSize}: expected an integer of at least 1`);
    }
    const instanceId = randomUUID();
    const channel = changeChannelOf(target.schema);
    const listeners = new WatchListeners();
    const pool = createPool(target, `cronmesh-${instanceId}`, poolSize, (error) =>
      warn(`idle store connection failed: ${error.message}`, 'CRONMESH_STORE_CONNECTION_FAILED'),
    );
    try {
      await migrate(pool, target, migrations, options.clock.now());
      const feed = await ChangeFeed.start({
        clientConfig: clientConfigOf(target, `cronmesh-listen-${instanceId}`),
        channel,
        origin: instanceId,
        clock: options.clock,
        retentionMs: changeRetentionMs,
        deliver: (change) => listeners.notify(change.type, change.kind, change.object),
        warn,
      });
      return new PostgresStore(instanceId, pool, feed, listeners, channel, options.clock);
    } catch (error) {
      await pool.end();
      throw error;
    }
  }

  async create<T extends AnyResource>(
    object: T,
    now: number,
    options: WriteOptions = {},
  ): Promise<T> {
    const key = objectKeyOf(object);
    const copy = copyOf(object);
    const metadata = copy.metadata;
    if (metadata.resourceVersion) {
      throw new InvalidObjectError(
        key.kind,
        key.namespace,
        key.name,
        'metadata.resourceVersion',
        metadata.resourceVersion,
        'must be empty when creating an object, because the store assigns it',
      );
    }
    if (!metadata.uid) metadata.uid = randomUUID();
    if (!metadata.creationTimestamp) metadata.creationTimestamp = formatTimestamp(now);
    const uid = metadata.uid;
    const owners = ownerUidsOf(copy, key);

    const split = splitAtResourceVersion(copy);
    let outcome: WriteOutcome;
    try {
      outcome = await insertObjectWithChange(
        this.pool,
        {
          ...key,
          uid,
          createdAt: now,
          labels: JSON.stringify(metadata.labels ?? {}),
          object: split,
          ownerUids: owners,
        },
        this.changeColumns(),
        options.fence,
      );
    } catch (error) {
      throw translateUniqueViolation(error, key, uid);
    }
    const written = writtenOrUndefined(outcome, options.fence);
    if (written === undefined) throw new Error(`inserting ${key.kind} ${key.name} wrote no row`);
    return this.publish<T>('ADDED', key, uid, split, written);
  }

  async get<T extends AnyResource>(kind: T['kind'], namespace: string, name: string): Promise<T> {
    const row = await this.selectOrThrow({ kind, namespace, name });
    return JSON.parse(row.json) as T;
  }

  async find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    const row = await this.selectRow({ kind, namespace, name });
    return row === undefined ? undefined : (JSON.parse(row.json) as T);
  }

  async list<T extends AnyResource>(kind: T['kind'], options: ListOptions = {}): Promise<T[]> {
    const { namespace, ownerUid, labelSelector = [] } = options;
    // NOTE: label selectors are matched here, after SQL has returned every object of the kind
    // (and namespace or owner), so a selective label query still reads all those rows.
    const rows = await listObjects(this.pool, kind, namespace, ownerUid);
    return rows
      .filter((row) => matchesLabelSelector(row.labels, labelSelector))
      .map((row) => row.object as T);
  }

  async update<T extends AnyResource>(object: T, options: WriteOptions = {}): Promise<T> {
    const key = objectKeyOf(object);
    const owners = ownerUidsOf(object, key);
    const expectedUid = object.metadata.uid;
    const expectedVersion = object.metadata.resourceVersion;

    for (let attempt = 1; ; attempt += 1) {
      const cached =
        attempt === 1 && expectedVersion ? this.cachedRow(key, expectedVersion) : undefined;
      const row = cached ?? (await this.selectOrThrow(key));
      const stored = JSON.parse(row.json) as AnyResource;
      if (expectedUid && expectedUid !== row.uid) {
        // The error names the uid of the current row, which a cached row may not be.
        if (cached !== undefined) continue;
        throw conflict(key, 'metadata.uid', expectedUid, row.uid, 'update');
      }
      if (expectedVersion && expectedVersion !== row.resource_version) {
        throw conflict(
          key,
          'metadata.resourceVersion',
          expectedVersion,
          row.resource_version,
          'update',
        );
      }

      // create sets uid and creationTimestamp, so an update keeps the stored values.
      const copy = copyOf(object);
      const metadata = copy.metadata;
      metadata.uid = row.uid;
      metadata.creationTimestamp = stored.metadata.creationTimestamp;
      metadata.resourceVersion = row.resource_version;
      // As in the Kubernetes API server, a write that changes nothing keeps the
      // resourceVersion and sends no event, so controllers that write back unchanged
      // status do not wake themselves up. A cached row may be stale, so the database confirms
      // such a no-op, which is then a conflict when the row has moved on.
      if (canonicalJson(copy) === canonicalJson(stored)) {
        if (cached !== undefined) continue;
        return stored as T;
      }

      const split = splitAtResourceVersion(copy);
      const outcome = await updateObjectWithChange(
        this.pool,
        {
          id: row.id,
          kind: key.kind,
          expectedVersion: row.resource_version,
          updatedAt: this.clock.now(),
          labels: JSON.stringify(metadata.labels ?? {}),
          object: split,
          ownerUids: owners,
        },
        this.changeColumns(),
        options.fence,
      );
      const written = writtenOrUndefined(outcome, options.fence);
      if (written !== undefined) return this.publish<T>('MODIFIED', key, row.uid, split, written);
      // Another writer changed or deleted the row since the read: read it again.
      this.rows.forget(key);
      if (attempt === maxWriteAttempts) throw await this.raceLost(key, row, 'update');
    }
  }

  async delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    const key: ObjectKey = { kind, namespace, name };
    for (let attempt = 1; ; attempt += 1) {
      const row = await this.selectOrThrow(key);
      if (options.uid !== undefined && options.uid !== row.uid) {
        throw conflict(key, 'metadata.uid', options.uid, row.uid, 'delete');
      }
      if (
        options.resourceVersion !== undefined &&
        options.resourceVersion !== row.resource_version
      ) {
        throw conflict(
          key,
          'metadata.resourceVersion',
          options.resourceVersion,
          row.resource_version,
          'delete',
        );
      }

      // The deletion takes its own resourceVersion, as in Kubernetes, so the DELETED event
      // is ordered after every earlier write of the object.
      const split = splitAtResourceVersion(JSON.parse(row.json) as AnyResource);
      const outcome = await deleteObjectWithChange(
        this.pool,
        { id: row.id, kind, expectedVersion: row.resource_version, object: split },
        this.changeColumns(),
        options.fence,
      );
      const written = writtenOrUndefined(outcome, options.fence);
      this.rows.forget(key);
      if (written !== undefined) return this.publish<T>('DELETED', key, row.uid, split, written);
      if (attempt === maxWriteAttempts) throw await this.raceLost(key, row, 'delete');
    }
  }

  watch(kind: ResourceKind | undefined, listener: (event: WatchEvent) => void): () => void {
    return this.listeners.add(kind, listener);
  }

  async appendLog(
    key: LogKey,
    stream: LogChunk['stream'],
    data: string,
    time: number,
  ): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await insertLogChunk(this.pool, key, stream, data, time);
        return;
      } catch (error) {
        const raced =
          hasSqlState(error, uniqueViolation) && error.constraint === 'log_chunks_seq_unique';
        if (!raced || attempt === maxLogAppendAttempts) throw error;
      }
    }
  }

  async readLog(key: LogKey, afterSeq = 0): Promise<LogChunk[]> {
    return selectLog(this.pool, key, afterSeq);
  }

  async deleteLogs(namespace: string, pod: string): Promise<void> {
    await deleteLogs(this.pool, namespace, pod);
  }

  acquireLease(name: string, holder: string, durationMs: number): Promise<Lease | undefined> {
    return withTransaction(this.pool, (client) => acquireLease(client, name, holder, durationMs));
  }

  releaseLease(name: string, holder: string, token: number): Promise<void> {
    return releaseLease(this.pool, name, holder, token);
  }

  async revokeLease(name: string, token: number, options: WriteOptions = {}): Promise<boolean> {
    return withTransaction(this.pool, async (client) => {
      await checkFence(client, options.fence);
      return revokeLease(client, name, token);
    });
  }

  listLeases(prefix: string): Promise<LeaseStatus[]> {
    return listLeases(this.pool, prefix);
  }

  async claimPods(request: ClaimRequest): Promise<Pod[]> {
    if (request.limit <= 0) return [];
    const { claims, changeId } = await withTransaction(this.pool, async (client) => {
      await checkFence(client, request.fence);
      const claims: PodClaim[] = [];
      // A pod that `admit` rejects leaves its slot free, so further pages are locked until
      // `limit` pods are claimed or no claimable pod is left.
      let afterId: string | undefined;
      for (;;) {
        const rows = await lockClaimablePods(client, request.labels, request.limit, afterId);
        for (const row of rows) {
          afterId = row.id;
          if (claims.length >= request.limit) break;
          const claim = claimRow(row, request);
          if (claim !== undefined) claims.push(claim);
        }
        const more = request.admit !== undefined && rows.length === request.limit;
        if (!more || claims.length >= request.limit) break;
      }
      // The claimed rows stay locked until the commit, so they are written together.
      if (claims.length === 0) return { claims, changeId: undefined };
      const changeColumns = this.changeColumns();
      const changeId = await writeClaims(client, claims, changeColumns.createdAt, changeColumns);
      return { claims, changeId };
    });
    if (changeId === undefined) return [];
    for (const claim of claims) {
      this.rows.remember(claim.key, {
        id: claim.id,
        uid: claim.uid,
        resourceVersion: claim.resourceVersion,
        json: claim.object,
      });
      this.listeners.notify('MODIFIED', 'Pod', claim.object);
    }
    this.afterCommit(changeId);
    return claims.map((claim) => JSON.parse(claim.object) as Pod);
  }

  createToken(token: TokenRecord): Promise<void> {
    return insertToken(this.pool, token);
  }

  findToken(id: string): Promise<TokenRecord | undefined> {
    return selectToken(this.pool, id);
  }

  listTokens(filter: TokenFilter = {}): Promise<TokenRecord[]> {
    return selectTokens(this.pool, filter);
  }

  deleteToken(id: string): Promise<boolean> {
    return deleteToken(this.pool, id);
  }

  deleteExpiredTokens(now: number): Promise<number> {
    return deleteExpiredTokens(this.pool, now);
  }

  async checkReady(): Promise<void> {
    const latest = migrations.at(-1)?.version ?? 0;
    const applied = await selectLatestMigration(this.pool);
    if (applied < latest) {
      throw new Error(`schema migration ${applied} of ${latest} applied`);
    }
  }

  /** Stops the change feed, waits for a running prune and closes the pool. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.listeners.clear();
      await this.feed.close();
      await this.pruning;
      await this.notifier.idle();
      await this.pool.end();
    })();
    return this.closing;
  }

  /** Reads an object's row and caches it for a later update. */
  private async selectRow(key: ObjectKey): Promise<StoredRow | undefined> {
    const row = await selectObject(this.pool, key);
    if (row === undefined) {
      this.rows.forget(key);
      return undefined;
    }
    const { id, uid, resource_version: resourceVersion, json } = row;
    this.rows.remember(key, { id, uid, resourceVersion, json });
    return row;
  }

  private async selectOrThrow(key: ObjectKey): Promise<StoredRow> {
    const row = await this.selectRow(key);
    if (row === undefined) throw new NotFoundError(key.kind, key.namespace, key.name);
    return row;
  }

  private cachedRow(key: ObjectKey, resourceVersion: string): StoredRow | undefined {
    const row = this.rows.get(key, resourceVersion);
    if (row === undefined) return undefined;
    return { id: row.id, uid: row.uid, resource_version: row.resourceVersion, json: row.json };
  }

  private changeColumns(): ChangeColumns {
    return { origin: this.instanceId, createdAt: this.clock.now() };
  }

  /**
   * Delivers the watch event of a committed write to this instance's listeners, has other
   * instances notified, and returns the caller's copy.
   */
  private publish<T>(
    type: WatchEventType,
    key: ObjectKey,
    uid: string,
    split: VersionedJson,
    written: WrittenChange,
  ): T {
    const json = joinVersionedJson(split, written.resourceVersion);
    if (type !== 'DELETED') {
      this.rows.remember(key, {
        id: written.id,
        uid,
        resourceVersion: written.resourceVersion,
        json,
      });
    }
    this.listeners.notify(type, key.kind, json);
    this.afterCommit(written.changeId);
    return JSON.parse(json) as T;
  }

  /**
   * Prunes old changes when due and notifies other instances of change `changeId`. The write
   * does not wait for the notification. Should this process stop before notifying, the other
   * instances' change feeds, which also poll, read the change within pollIntervalMs.
   */
  private afterCommit(changeId: string): void {
    this.pruneIfDue();
    void this.notifier.notifyAfter(changeId);
  }

  /**
   * Deletes changes older than the retention, at most once per prune interval of this store.
   * Writes trigger it, so an idle store costs nothing, and the write does not wait for it.
   */
  private pruneIfDue(): void {
    const now = this.clock.now();
    if (now - this.lastPruneAt < pruneIntervalMs) return;
    this.lastPruneAt = now;
    this.pruning = this.pruning.then(() =>
      pruneChanges(this.pool, now - changeRetentionMs).then(
        () => undefined,
        (error: unknown) =>
          warn(
            `pruning the store change feed failed: ${error instanceof Error ? error.message : String(error)}`,
            'CRONMESH_STORE_PRUNE_FAILED',
          ),
      ),
    );
  }

  /** Returns the error of a write that lost maxWriteAttempts races in a row. */
  private async raceLost(
    key: ObjectKey,
    lastRead: StoredRow,
    operation: 'update' | 'delete',
  ): Promise<Error> {
    const current = await selectObject(this.pool, key);
    if (current === undefined) return new NotFoundError(key.kind, key.namespace, key.name);
    return conflict(
      key,
      'metadata.resourceVersion',
      lastRead.resource_version,
      current.resource_version,
      operation,
    );
  }
}

function warn(message: string, code: string): void {
  process.emitWarning(message, { code });
}

function copyOf<T extends AnyResource>(object: T): T {
  return JSON.parse(JSON.stringify(object)) as T;
}

function conflict(
  key: ObjectKey,
  field: ConflictError['field'],
  value: string,
  current: string,
  operation: 'update' | 'delete',
): ConflictError {
  return new ConflictError(key.kind, key.namespace, key.name, field, value, current, operation);
}

/**
 * Maps a unique violation on insert to AlreadyExistsError. The violated constraint distinguishes a
 * name clash from a uid clash. Other errors are returned unchanged.
 */
function translateUniqueViolation(error: unknown, key: ObjectKey, uid: string): unknown {
  if (!hasSqlState(error, uniqueViolation)) return error;
  if (error.constraint === 'objects_uid_unique') {
    return new AlreadyExistsError(key.kind, key.namespace, key.name, 'metadata.uid', uid);
  }
  if (error.constraint === 'objects_key_unique') {
    return new AlreadyExistsError(key.kind, key.namespace, key.name);
  }
  return error;
}

type WrittenChange = Extract<WriteOutcome, { result: 'written' }>;

/**
 * Returns the outcome of a write statement that wrote, or undefined when its row had changed
 * since it was read. Throws FencedError when the fence's lease had changed hands.
 */
function writtenOrUndefined(
  outcome: WriteOutcome,
  fence: Fence | undefined,
): WrittenChange | undefined {
  if (outcome.result === 'fenced' && fence !== undefined) throw new FencedError(fence);
  return outcome.result === 'written' ? outcome : undefined;
}

/** Returns the claim of one locked row, or undefined when it is not claimable or `admit` rejects it. */
function claimRow(row: LockedPodRow, request: ClaimRequest): PodClaim | undefined {
  const pod = row.object as Pod;
  if (!isClaimable(pod, request.labels)) return undefined;
  if (request.admit !== undefined && !request.admit(pod)) return undefined;
  const claim = claimedPod(pod, request.worker, request.now);
  claim.metadata.resourceVersion = row.next_version;
  return {
    key: objectKeyOf(pod),
    id: row.id,
    uid: row.uid,
    expectedVersion: row.resource_version,
    resourceVersion: row.next_version,
    labels: JSON.stringify(claim.metadata.labels ?? {}),
    object: JSON.stringify(claim),
  };
}
