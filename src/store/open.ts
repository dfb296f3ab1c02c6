import { chmod, mkdir, open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../util/clock.js';
import { SystemClock } from '../util/clock.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

// Both backends throw an error with code 'UnknownMigration' for a schema from a newer cronmesh.
export { UnknownMigrationError } from './sqlite/migrate.js';
export { UnknownMigrationError as UnknownPostgresMigrationError } from './postgres/migrate.js';
export { InvalidStoreUrlError, isPostgresUrl, redactPassword } from './postgres/url.js';

/** Name of the SQLite file inside the data directory. */
export const databaseFileName = 'cronmesh.db';

export interface OpenSqliteStoreOptions {
  /** Directory of the database file; created with its parents when missing. */
  dataDir: string;
  /** Source of the update and migration times the store records; defaults to the system clock. */
  clock?: Clock;
}

export interface OpenPostgresStoreOptions {
  /**
   * `postgres://USER[:PASSWORD]@HOST:PORT/DATABASE?schema=NAME` (or `postgresql://`). The
   * schema defaults to `cronmesh` and is created when missing.
   */
  url: string;
  /** Source of the update, change and migration times the store records; defaults to the system clock. */
  clock?: Clock;
  /** Connections of the query pool; defaults to 10. */
  poolSize?: number;
}

export type OpenStoreOptions = OpenSqliteStoreOptions | OpenPostgresStoreOptions;

/**
 * Opens the store that `options` select: PostgreSQL for `url`, otherwise SQLite in
 * `<dataDir>/cronmesh.db`, creating the directory, the file, the schema and its tables as needed.
 * Throws UnknownMigrationError (SQLite) or UnknownPostgresMigrationError when a newer cronmesh
 * has migrated the database, and InvalidStoreUrlError for an unusable URL.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const clock = options.clock ?? new SystemClock();
  if ('url' in options) {
    return PostgresStore.open({ url: options.url, clock, poolSize: options.poolSize });
  }
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  // Jobs run on this host, some as other users: only cronmesh's user may enter the directory
  // or read the database, whose WAL and shared-memory files SQLite creates with its mode.
  await chmod(options.dataDir, 0o700);
  const file = join(options.dataDir, databaseFileName);
  const handle = await openFile(file, 'a', 0o600);
  await handle.close();
  await chmod(file, 0o600);
  return SqliteStore.open(file, clock);
}
