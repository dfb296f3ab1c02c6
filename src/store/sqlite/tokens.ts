import Database from 'better-sqlite3';
import { AlreadyExistsError } from '../errors.js';
import type { TokenFilter, TokenRecord, TokenRole } from '../tokens.js';

interface TokenRow {
  id: string;
  secret_hash: string;
  role: TokenRole | null;
  namespace: string | null;
  service_account: string | null;
  pod_name: string | null;
  pod_uid: string | null;
  created_at: number;
  expires_at: number | null;
}

/** The token statements of the SQLite store. */
export class SqliteTokens {
  private readonly insert;
  private readonly select;
  private readonly list;
  private readonly remove;
  private readonly removeExpired;

  constructor(database: Database.Database) {
    this.insert = database.prepare<[TokenRow]>(
      `INSERT INTO tokens (id, secret_hash, role, namespace, service_account, pod_name, pod_uid,
                           created_at, expires_at)
       VALUES (@id, @secret_hash, @role, @namespace, @service_account, @pod_name, @pod_uid,
               @created_at, @expires_at)`,
    );
    this.select = database.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?');
    this.list = database.prepare<
      [{ namespace: string | null; serviceAccount: string | null }],
      TokenRow
    >(
      `SELECT * FROM tokens
       WHERE (@namespace IS NULL OR namespace = @namespace)
         AND (@serviceAccount IS NULL OR service_account = @serviceAccount)
       ORDER BY created_at, id`,
    );
    this.remove = database.prepare<[string]>('DELETE FROM tokens WHERE id = ?');
    this.removeExpired = database.prepare<[number]>('DELETE FROM tokens WHERE expires_at <= ?');
  }

  create(token: TokenRecord): void {
    try {
      this.insert.run(rowOf(token));
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new AlreadyExistsError('Token', token.namespace ?? '', token.id);
      }
      throw error;
    }
  }

  find(id: string): TokenRecord | undefined {
    const row = this.select.get(id);
    return row === undefined ? undefined : recordOf(row);
  }

  listTokens(filter: TokenFilter): TokenRecord[] {
    const parameters = {
      namespace: filter.namespace ?? null,
      serviceAccount: filter.serviceAccount ?? null,
    };
    return this.list.all(parameters).map(recordOf);
  }

  delete(id: string): boolean {
    return this.remove.run(id).changes > 0;
  }

  deleteExpired(now: number): number {
    return this.removeExpired.run(now).changes;
  }
}

function rowOf(token: TokenRecord): TokenRow {
  return {
    id: token.id,
    secret_hash: token.secretHash,
    role: token.role ?? null,
    namespace: token.namespace ?? null,
    service_account: token.serviceAccount ?? null,
    pod_name: token.boundPod?.name ?? null,
    pod_uid: token.boundPod?.uid ?? null,
    created_at: token.createdAt,
    expires_at: token.expiresAt ?? null,
  };
}

function recordOf(row: TokenRow): TokenRecord {
  const record: TokenRecord = {
    id: row.id,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
  };
  if (row.role !== null) record.role = row.role;
  if (row.namespace !== null) record.namespace = row.namespace;
  if (row.service_account !== null) record.serviceAccount = row.service_account;
  if (row.pod_name !== null && row.pod_uid !== null) {
    record.boundPod = { name: row.pod_name, uid: row.pod_uid };
  }
  if (row.expires_at !== null) record.expiresAt = row.expires_at;
  return record;
}
