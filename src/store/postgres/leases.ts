import type { Fence, Lease, LeaseStatus } from '../lease.js';
import { FencedError } from '../lease.js';
import type { Queryable } from './connection.js';

interface LeaseRow {
  name: string;
  holder: string;
  token: string;
  renew_time: string;
  duration_ms: string;
}

/** The database server's time in milliseconds; clock_timestamp moves on inside a transaction. */
const NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/**
 * Takes or renews a lease in one statement: the upsert changes the row only when the holder
 * renews, or when the lease is free, revoked or expired, so two replicas racing for it cannot
 * both win. The token increases only when the holder changes.
 */
export async function acquireLease(
  db: Queryable,
  name: string,
  holder: string,
  durationMs: number,
): Promise<Lease | undefined> {
  const result = await db.query<LeaseRow>({
    name: 'acquire-lease',
    text: `INSERT INTO leases AS l (name, holder, token, renew_time, duration_ms)
           VALUES ($1, $2, 1, ${NOW_MS}, $3)
           ON CONFLICT (name) DO UPDATE SET
             holder = excluded.holder,
             token = CASE WHEN l.holder = excluded.holder THEN l.token ELSE l.token + 1 END,
             renew_time = excluded.renew_time,
             duration_ms = excluded.duration_ms
           WHERE l.holder = excluded.holder OR l.holder = ''
             OR l.renew_time + l.duration_ms <= excluded.renew_time
           RETURNING name, holder, token, renew_time, duration_ms`,
    values: [name, holder, durationMs],
  });
  const row = result.rows[0];
  if (row === undefined) return undefined;
  const lease = leaseOf(row);
  await publishFence(db, lease.name, lease.holder, lease.token);
  return lease;
}

/**
 * Copies a lease's holder and token to its fence row when they changed. The unlocked read
 * skips the write on every renewal. A take-over's write waits for the fenced writes in flight,
 * so none of them commits after it.
 */
async function publishFence(
  db: Queryable,
  name: string,
  holder: string,
  token: number,
): Promise<void> {
  const current = await db.query<{ holder: string; token: string }>({
    name: 'select-lease-fence',
    text: 'SELECT holder, token FROM lease_fences WHERE name = $1',
    values: [name],
  });
  const row = current.rows[0];
  if (row !== undefined && row.holder === holder && Number(row.token) === token) return;
  await db.query({
    name: 'upsert-lease-fence',
    text: `INSERT INTO lease_fences AS f (name, holder, token) VALUES ($1, $2, $3)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, token = excluded.token
           WHERE f.token <= excluded.token`,
    values: [name, holder, token],
  });
}

export async function releaseLease(
  db: Queryable,
  name: string,
  holder: string,
  token: number,
): Promise<void> {
  await db.query({
    name: 'release-lease',
    text: `UPDATE leases SET renew_time = 0, duration_ms = 0
           WHERE name = $1 AND holder = $2 AND token = $3`,
    values: [name, holder, token],
  });
}

export async function revokeLease(db: Queryable, name: string, token: number): Promise<boolean> {
  const result = await db.query<{ token: string }>({
    name: 'revoke-lease',
    text: `UPDATE leases SET holder = '', token = token + 1
           WHERE name = $1 AND token = $2 AND renew_time + duration_ms <= ${NOW_MS}
           RETURNING token`,
    values: [name, token],
  });
  const row = result.rows[0];
  if (row === undefined) return false;
  await publishFence(db, name, '', Number(row.token));
  return true;
}

export async function listLeases(db: Queryable, prefix: string): Promise<LeaseStatus[]> {
  const result = await db.query<LeaseRow & { expired: boolean }>({
    name: 'list-leases',
    text: `SELECT name, holder, token, renew_time, duration_ms,
                  renew_time + duration_ms <= ${NOW_MS} AS expired
           FROM leases WHERE starts_with(name, $1) ORDER BY name`,
    values: [prefix],
  });
  return result.rows.map((row) => ({ ...leaseOf(row), expired: row.expired }));
}

/**
 * Throws FencedError unless the fence's lease is held by its holder with its token. The fence
 * row stays share-locked until the caller's transaction ends, so a take-over, which updates that
 * row, waits for this write to commit and the write cannot land after it.
 */
export async function checkFence(db: Queryable, fence: Fence | undefined): Promise<void> {
  if (fence === undefined) return;
  const result = await db.query({
    name: 'check-fence',
    text: 'SELECT 1 FROM lease_fences WHERE name = $1 AND holder = $2 AND token = $3 FOR SHARE',
    values: [fence.lease, fence.holder, fence.token],
  });
  if (result.rowCount !== 1) throw new FencedError(fence);
}

function leaseOf(row: LeaseRow): Lease {
  return {
    name: row.name,
    holder: row.holder,
    token: Number(row.token),
    renewTime: Number(row.renew_time),
    durationMs: Number(row.duration_ms),
  };
}
