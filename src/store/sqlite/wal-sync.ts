import type Database from 'better-sqlite3';

/** How often commits made with `synchronous=NORMAL` are synced to disk, in milliseconds. */
export const walSyncIntervalMs = 1000;

/**
 * Syncs the write-ahead log to disk once per interval when something was committed since the
 * last sync, by running a passive checkpoint: with `synchronous=NORMAL`, SQLite syncs the WAL
 * before every checkpoint (sqlite.org/pragma.html#pragma_synchronous). This bounds what an
 * operating system crash or power loss can take back to the commits of about one interval,
 * for one fsync per interval instead of one per commit.
 *
 * NOTE: the interval runs on the event loop, so a loop blocked for longer widens the window
 * by as much.
 */
export class WalSync {
  private readonly timer: NodeJS.Timeout;
  private readonly totalChanges: Database.Statement<[], { changes: number }>;
  private syncedChanges: number;
  /** Whether the last sync failed, so that a failure that repeats every interval warns once. */
  private failing = false;

  constructor(private readonly database: Database.Database) {
    this.totalChanges = database.prepare('SELECT total_changes() AS changes');
    this.syncedChanges = this.readTotalChanges();
    // Real time, not the store's clock: a test that holds a fake clock still must not keep
    // commits unsynced, and this timer must not show among the fake clock's timers.
    this.timer = setInterval(() => this.syncIfChanged(), walSyncIntervalMs);
    this.timer.unref();
  }

  /** Stops the interval and syncs the last commits. Call it before closing the database. */
  stop(): void {
    clearInterval(this.timer);
    this.syncIfChanged();
  }

  private syncIfChanged(): void {
    if (!this.database.open) return;
    const changes = this.readTotalChanges();
    if (changes === this.syncedChanges) return;
    try {
      this.database.pragma('wal_checkpoint(PASSIVE)');
      this.syncedChanges = changes;
      this.failing = false;
    } catch (error) {
      // The next interval tries again, and a commit stays valid without its sync.
      if (this.failing) return;
      this.failing = true;
      process.emitWarning(
        `syncing the SQLite write-ahead log failed: ${error instanceof Error ? error.message : String(error)}`,
        { code: 'CRONMESH_SQLITE_SYNC_FAILED' },
      );
    }
  }

  private readTotalChanges(): number {
    return this.totalChanges.get()?.changes ?? 0;
  }
}
