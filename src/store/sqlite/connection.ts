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
 * - `synchronous=NORMAL`: a commit writes the WAL without syncing it, and WalSync syncs it once
 *   a second. A commit survives a crash or SIGKILL of the process at once, because its pages
 *   are in the OS cache. An OS crash or power loss can roll back the commits of the last second
 *   or so (sqlite.org/pragma.html#pragma_synchronous), and then an attempt that finished in that
 *   second, or a Job created in it, runs again. An attempt that was running at such a crash is
 *   failed at the next start and retried within its Job's backoffLimit anyway, so the window
 *   only adds the attempts that ended just before the crash. In exchange, a commit cost about
 *   45 µs instead of about 0.9 ms with `synchronous=FULL`, which syncs at every commit (one
 *   measurement with better-sqlite3 on a 2-CPU test machine). With FULL, commits took the
 *   largest share of a CPU profile of 1,000 CronJobs firing at once.
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
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    migrate(database, file, migrations, now);
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}
