import { createHash } from 'node:crypto';
import pg from 'pg';
import type { QueryConfig, QueryResult, QueryResultRow } from 'pg';
import type { PostgresTarget } from './url.js';

/** Default number of connections in one store's query pool. */
export const defaultPoolSize = 10;

/** A pool or one connection: whatever runs a query. */
export interface Queryable {
  query<R extends QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

/**
 * Returns the settings of every connection of a store: `search_path` is set to the store's
 * schema through the `options` startup parameter, so it applies from the first query on, and
 * `application_name` identifies the connection in `pg_stat_activity`.
 */
export function clientConfigOf(target: PostgresTarget, applicationName: string): pg.ClientConfig {
  const searchPath = `-c search_path=${target.schema}`;
  return {
    connectionString: target.connectionString,
    options:
      target.serverOptions === undefined ? searchPath : `${target.serverOptions} ${searchPath}`,
    application_name: applicationName,
    // TCP keepalive lets the kernel notice a peer that vanished without closing the connection.
    keepAlive: true,
  };
}

/**
 * Opens the query pool of one store. Idle connections that fail (a restarted server, a
 * terminated backend) are dropped by the pool, and `onIdleError` hears about each of them,
 * because an 'error' event without a listener would end the process.
 */
export function createPool(
  target: PostgresTarget,
  applicationName: string,
  poolSize: number,
  onIdleError: (error: Error) => void,
): pg.Pool {
  const pool = new pg.Pool({ ...clientConfigOf(target, applicationName), max: poolSize });
  pool.on('error', onIdleError);
  // A connection the server ends while it is checked out, or while the pool closes it after a
  // failure, emits 'error' when neither the pool's idle listener nor a caller's is attached. The
  // query that used it has failed already, so this listener only keeps the process alive.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

/**
 * Runs `body` in a transaction on one pooled connection and commits, or rolls back and rethrows
 * when `body` throws. A connection whose rollback fails is closed instead of returned to the
 * pool, because its state is unknown.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  body: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // The pool listens for errors of idle connections only. A connection that the server ends
  // while it is checked out (a restart) emits 'error' even after its query has failed, and an
  // 'error' event without a listener would end the process.
  const onError = (error: Error): void => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
    });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * Returns a 64-bit advisory lock key for `name`, as a decimal string for a `bigint` parameter.
 * The key is the first 8 bytes of the SHA-256 of `name`, so unrelated names practically never
 * share a lock.
 */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

/**
 * Returns the LISTEN/NOTIFY channel of the change feed of `schema`. Channel names are
 * identifiers of at most 63 bytes, so a long schema name is replaced by a hash of it.
 */
export function changeChannelOf(schema: string): string {
  const prefix = 'cronmesh_changes_';
  const readable = `${prefix}${schema}`;
  if (readable.length <= 63) return readable;
  return `${prefix}${createHash('sha256')
    .update(schema)
    .digest('hex')
    .slice(0, 63 - prefix.length)}`;
}

/** Returns whether `error` is a PostgreSQL error with SQLSTATE `code`. */
export function hasSqlState(error: unknown, code: string): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError && error.code === code;
}
