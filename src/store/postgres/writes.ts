import { randomUUID } from 'node:crypto';
import type { AnyResource, ResourceKind } from '../../api/types.js';
import type { Fence } from '../lease.js';
import type { WatchEventType } from '../store.js';
import type { Queryable } from './connection.js';

// Each write is one statement, and so one transaction of its own. The statement checks the
// fence, takes the new resourceVersion, and writes the object row, its owner rows and its
// `changes` row. That is one round trip instead of one per step, and the row locks are held only
// while the statement runs. The `changes` row makes the write visible to other store instances
// once it commits, and ChangeNotifier wakes them afterwards.
//
// The statement takes the resourceVersion itself, only once the fence is held and the row still
// has the version the caller read, so that writes which do not happen leave no gap in the
// versions. The object's JSON text therefore arrives in two parts, before and after the value of
// `metadata.resourceVersion`, and the statement joins them around the version.

/** An object's JSON text split where the value of `metadata.resourceVersion` goes. */
export interface VersionedJson {
  /** The text up to and including the value's opening quote. */
  before: string;
  /** The text from the value's closing quote on. */
  after: string;
}

/** Outcome of one write statement. */
export type WriteOutcome =
  | { result: 'written'; id: string; resourceVersion: string; changeId: string }
  /** The fence's lease has another holder or token, so nothing was written. */
  | { result: 'fenced' }
  /** The row no longer exists or no longer has the expected version. */
  | { result: 'changed' };

/** The columns of the `changes` row that a write records besides the object. */
export interface ChangeColumns {
  origin: string;
  /** The writing instance's clock, in milliseconds. */
  createdAt: number;
}

export interface InsertParameters {
  kind: ResourceKind;
  namespace: string;
  name: string;
  uid: string;
  createdAt: number;
  labels: string;
  object: VersionedJson;
  ownerUids: readonly string[];
}

export interface UpdateParameters {
  id: string;
  kind: ResourceKind;
  /** The update applies only while the row still has this version. */
  expectedVersion: string;
  updatedAt: number;
  labels: string;
  object: VersionedJson;
  ownerUids: readonly string[];
}

export interface DeleteParameters {
  id: string;
  kind: ResourceKind;
  /** The delete applies only while the row still has this version. */
  expectedVersion: string;
  /** The object as deleted, for the DELETED change, which takes its own resourceVersion. */
  object: VersionedJson;
}

/** Returns the JSON text that `split` and `resourceVersion` make up. */
export function joinVersionedJson(split: VersionedJson, resourceVersion: string): string {
  return `${split.before}${resourceVersion}${split.after}`;
}

/**
 * Returns the JSON text of `object` split where the value of `metadata.resourceVersion` goes.
 * The key keeps its place when `object` has it, and comes last in `metadata` otherwise, as an
 * assignment to it would place it.
 */
export function splitAtResourceVersion(object: AnyResource): VersionedJson {
  // A random marker cannot occur anywhere else in the text, so the split finds the one place.
  const marker = `resource-version-${randomUUID()}`;
  const marked = { ...object, metadata: { ...object.metadata, resourceVersion: marker } };
  const [before, after, ...rest] = JSON.stringify(marked).split(marker);
  if (before === undefined || after === undefined || rest.length > 0) {
    throw new Error(`the JSON text of ${object.kind} ${object.metadata.name} has no one version`);
  }
  return { before, after };
}

/** Parameter numbers of a statement's shared values. */
interface Parameters {
  kind: number;
  before: number;
  after: number;
  origin: number;
  createdAt: number;
  /** The first of the fence's three parameters. */
  fence: number;
}

/**
 * Returns the `fence` CTE. With a fence it share-locks the fence row until the statement's
 * transaction ends, so that a take-over waits for this write (see checkFence in leases.ts). It
 * then has a row only while the fence's holder still has the lease with the fence's token.
 * Without a fence it always has one row.
 */
function fenceCte(fence: Fence | undefined, first: number): string {
  if (fence === undefined) return 'fence AS (SELECT 1)';
  return `fence AS MATERIALIZED (
            SELECT 1 FROM lease_fences
            WHERE name = $${first} AND holder = $${first + 1} AND token = $${first + 2}
            FOR SHARE)`;
}

/**
 * Returns the CTEs `fence` and `version`, which has the new resourceVersion as its one row
 * while the fence is held and `condition` is true, and none otherwise.
 */
function versionCtes(fence: Fence | undefined, parameters: Parameters, condition: string): string {
  return `${fenceCte(fence, parameters.fence)},
          version AS MATERIALIZED (
            SELECT nextval('resource_version') AS value
            WHERE EXISTS (SELECT 1 FROM fence) AND ${condition})`;
}

/** Returns the object's JSON text with the new version, from CTE `version`. */
function versionedObject(parameters: Parameters): string {
  return `($${parameters.before}::text || version.value::text || $${parameters.after}::text)::json`;
}

/**
 * Returns the CTE that records a change for each row of CTE `written`, which returns `id`,
 * `resource_version` and `object`, and the final SELECT of the outcome.
 */
function recordChange(type: WatchEventType, parameters: Parameters): string {
  return `change AS (
            INSERT INTO changes (type, kind, object, origin, created_at)
            SELECT '${type}', $${parameters.kind}::text, written.object,
                   $${parameters.origin}::text, $${parameters.createdAt}::bigint
            FROM written
            RETURNING id)
          SELECT EXISTS (SELECT 1 FROM fence) AS fence_held,
                 (SELECT id FROM written)::text AS id,
                 (SELECT resource_version FROM written)::text AS resource_version,
                 (SELECT max(id) FROM change)::text AS change_id`;
}

async function runWrite(
  db: Queryable,
  name: string,
  fence: Fence | undefined,
  text: string,
  values: unknown[],
): Promise<WriteOutcome> {
  const fenceValues = fence === undefined ? [] : [fence.lease, fence.holder, fence.token];
  const result = await db.query<{
    fence_held: boolean;
    id: string | null;
    resource_version: string | null;
    change_id: string | null;
  }>({
    name: fence === undefined ? name : `${name}-fenced`,
    text,
    values: [...values, ...fenceValues],
  });
  const row = result.rows[0];
  if (row === undefined) throw new Error(`the ${name} statement returned no row`);
  if (!row.fence_held) return { result: 'fenced' };
  if (row.id === null || row.resource_version === null || row.change_id === null) {
    return { result: 'changed' };
  }
  return {
    result: 'written',
    id: row.id,
    resourceVersion: row.resource_version,
    changeId: row.change_id,
  };
}

/**
 * Inserts an object with its owner rows and its ADDED change. Rejects with the driver's unique
 * violation (constraint `objects_key_unique` or `objects_uid_unique`) when the name or the uid
 * is taken.
 */
export function insertObjectWithChange(
  db: Queryable,
  parameters: InsertParameters,
  change: ChangeColumns,
  fence: Fence | undefined,
): Promise<WriteOutcome> {
  const numbers = { kind: 1, before: 7, after: 8, origin: 10, createdAt: 11, fence: 12 };
  const text = `WITH ${versionCtes(fence, numbers, 'true')},
          written AS (
            INSERT INTO objects (kind, namespace, name, uid, resource_version, created_at,
                                 updated_at, labels, object)
            SELECT $1::text, $2::text, $3::text, $4::text, version.value, $5::bigint, $5::bigint,
                   $6::jsonb, ${versionedObject(numbers)}
            FROM version
            RETURNING id, resource_version, object),
          owners AS (
            INSERT INTO object_owners (owner_uid, object_id)
            SELECT owner_uid, written.id FROM written, unnest($9::text[]) AS owner_uid),
          ${recordChange('ADDED', numbers)}`;
  return runWrite(db, 'insert-object', fence, text, [
    parameters.kind,
    parameters.namespace,
    parameters.name,
    parameters.uid,
    parameters.createdAt,
    parameters.labels,
    parameters.object.before,
    parameters.object.after,
    [...parameters.ownerUids],
    change.origin,
    change.createdAt,
  ]);
}

/**
 * Replaces an object's row while it still has `expectedVersion`, brings its owner rows in line
 * with `ownerUids`, and records its MODIFIED change.
 */
export function updateObjectWithChange(
  db: Queryable,
  parameters: UpdateParameters,
  change: ChangeColumns,
  fence: Fence | undefined,
): Promise<WriteOutcome> {
  const numbers = { kind: 3, before: 6, after: 7, origin: 9, createdAt: 10, fence: 11 };
  const matches = 'o.id = $1::bigint AND o.resource_version = $2::bigint';
  // Owner rows that stay are neither deleted nor inserted again: a DELETE and an INSERT of the
  // same key in one statement would both see the old row and conflict.
  const text = `WITH ${versionCtes(fence, numbers, `EXISTS (SELECT 1 FROM objects o WHERE ${matches})`)},
          written AS (
            UPDATE objects o
            SET resource_version = version.value, updated_at = $4::bigint, labels = $5::jsonb,
                object = ${versionedObject(numbers)}
            FROM version
            WHERE ${matches}
            RETURNING o.id, o.resource_version, o.object),
          removed_owners AS (
            DELETE FROM object_owners w USING written
            WHERE w.object_id = written.id AND w.owner_uid <> ALL ($8::text[])),
          added_owners AS (
            INSERT INTO object_owners (owner_uid, object_id)
            SELECT owner_uid, written.id FROM written, unnest($8::text[]) AS owner_uid
            ON CONFLICT DO NOTHING),
          ${recordChange('MODIFIED', numbers)}`;
  return runWrite(db, 'update-object', fence, text, [
    parameters.id,
    parameters.expectedVersion,
    parameters.kind,
    parameters.updatedAt,
    parameters.labels,
    parameters.object.before,
    parameters.object.after,
    [...parameters.ownerUids],
    change.origin,
    change.createdAt,
  ]);
}

/**
 * Deletes an object's row while it still has `expectedVersion` and records its DELETED change.
 * Its owner rows go with it (ON DELETE CASCADE).
 */
export function deleteObjectWithChange(
  db: Queryable,
  parameters: DeleteParameters,
  change: ChangeColumns,
  fence: Fence | undefined,
): Promise<WriteOutcome> {
  const numbers = { kind: 3, before: 4, after: 5, origin: 6, createdAt: 7, fence: 8 };
  const matches = 'o.id = $1::bigint AND o.resource_version = $2::bigint';
  const text = `WITH ${versionCtes(fence, numbers, `EXISTS (SELECT 1 FROM objects o WHERE ${matches})`)},
          written AS (
            DELETE FROM objects o USING version
            WHERE ${matches}
            RETURNING o.id, version.value AS resource_version, ${versionedObject(numbers)} AS object),
          ${recordChange('DELETED', numbers)}`;
  return runWrite(db, 'delete-object', fence, text, [
    parameters.id,
    parameters.expectedVersion,
    parameters.kind,
    parameters.object.before,
    parameters.object.after,
    change.origin,
    change.createdAt,
  ]);
}
