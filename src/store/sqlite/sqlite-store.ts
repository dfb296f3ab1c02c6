/* eslint-disable @typescript-eslint/require-await --
   better-sqlite3 is synchronous. The methods stay `async` so that every thrown error reaches the
   caller as a rejected promise, as the Store interface promises. */
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
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
import type { TokenFilter, TokenRecord } from '../tokens.js';
import { SqliteLeases } from './leases.js';
import { SqliteTokens } from './tokens.js';
import { openDatabase } from './connection.js';
import { WalSync } from './wal-sync.js';
import { migrations } from './migrations/index.js';
import type { ObjectRow, Statements } from './statements.js';
import { prepareStatements } from './statements.js';

/** The result of a write transaction and the watch event to deliver once it has committed. */
interface Outcome<T> {
  result: T;
  /** Absent when the write changed nothing. */
  event?: { type: WatchEventType; kind: ResourceKind; json: string };
}

/**
 * The Store on one SQLite file, through better-sqlite3's synchronous API. Every write runs in
 * an immediate transaction, so it takes the write lock before reading and other processes that
 * write the same file wait up to the busy timeout instead of failing on a stale snapshot.
 *
 * NOTE: watch listeners see only the writes of this Store instance. Writes made by other
 * processes on the same file produce no events here.
 */
export class SqliteStore implements Store {
  private readonly statements: Statements;
  private readonly leases: SqliteLeases;
  private readonly tokens: SqliteTokens;
  private readonly listeners = new WatchListeners();
  private readonly walSync: WalSync;

  private constructor(
    private readonly database: Database.Database,
    private readonly clock: Clock,
  ) {
    this.walSync = new WalSync(database);
    this.statements = prepareStatements(database);
    this.leases = new SqliteLeases(database);
    this.tokens = new SqliteTokens(database);
  }

  /** Opens the database file (creating and migrating it when needed). */
  static open(file: string, clock: Clock): SqliteStore {
    return new SqliteStore(openDatabase(file, clock.now()), clock);
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

    const insert = this.database.transaction((): Outcome<T> => {
      this.leases.check(options.fence);
      const resourceVersion = this.nextResourceVersion();
      metadata.resourceVersion = String(resourceVersion);
      const json = JSON.stringify(copy);
      const row = this.statements.insertObject.get({
        ...key,
        uid,
        resourceVersion,
        createdAt: now,
        labels: JSON.stringify(metadata.labels ?? {}),
        object: json,
      });
      if (row === undefined) throw new Error(`inserting ${describe(key)} returned no row id`);
      this.insertOwners(row.id, owners);
      // `copy` is a private deep copy equal to `json`, so the caller gets it without a parse.
      return { result: copy, event: { type: 'ADDED', kind: key.kind, json } };
    });

    let outcome: Outcome<T>;
    try {
      outcome = insert.immediate();
    } catch (error) {
      throw translateUniqueViolation(error, key, uid);
    }
    return this.publish(outcome);
  }

  async get<T extends AnyResource>(kind: T['kind'], namespace: string, name: string): Promise<T> {
    const row = this.statements.selectObject.get({ kind, namespace, name });
    if (row === undefined) throw new NotFoundError(kind, namespace, name);
    return JSON.parse(row.object) as T;
  }

  async find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    const row = this.statements.selectObject.get({ kind, namespace, name });
    return row === undefined ? undefined : (JSON.parse(row.object) as T);
  }

  async list<T extends AnyResource>(kind: T['kind'], options: ListOptions = {}): Promise<T[]> {
    const { namespace, ownerUid, labelSelector = [] } = options;
    // NOTE: label selectors are matched here, after SQL has returned every object of the kind
    // (and namespace or owner), so a selective label query still reads all those rows.
    // Rows are read one at a time, so a list of 100,000 objects never keeps every row's text
    // in memory beside the parsed objects.
    const rows = this.listStatement(namespace, ownerUid).iterate({ kind, namespace, ownerUid });
    const objects: T[] = [];
    for (const row of rows) {
      const labels = JSON.parse(row.labels) as Record<string, string>;
      if (matchesLabelSelector(labels, labelSelector)) objects.push(JSON.parse(row.object) as T);
    }
    return objects;
  }

  async update<T extends AnyResource>(object: T, options: WriteOptions = {}): Promise<T> {
    const key = objectKeyOf(object);
    const copy = copyOf(object);
    const metadata = copy.metadata;
    const owners = ownerUidsOf(copy, key);

    const replace = this.database.transaction((): Outcome<T> => {
      this.leases.check(options.fence);
      const row = this.selectOrThrow(key);
      const stored = JSON.parse(row.object) as AnyResource;
      const storedVersion = String(row.resource_version);
      if (metadata.uid && metadata.uid !== row.uid) {
        throw new ConflictError(
          key.kind,
          key.namespace,
          key.name,
          'metadata.uid',
          metadata.uid,
          row.uid,
          'update',
        );
      }
      if (metadata.resourceVersion && metadata.resourceVersion !== storedVersion) {
        throw new ConflictError(
          key.kind,
          key.namespace,
          key.name,
          'metadata.resourceVersion',
          metadata.resourceVersion,
          storedVersion,
          'update',
        );
      }

      // create sets uid and creationTimestamp, so an update keeps the stored values.
      metadata.uid = row.uid;
      metadata.creationTimestamp = stored.metadata.creationTimestamp;
      metadata.resourceVersion = storedVersion;
      // As in the Kubernetes API server, a write that changes nothing keeps the
      // resourceVersion and sends no event, so controllers that write back unchanged
      // status do not wake themselves up.
      if (sameContent(copy, stored, row.object)) return { result: stored as T };

      const resourceVersion = this.nextResourceVersion();
      metadata.resourceVersion = String(resourceVersion);
      const json = JSON.stringify(copy);
      this.statements.updateObject.run({
        id: row.id,
        resourceVersion,
        updatedAt: this.clock.now(),
        labels: JSON.stringify(metadata.labels ?? {}),
        object: json,
      });
      this.statements.deleteOwners.run({ objectId: row.id });
      this.insertOwners(row.id, owners);
      // `copy` is a private deep copy equal to `json`, so the caller gets it without a parse.
      return { result: copy, event: { type: 'MODIFIED', kind: key.kind, json } };
    });
    return this.publish(replace.immediate());
  }

  async delete<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
    options: DeleteOptions = {},
  ): Promise<T> {
    const key: ObjectKey = { kind, namespace, name };
    const remove = this.database.transaction((): Outcome<T> => {
      this.leases.check(options.fence);
      const row = this.selectOrThrow(key);
      const storedVersion = String(row.resource_version);
      if (options.uid !== undefined && options.uid !== row.uid) {
        throw new ConflictError(
          kind,
          namespace,
          name,
          'metadata.uid',
          options.uid,
          row.uid,
          'delete',
        );
      }
      if (options.resourceVersion !== undefined && options.resourceVersion !== storedVersion) {
        throw new ConflictError(
          kind,
          namespace,
          name,
          'metadata.resourceVersion',
          options.resourceVersion,
          storedVersion,
          'delete',
        );
      }

      // The deletion takes its own resourceVersion, as in Kubernetes, so the DELETED event
      // is ordered after every earlier write.
      const deleted = JSON.parse(row.object) as T;
      deleted.metadata.resourceVersion = String(this.nextResourceVersion());
      this.statements.deleteObject.run({ id: row.id });
      const json = JSON.stringify(deleted);
      return { result: deleted, event: { type: 'DELETED', kind, json } };
    });
    return this.publish(remove.immediate());
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
    const logKey = { namespace: key.namespace, pod: key.pod, container: key.container };
    const append = this.database.transaction(() => {
      const next = this.statements.nextLogSeq.get(logKey);
      if (next === undefined) throw new Error('the log sequence query returned no row');
      this.statements.insertLog.run({ ...logKey, seq: next.seq, stream, time, data });
    });
    append.immediate();
  }

  async readLog(key: LogKey, afterSeq = 0): Promise<LogChunk[]> {
    return this.statements.selectLog.all({
      namespace: key.namespace,
      pod: key.pod,
      container: key.container,
      afterSeq,
    });
  }

  async deleteLogs(namespace: string, pod: string): Promise<void> {
    this.statements.deleteLogs.run({ namespace, pod });
  }

  async acquireLease(name: string, holder: string, durationMs: number): Promise<Lease | undefined> {
    const acquire = this.database.transaction(() =>
      this.leases.acquire(name, holder, durationMs, this.clock.now()),
    );
    return acquire.immediate();
  }

  async releaseLease(name: string, holder: string, token: number): Promise<void> {
    this.leases.releaseLease(name, holder, token);
  }

  async revokeLease(name: string, token: number, options: WriteOptions = {}): Promise<boolean> {
    const revoke = this.database.transaction(() => {
      this.leases.check(options.fence);
      return this.leases.revokeLease(name, token, this.clock.now());
    });
    return revoke.immediate();
  }

  async listLeases(prefix: string): Promise<LeaseStatus[]> {
    return this.leases.listLeases(prefix, this.clock.now());
  }

  async claimPods(request: ClaimRequest): Promise<Pod[]> {
    if (request.limit <= 0) return [];
    const claim = this.database.transaction((): Array<Outcome<Pod>> => {
      this.leases.check(request.fence);
      // Rows are read one at a time and the read stops at the limit, so a claim of a few pods
      // does not parse every pending pod. The updates wait until the read is closed, because
      // better-sqlite3 runs no other statement on a connection while an iteration is open.
      const chosen: Array<{ row: ObjectRow; pod: Pod }> = [];
      for (const row of this.statements.listPendingPods.iterate()) {
        const pod = JSON.parse(row.object) as Pod;
        if (!isClaimable(pod, request.labels)) continue;
        if (request.admit !== undefined && !request.admit(pod)) continue;
        chosen.push({ row, pod });
        if (chosen.length >= request.limit) break;
      }
      const outcomes: Array<Outcome<Pod>> = [];
      for (const { row, pod } of chosen) {
        const claimed = claimedPod(pod, request.worker, request.now);
        const resourceVersion = this.nextResourceVersion();
        claimed.metadata.resourceVersion = String(resourceVersion);
        const json = JSON.stringify(claimed);
        this.statements.updateObject.run({
          id: row.id,
          resourceVersion,
          updatedAt: this.clock.now(),
          labels: JSON.stringify(claimed.metadata.labels ?? {}),
          object: json,
        });
        outcomes.push({ result: claimed, event: { type: 'MODIFIED', kind: 'Pod', json } });
      }
      return outcomes;
    });
    return claim.immediate().map((outcome) => this.publish(outcome));
  }

  async createToken(token: TokenRecord): Promise<void> {
    this.tokens.create(token);
  }

  async findToken(id: string): Promise<TokenRecord | undefined> {
    return this.tokens.find(id);
  }

  async listTokens(filter: TokenFilter = {}): Promise<TokenRecord[]> {
    return this.tokens.listTokens(filter);
  }

  async deleteToken(id: string): Promise<boolean> {
    return this.tokens.delete(id);
  }

  async deleteExpiredTokens(now: number): Promise<number> {
    return this.tokens.deleteExpired(now);
  }

  async checkReady(): Promise<void> {
    const latest = migrations.at(-1)?.version ?? 0;
    const row = this.database
      .prepare<[], { version: number | null }>(
        'SELECT max(version) AS version FROM schema_migrations',
      )
      .get();
    const applied = row?.version ?? 0;
    if (applied < latest) {
      throw new Error(`schema migration ${applied} of ${latest} applied`);
    }
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.walSync.stop();
    this.database.close();
  }

  private nextResourceVersion(): number {
    const row = this.statements.nextResourceVersion.get();
    if (row === undefined) throw new Error('the resource_version table has no row');
    return row.value;
  }

  private selectOrThrow(key: ObjectKey): ObjectRow {
    const row = this.statements.selectObject.get(key);
    if (row === undefined) throw new NotFoundError(key.kind, key.namespace, key.name);
    return row;
  }

  private insertOwners(objectId: number, ownerUids: readonly string[]): void {
    for (const ownerUid of ownerUids) this.statements.insertOwner.run({ ownerUid, objectId });
  }

  private listStatement(namespace: string | undefined, ownerUid: string | undefined) {
    const { listAll, listInNamespace, listOwned, listOwnedInNamespace } = this.statements;
    if (ownerUid === undefined) return namespace === undefined ? listAll : listInNamespace;
    return namespace === undefined ? listOwned : listOwnedInNamespace;
  }

  /** Delivers the watch event of a committed write and returns the caller's copy. */
  private publish<T>(outcome: Outcome<T>): T {
    const event = outcome.event;
    if (event !== undefined) this.listeners.notify(event.type, event.kind, event.json);
    return outcome.result;
  }
}

/**
 * Returns whether `object` has the content of the stored row. Equal JSON texts have equal
 * content, and two JSON.stringify texts of equal content differ at most in key order, which
 * keeps their length, so only texts of equal length need the key-sorted comparison.
 */
function sameContent(object: AnyResource, stored: AnyResource, storedJson: string): boolean {
  const json = JSON.stringify(object);
  if (json === storedJson) return true;
  if (json.length !== storedJson.length) return false;
  return canonicalJson(object) === canonicalJson(stored);
}

function copyOf<T extends AnyResource>(object: T): T {
  return JSON.parse(JSON.stringify(object)) as T;
}

function describe(key: ObjectKey): string {
  return `${key.kind} ${key.namespace}/${key.name}`;
}

/**
 * Maps a UNIQUE constraint failure on insert to AlreadyExistsError. SQLite names the violated
 * columns in the message, so it distinguishes a name clash from a uid clash. Other errors are
 * returned unchanged.
 */
function translateUniqueViolation(error: unknown, key: ObjectKey, uid: string): unknown {
  if (!(error instanceof Database.SqliteError) || error.code !== 'SQLITE_CONSTRAINT_UNIQUE') {
    return error;
  }
  if (error.message.includes('objects.uid')) {
    return new AlreadyExistsError(key.kind, key.namespace, key.name, 'metadata.uid', uid);
  }
  return new AlreadyExistsError(key.kind, key.namespace, key.name);
}
