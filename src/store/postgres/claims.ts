import type { ObjectKey } from '../metadata.js';
import type { Queryable } from './connection.js';
import type { ObjectRow } from './statements.js';
import type { ChangeColumns } from './writes.js';

/** A locked pending Pod and the resourceVersion its claim takes. */
export type LockedPodRow = ObjectRow & { next_version: string };

/** The new row of one claimed Pod. */
export interface PodClaim {
  key: ObjectKey;
  id: string;
  uid: string;
  /** The version the row had when it was locked. */
  expectedVersion: string;
  resourceVersion: string;
  labels: string;
  object: string;
}

/**
 * Locks up to `limit` claimable pending Pods with an id above `afterId`, oldest first, skipping
 * rows that another transaction has locked, so concurrent workers never wait for or claim the
 * same attempt. Each row comes with a new resourceVersion, taken after the row was locked, so it
 * is higher than the row's version; a row that is not claimed after all leaves a gap.
 */
export async function lockClaimablePods(
  db: Queryable,
  labels: Record<string, string>,
  limit: number,
  afterId?: string,
): Promise<LockedPodRow[]> {
  // The outer query takes the versions: the subquery, with its LIMIT and FOR UPDATE, is planned
  // on its own and hands the outer one only rows it has locked.
  const result = await db.query<LockedPodRow>({
    name: 'lock-claimable-pods',
    text: `SELECT locked.*, nextval('resource_version')::text AS next_version FROM (
             SELECT id, uid, resource_version, object FROM objects
             WHERE kind = 'Pod' AND (object -> 'status' ->> 'phase') = 'Pending'
               AND (object -> 'status' -> 'nodeName') IS NULL
               AND (object -> 'metadata' -> 'deletionTimestamp') IS NULL
               AND coalesce((object -> 'spec' -> 'nodeSelector')::jsonb, '{}'::jsonb) <@ $1::jsonb
               AND id > $3
             ORDER BY id
             LIMIT $2
             FOR UPDATE SKIP LOCKED
           ) AS locked
           ORDER BY locked.id`,
    values: [JSON.stringify(labels), limit, afterId ?? '0'],
  });
  return result.rows;
}

/**
 * Writes the rows of Pods claimed in the caller's transaction, which holds their row locks, and
 * records their MODIFIED changes, all in one statement. Returns the highest change id. Throws
 * when a row no longer has its expected version, which the row lock rules out.
 */
export async function writeClaims(
  db: Queryable,
  claims: readonly PodClaim[],
  updatedAt: number,
  change: ChangeColumns,
): Promise<string> {
  const result = await db.query<{ claimed: number; change_id: string | null }>({
    name: 'write-claims',
    text: `WITH claimed AS (
             UPDATE objects o
             SET resource_version = c.version, updated_at = $6::bigint, labels = c.labels,
                 object = c.object
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::jsonb[], $5::json[])
               AS c (id, expected, version, labels, object)
             WHERE o.id = c.id AND o.resource_version = c.expected
             RETURNING o.id, c.object),
           change AS (
             INSERT INTO changes (type, kind, object, origin, created_at)
             SELECT 'MODIFIED', 'Pod', claimed.object, $7::text, $8::bigint
             FROM claimed ORDER BY claimed.id
             RETURNING id)
           SELECT (SELECT count(*) FROM claimed)::int AS claimed,
                  (SELECT max(id) FROM change)::text AS change_id`,
    values: [
      claims.map((claim) => claim.id),
      claims.map((claim) => claim.expectedVersion),
      claims.map((claim) => claim.resourceVersion),
      claims.map((claim) => claim.labels),
      claims.map((claim) => claim.object),
      updatedAt,
      change.origin,
      change.createdAt,
    ],
  });
  const row = result.rows[0];
  if (row?.claimed !== claims.length || row.change_id === null) {
    throw new Error(
      `claimed ${claims.length} locked pods, but ${row?.claimed ?? 0} still had the locked version`,
    );
  }
  return row.change_id;
}
