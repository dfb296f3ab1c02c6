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
import type { ClaimRequest, Lease, LeaseStatus } from '../lease.js';
import { lockClaimablePods } from './claims.js';
import { acquireLease, checkFence, listLeases, releaseLease, revokeLease } from './leases.js';
import { ChangeFeed } from './change-feed.js';
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
import type { ObjectRow } from './statements.js';
import {
  deleteLogs,
  deleteObject,
  deleteOwners,
  insertLogChunk,
  insertObject,
  insertOwners,
  listObjects,
  nextResourceVersion,
  pruneChanges,
  recordChange,
  selectLatestMigration,
  selectLog,
  selectObject,
  updateObject,
} from './statements.js';
import { parsePostgresUrl } from './url.js';

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
 * has the version it read, in a transaction that also records the change and notifies the
 * schema's channel. Watch listeners get this instance's writes right after commit, as with
 * SQLite, and other instances' writes through the change feed.
 */
export class PostgresStore implements Store {
  private readonly listeners: WatchListeners;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private pruning: Promise<void> = Promise.resolve();
  private closing: Promise<void> | undefined;

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

    let json: string;
    try {
      json = await withTransaction(this.pool, async (client) => {
        await checkFence(client, options.fence);
        metadata.resourceVersion = await nextResourceVersion(client);
        const text = JSON.stringify(copy);
        const id = await insertObject(client, {
          ...key,
          uid,
          resourceVersion: metadata.resourceVersion,
          createdAt: now,
          labels: JSON.stringify(metadata.labels ?? {}),
          object: text,
        });
        await insertOwners(client, id, owners);
        await this.recordChange(client, 'ADDED', key.kind, text);
        return text;
      });
    } catch (error) {
      throw translateUniqueViolation(error, key, uid);
    }
    return this.publish<T>('ADDED', key.kind, json);
  }

  async get<T extends AnyResource>(kind: T['kind'], namespace: string, name: string): Promise<T> {
    const row = await this.selectOrThrow({ kind, namespace, name });
    return row.object as T;
  }

  async find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    const row = await selectObject(this.pool, { kind, namespace, name });
    return row?.object as T | undefined;
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
      const row = await this.selectOrThrow(key);
      const stored = row.object;
      if (expectedUid && expectedUid !== row.uid) {
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
      // status do not wake themselves up.
      if (canonicalJson(copy) === canonicalJson(stored)) return stored as T;

      const json = await withTransaction(this.pool, async (client) => {
        await checkFence(client, options.fence);
        metadata.resourceVersion = await nextResourceVersion(client);
        const text = JSON.stringify(copy);
        const updated = await updateObject(client, {
          id: row.id,
          expectedVersion: row.resource_version,
          resourceVersion: metadata.resourceVersion,
          updatedAt: this.clock.now(),
          labels: JSON.stringify(metadata.labels ?? {}),
          object: text,
        });
        if (!updated) return undefined;
        await deleteOwners(client, row.id);
        await insertOwners(client, row.id, owners);
        await this.recordChange(client, 'MODIFIED', key.kind, text);
        return text;
      });
      if (json !== undefined) return this.publish<T>('MODIFIED', key.kind, json);
      // Another writer changed or deleted the row since the read: read it again.
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
      const deleted = row.object as T;
      const json = await withTransaction(this.pool, async (client) => {
        await checkFence(client, options.fence);
        deleted.metadata.resourceVersion = await nextResourceVersion(client);
        if (!(await deleteObject(client, row.id, row.resource_version))) return undefined;
        const text = JSON.stringify(deleted);
        await this.recordChange(client, 'DELETED', kind, text);
        return text;
      });
      if (json !== undefined) return this.publish<T>('DELETED', kind, json);
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
    const claimed = await withTransaction(this.pool, async (client) => {
      await checkFence(client, request.fence);
      const texts: string[] = [];
      for (const row of await lockClaimablePods(client, request.labels, request.limit)) {
        const pod = row.object as Pod;
        if (!isClaimable(pod, request.labels)) continue;
        const claim = claimedPod(pod, request.worker, request.now);
        claim.metadata.resourceVersion = await nextResourceVersion(client);
        const text = JSON.stringify(claim);
        const updated = await updateObject(client, {
          id: row.id,
          expectedVersion: row.resource_version,
          resourceVersion: claim.metadata.resourceVersion,
          updatedAt: this.clock.now(),
          labels: JSON.stringify(claim.metadata.labels ?? {}),
          object: text,
        });
        if (!updated) throw new Error(`claimed pod ${claim.metadata.name} changed while locked`);
        await this.recordChange(client, 'MODIFIED', 'Pod', text);
        texts.push(text);
      }
      return texts;
    });
    return claimed.map((text) => this.publish<Pod>('MODIFIED', 'Pod', text));
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
      await this.pool.end();
    })();
    return this.closing;
  }

  private async selectOrThrow(key: ObjectKey): Promise<ObjectRow> {
    const row = await selectObject(this.pool, key);
    if (row === undefined) throw new NotFoundError(key.kind, key.namespace, key.name);
    return row;
  }

  private recordChange(
    client: pg.PoolClient,
    type: WatchEventType,
    kind: ResourceKind,
    object: string,
  ): Promise<void> {
    return recordChange(client, this.channel, {
      type,
      kind,
      object,
      origin: this.instanceId,
      createdAt: this.clock.now(),
    });
  }

  /** Delivers the watch event of a committed write and returns the caller's copy. */
  private publish<T>(type: WatchEventType, kind: ResourceKind, json: string): T {
    this.listeners.notify(type, kind, json);
    this.pruneIfDue();
    return JSON.parse(json) as T;
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
    lastRead: ObjectRow,
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
