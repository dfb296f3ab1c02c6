import type { Database, Statement } from 'better-sqlite3';

/** The stored columns of one object that the store reads back. */
export interface ObjectRow {
  id: number;
  uid: string;
  resource_version: number;
  object: string;
}

/** The columns that list queries return. `labels` lets the selector run before `object` is parsed. */
export interface ListRow {
  labels: string;
  object: string;
}

export interface KeyParameters {
  kind: string;
  namespace: string;
  name: string;
}

export interface InsertParameters extends KeyParameters {
  uid: string;
  resourceVersion: number;
  createdAt: number;
  labels: string;
  object: string;
}

export interface UpdateParameters {
  id: number;
  resourceVersion: number;
  updatedAt: number;
  labels: string;
  object: string;
}

export interface ListParameters {
  kind: string;
  namespace?: string;
  ownerUid?: string;
}

export interface LogRow {
  seq: number;
  stream: 'stdout' | 'stderr';
  time: number;
  data: string;
}

export interface LogKeyParameters {
  namespace: string;
  pod: string;
  container: string;
}

/** Every prepared statement of the SQLite store, compiled once per connection. */
export interface Statements {
  nextResourceVersion: Statement<[], { value: number }>;
  selectObject: Statement<[KeyParameters], ObjectRow>;
  insertObject: Statement<[InsertParameters], { id: number }>;
  updateObject: Statement<[UpdateParameters]>;
  deleteObject: Statement<[{ id: number }]>;
  insertOwner: Statement<[{ ownerUid: string; objectId: number }]>;
  deleteOwners: Statement<[{ objectId: number }]>;
  listAll: Statement<[ListParameters], ListRow>;
  listInNamespace: Statement<[ListParameters], ListRow>;
  listOwned: Statement<[ListParameters], ListRow>;
  listOwnedInNamespace: Statement<[ListParameters], ListRow>;
  nextLogSeq: Statement<[LogKeyParameters], { seq: number }>;
  insertLog: Statement<[LogKeyParameters & LogRow]>;
  selectLog: Statement<[LogKeyParameters & { afterSeq: number }], LogRow>;
  deleteLogs: Statement<[{ namespace: string; pod: string }]>;
  /** Pods in phase Pending, oldest first, for claims. */
  listPendingPods: Statement<[], ObjectRow>;
}

const ownedFrom = 'FROM object_owners w JOIN objects o ON o.id = w.object_id';
const listOrder = 'ORDER BY o.namespace, o.name';

export function prepareStatements(database: Database): Statements {
  return {
    // Without table statistics SQLite prefers the (kind, namespace, name) index, which reads
    // every Pod and sorts them. INDEXED BY makes it walk the partial index of pending Pods in
    // id order instead, so a claim reads only pending rows and can stop at its limit.
    listPendingPods: database.prepare(
      `SELECT id, uid, resource_version, object FROM objects INDEXED BY objects_pending_pods
       WHERE kind = 'Pod' AND json_extract(object, '$.status.phase') = 'Pending'
       ORDER BY id`,
    ),
    nextResourceVersion: database.prepare(
      'UPDATE resource_version SET value = value + 1 WHERE id = 1 RETURNING value',
    ),
    selectObject: database.prepare(
      `SELECT id, uid, resource_version, object FROM objects
       WHERE kind = @kind AND namespace = @namespace AND name = @name`,
    ),
    insertObject: database.prepare(
      `INSERT INTO objects
         (kind, namespace, name, uid, resource_version, created_at, updated_at, labels, object)
       VALUES
         (@kind, @namespace, @name, @uid, @resourceVersion, @createdAt, @createdAt, @labels, @object)
       RETURNING id`,
    ),
    updateObject: database.prepare(
      `UPDATE objects
       SET resource_version = @resourceVersion, updated_at = @updatedAt, labels = @labels,
           object = @object
       WHERE id = @id`,
    ),
    deleteObject: database.prepare('DELETE FROM objects WHERE id = @id'),
    insertOwner: database.prepare(
      'INSERT INTO object_owners (owner_uid, object_id) VALUES (@ownerUid, @objectId)',
    ),
    deleteOwners: database.prepare('DELETE FROM object_owners WHERE object_id = @objectId'),
    listAll: database.prepare(
      `SELECT o.labels, o.object FROM objects o WHERE o.kind = @kind ${listOrder}`,
    ),
    listInNamespace: database.prepare(
      `SELECT o.labels, o.object FROM objects o
       WHERE o.kind = @kind AND o.namespace = @namespace ${listOrder}`,
    ),
    listOwned: database.prepare(
      `SELECT o.labels, o.object ${ownedFrom}
       WHERE w.owner_uid = @ownerUid AND o.kind = @kind ${listOrder}`,
    ),
    listOwnedInNamespace: database.prepare(
      `SELECT o.labels, o.object ${ownedFrom}
       WHERE w.owner_uid = @ownerUid AND o.kind = @kind AND o.namespace = @namespace ${listOrder}`,
    ),
    nextLogSeq: database.prepare(
      `SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM log_chunks
       WHERE namespace = @namespace AND pod = @pod AND container = @container`,
    ),
    insertLog: database.prepare(
      `INSERT INTO log_chunks (namespace, pod, container, seq, stream, time, data)
       VALUES (@namespace, @pod, @container, @seq, @stream, @time, @data)`,
    ),
    selectLog: database.prepare(
      `SELECT seq, stream, time, data FROM log_chunks
       WHERE namespace = @namespace AND pod = @pod AND container = @container AND seq > @afterSeq
       ORDER BY seq`,
    ),
    deleteLogs: database.prepare(
      'DELETE FROM log_chunks WHERE namespace = @namespace AND pod = @pod',
    ),
  };
}
