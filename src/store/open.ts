import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../util/clock.js';
import { SystemClock } from '../util/clock.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export { UnknownMigrationError } from './sqlite/migrate.js';

/** Name of the SQLite file inside the data directory. */
export const databaseFileName = 'cronmesh.db';

export interface OpenStoreOptions {
  /** Directory of the database file; created with its parents when missing. */
  dataDir: string;
  /** Source of the update and migration times the store records; defaults to the system clock. */
  clock?: Clock;
}

/**
 * Opens the SQLite store in `<dataDir>/cronmesh.db`, creating the directory, the file and the
 * schema as needed. Throws UnknownMigrationError when a newer cronmesh has migrated the file.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  await mkdir(options.dataDir, { recursive: true });
  return SqliteStore.open(
    join(options.dataDir, databaseFileName),
    options.clock ?? new SystemClock(),
  );
}
