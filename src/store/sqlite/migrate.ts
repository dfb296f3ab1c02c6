import type { Database } from 'better-sqlite3';
import type { Migration } from './migrations/migration.js';

/**
 * The database records a migration `version` that this build does not have, so a newer cronmesh
 * has changed its schema and this one cannot trust it.
 */
export class UnknownMigrationError extends Error {
  readonly code = 'UnknownMigration';

  constructor(
    readonly file: string,
    readonly version: number,
    readonly migrationName: string,
    readonly latestKnownVersion: number,
  ) {
    super(
      `database ${file} has schema migration ${version} (${JSON.stringify(migrationName)}), ` +
        `but this cronmesh knows migrations up to ${latestKnownVersion} only; ` +
        'upgrade cronmesh or use another data directory',
    );
    this.name = 'UnknownMigrationError';
  }
}

interface AppliedMigration {
  version: number;
  name: string;
}

/**
 * Applies the migrations that `schema_migrations` does not record yet, each in its own
 * immediate transaction together with its record. Re-running is a no-op, also when several
 * processes open the same file at once, because each transaction checks the record again
 * after taking the write lock. Throws UnknownMigrationError when the database is newer.
 */
export function migrate(
  database: Database,
  file: string,
  migrations: readonly Migration[],
  now: number,
): void {
  checkMigrationList(migrations);
  database.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )
  `);

  const selectApplied = database.prepare<[], AppliedMigration>(
    'SELECT version, name FROM schema_migrations ORDER BY version',
  );
  const selectOne = database.prepare<[number], AppliedMigration>(
    'SELECT version, name FROM schema_migrations WHERE version = ?',
  );
  const insert = database.prepare<[number, string, number]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  );

  const latest = migrations.at(-1)?.version ?? 0;
  const unknown = selectApplied.all().find((applied) => applied.version > latest);
  if (unknown !== undefined) {
    throw new UnknownMigrationError(file, unknown.version, unknown.name, latest);
  }

  for (const migration of migrations) {
    const apply = database.transaction(() => {
      if (selectOne.get(migration.version) !== undefined) return;
      database.exec(migration.sql);
      insert.run(migration.version, migration.name, now);
    });
    apply.immediate();
  }
}

/** Throws unless versions run 1, 2, 3, … in list order, because a gap or swap is a programming error. */
function checkMigrationList(migrations: readonly Migration[]): void {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(
        `migration ${JSON.stringify(migration.name)} has version ${migration.version} at ` +
          `position ${index + 1}; versions must run 1, 2, 3, … without gaps`,
      );
    }
  });
}
