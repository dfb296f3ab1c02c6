import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';

/** How long a write waits for another connection's write lock before SQLITE_BUSY. */
export const busyTimeoutMs = 5000;

/**
 * Opens (creating if needed) the SQLite file and migrates it to the latest schema.
 *
 * - WAL journal mode, so readers and the one writer do not block each other, also across
 *   processes.
 * - `synchronous=FULL`, so SQLite syncs the WAL to disk at every commit. WAL with NORMAL already
 *   keeps every commit when the process is killed (SIGKILL), because the written pages are in the
 *   OS cache. After a power loss or OS crash, though, NORMAL can roll back the last commits
 *   (sqlite.org/pragma.html#pragma_synchronous). A lost Job creation whose process already ran
 *   would be created and run again, so the store pays one fsync per write to rule that out.
 * - `busy_timeout`, because other processes (a CLI, a second scheduler) may write the same file.
 * - `foreign_keys=ON`, which SQLite leaves off by default, because owner rows rely on cascades.
 *
 * `now` (milliseconds) is recorded as the time of any migration applied now.
 */
export function openDatabase(file: string, now: number): Database.Database {
  const database = new Database(file);
  try {
    database.pragma(`busy_timeout = ${busyTimeoutMs}`);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = FULL');
    database.pragma('foreign_keys = ON');
    migrate(database, file, migrations, now);
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}
