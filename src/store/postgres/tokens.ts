import { AlreadyExistsError } from '../errors.js';
import type { TokenFilter, TokenRecord, TokenRole } from '../tokens.js';
import type { Queryable } from './connection.js';
import { hasSqlState } from './connection.js';

/** bigint columns arrive as decimal strings. */
interface TokenRow {
  id: string;
  secret_hash: string;
  role: TokenRole | null;
  namespace: string | null;
  service_account: string | null;
  pod_name: string | null;
  pod_uid: string | null;
  created_at: string;
  expires_at: string | null;
}

const uniqueViolation = '23505';

export async function insertToken(db: Queryable, token: TokenRecord): Promise<void> {
  try {
    await db.query({
      name: 'insert-token',
      text: `INSERT INTO tokens (id, secret_hash, role, namespace, service_account, pod_name,
                                 pod_uid, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      values: [
        token.id,
        token.secretHash,
        token.role ?? null,
        token.namespace ?? null,
        token.serviceAccount ?? null,
        token.boundPod?.name ?? null,
        token.boundPod?.uid ?? null,
        token.createdAt,
        token.expiresAt ?? null,
      ],
    });
  } catch (error) {
    if (hasSqlState(error, uniqueViolation)) {
      throw new AlreadyExistsError('Token', token.namespace ?? '', token.id);
    }
    throw error;
  }
}

export async function selectToken(db: Queryable, id: string): Promise<TokenRecord | undefined> {
  const result = await db.query<TokenRow>({
    name: 'select-token',
    text: 'SELECT * FROM tokens WHERE id = $1',
    values: [id],
  });
  const row = result.rows[0];
  return row === undefined ? undefined : recordOf(row);
}

export async function selectTokens(db: Queryable, filter: TokenFilter): Promise<TokenRecord[]> {
  const result = await db.query<TokenRow>({
    name: 'select-tokens',
    text: `SELECT * FROM tokens
           WHERE ($1::text IS NULL OR namespace = $1)
             AND ($2::text IS NULL OR service_account = $2)
           ORDER BY created_at, id`,
    values: [filter.namespace ?? null, filter.serviceAccount ?? null],
  });
  return result.rows.map(recordOf);
}

export async function deleteToken(db: Queryable, id: string): Promise<boolean> {
  const result = await db.query({
    name: 'delete-token',
    text: 'DELETE FROM tokens WHERE id = $1',
    values: [id],
  });
  return (result.rowCount ?? 0) > 0;
}

export async function deleteExpiredTokens(db: Queryable, now: number): Promise<number> {
  const result = await db.query({
    name: 'delete-expired-tokens',
    text: 'DELETE FROM tokens WHERE expires_at <= $1',
    values: [now],
  });
  return result.rowCount ?? 0;
}

function recordOf(row: TokenRow): TokenRecord {
  const record: TokenRecord = {
    id: row.id,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
  };
  if (row.role !== null) record.role = row.role;
  if (row.namespace !== null) record.namespace = row.namespace;
  if (row.service_account !== null) record.serviceAccount = row.service_account;
  if (row.pod_name !== null && row.pod_uid !== null) {
    record.boundPod = { name: row.pod_name, uid: row.pod_uid };
  }
  if (row.expires_at !== null) record.expiresAt = Number(row.expires_at);
  return record;
}
