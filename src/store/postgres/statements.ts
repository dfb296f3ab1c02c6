import type { AnyResource, ResourceKind } from '../../api/types.js';
import type { ObjectKey } from '../metadata.js';
import type { LogChunk, LogKey, WatchEventType } from '../store.js';
import type { Queryable } from './connection.js';

// Each statement has a name, so node-postgres prepares it once per connection and later runs
// only bind and execute. bigint columns arrive as decimal strings, which is what resourceVersion
// needs and what keeps ids exact beyond 2^53.

/** The stored columns of one object that the store reads back. */
export interface ObjectRow {
  id: string;
  uid: string;
  resource_version: string;
  object: AnyResource;
}

/** One row of the `changes` table. `object` is the JSON text as written. */
export interface ChangeRow {
  id: string;
  type: WatchEventType;
  kind: ResourceKind;
  object: string;
  origin: string;
}

/** The stored columns of one object, with the object as its JSON text. */
export interface StoredRow {
  id: string;
  uid: string;
  resource_version: string;
  json: string;
}

export async function selectObject(db: Queryable, key: ObjectKey): Promise<StoredRow | undefined> {
  const result = await db.query<StoredRow>({
    name: 'select-object-text',
    text: `SELECT id, uid, resource_version, object::text AS json FROM objects
           WHERE kind = $1 AND namespace = $2 AND name = $3`,
    values: [key.kind, key.namespace, key.name],
  });
  return result.rows[0];
}

const listColumns = 'SELECT o.labels, o.object';
const ownedFrom = 'FROM object_owners w JOIN objects o ON o.id = w.object_id';
const listOrder = 'ORDER BY o.namespace, o.name';

/**
 * Returns the objects of one kind, optionally of one namespace and one owner, ordered by
 * namespace, then name. `labels` comes parsed, so a selector can run before `object` is used.
 */
export async function listObjects(
  db: Queryable,
  kind: ResourceKind,
  namespace: string | undefined,
  ownerUid: string | undefined,
): Promise<{ labels: Record<string, string>; object: AnyResource }[]> {
  const query =
    ownerUid === undefined
      ? namespace === undefined
        ? {
            name: 'list-all',
            text: `${listColumns} FROM objects o WHERE o.kind = $1 ${listOrder}`,
            values: [kind],
          }
        : {
            name: 'list-in-namespace',
            text: `${listColumns} FROM objects o WHERE o.kind = $1 AND o.namespace = $2 ${listOrder}`,
            values: [kind, namespace],
          }
      : namespace === undefined
        ? {
            name: 'list-owned',
            text: `${listColumns} ${ownedFrom} WHERE w.owner_uid = $2 AND o.kind = $1 ${listOrder}`,
            values: [kind, ownerUid],
          }
        : {
            name: 'list-owned-in-namespace',
            text: `${listColumns} ${ownedFrom}
                   WHERE w.owner_uid = $2 AND o.kind = $1 AND o.namespace = $3 ${listOrder}`,
            values: [kind, ownerUid, namespace],
          };
  const result = await db.query<{ labels: Record<string, string>; object: AnyResource }>(query);
  return result.rows;
}

/**
 * Returns the changes whose id is in `ids` and up to `limit` changes with an id above
 * `afterId`, in id order.
 */
export async function selectChanges(
  db: Queryable,
  afterId: string,
  ids: readonly string[],
  limit: number,
): Promise<ChangeRow[]> {
  const columns = 'id, type, kind, object::text AS object, origin';
  const result = await db.query<ChangeRow>({
    name: 'select-changes',
    text: `SELECT * FROM (
             (SELECT ${columns} FROM changes WHERE id = ANY ($2::bigint[]))
             UNION ALL
             (SELECT ${columns} FROM changes WHERE id > $1 ORDER BY id LIMIT $3)
           ) AS found
           ORDER BY id`,
    values: [afterId, ids, limit],
  });
  return result.rows;
}

/** Returns the highest change id, or '0' when the table is empty. */
export async function selectLatestChangeId(db: Queryable): Promise<string> {
  const result = await db.query<{ id: string }>({
    name: 'select-latest-change-id',
    text: 'SELECT coalesce(max(id), 0)::text AS id FROM changes',
  });
  return result.rows[0]?.id ?? '0';
}

/** Deletes the changes recorded before `before` (milliseconds) and returns how many went. */
export async function pruneChanges(db: Queryable, before: number): Promise<number> {
  const result = await db.query({
    name: 'prune-changes',
    text: 'DELETE FROM changes WHERE created_at < $1',
    values: [before],
  });
  return result.rowCount ?? 0;
}

/**
 * Appends one chunk with the next sequence number of its container. Two appends to the same
 * container at once can compute the same number, so one of them fails with a unique violation
 * on `log_chunks_seq_unique` and the caller retries it.
 */
export async function insertLogChunk(
  db: Queryable,
  key: LogKey,
  stream: LogChunk['stream'],
  data: string,
  time: number,
): Promise<void> {
  await db.query({
    name: 'insert-log-chunk',
    text: `INSERT INTO log_chunks (namespace, pod, container, seq, stream, time, data)
           SELECT $1, $2, $3, coalesce(max(seq), 0) + 1, $4, $5, $6 FROM log_chunks
           WHERE namespace = $1 AND pod = $2 AND container = $3`,
    values: [key.namespace, key.pod, key.container, stream, time, Buffer.from(data, 'utf8')],
  });
}

export async function selectLog(db: Queryable, key: LogKey, afterSeq: number): Promise<LogChunk[]> {
  const result = await db.query<{
    seq: number;
    stream: LogChunk['stream'];
    time: string;
    data: Buffer;
  }>({
    name: 'select-log',
    text: `SELECT seq, stream, time, data FROM log_chunks
           WHERE namespace = $1 AND pod = $2 AND container = $3 AND seq > $4
           ORDER BY seq`,
    values: [key.namespace, key.pod, key.container, afterSeq],
  });
  return result.rows.map((row) => ({
    seq: row.seq,
    stream: row.stream,
    time: Number(row.time),
    data: row.data.toString('utf8'),
  }));
}

export async function deleteLogs(db: Queryable, namespace: string, pod: string): Promise<void> {
  await db.query({
    name: 'delete-logs',
    text: 'DELETE FROM log_chunks WHERE namespace = $1 AND pod = $2',
    values: [namespace, pod],
  });
}

/** Returns the highest applied migration version, or 0 when none is recorded. */
export async function selectLatestMigration(db: Queryable): Promise<number> {
  const result = await db.query<{ version: number | null }>({
    name: 'select-latest-migration',
    text: 'SELECT max(version) AS version FROM schema_migrations',
  });
  return result.rows[0]?.version ?? 0;
}
