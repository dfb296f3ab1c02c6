import type { Queryable } from './connection.js';
import type { ObjectRow } from './statements.js';

/**
 * Locks up to `limit` claimable pending Pods, oldest first, skipping rows that another
 * transaction has locked, so concurrent workers never wait for or claim the same attempt.
 */
export async function lockClaimablePods(
  db: Queryable,
  labels: Record<string, string>,
  limit: number,
): Promise<ObjectRow[]> {
  const result = await db.query<ObjectRow>({
    name: 'lock-claimable-pods',
    text: `SELECT id, uid, resource_version, object FROM objects
           WHERE kind = 'Pod' AND (object -> 'status' ->> 'phase') = 'Pending'
             AND (object -> 'status' -> 'nodeName') IS NULL
             AND (object -> 'metadata' -> 'deletionTimestamp') IS NULL
             AND coalesce((object -> 'spec' -> 'nodeSelector')::jsonb, '{}'::jsonb) <@ $1::jsonb
           ORDER BY id
           LIMIT $2
           FOR UPDATE SKIP LOCKED`,
    values: [JSON.stringify(labels), limit],
  });
  return result.rows;
}
