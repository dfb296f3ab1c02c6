import pg from 'pg';
import type { PoolClient } from 'pg';
import { advisoryLockKey, withTransaction } from './connection.js';
import type { Migration } from './migrations/migration.js';
import type { PostgresTarget } from './url.js';

/**
 * The schema records a migration `version` that this build does not have, so a newer cronmesh
 * has changed it and this one cannot trust it. The message mirrors the SQLite store's.
 */
export class UnknownMigrationError extends Error {
  readonly code = 'UnknownMigration';

  constructor(
    /** The database URL, password redacted. */
    readonly database: string,
    readonly schema: string,
    readonly version: number,
    readonly migrationName: string,
    readonly latestKnownVersion: number,
  ) {
    super(
      `schema ${JSON.stringify(schema)} in database ${database} has schema migration ${version} ` +
        `(${JSON.stringify(migrationName)}), but this cronmesh knows migrations up to ` +
        `${latestKnownVersion} only; upgrade cronmesh or use another schema`,
    );
    this.name = 'UnknownMigrationError';
  }
}

interface AppliedMigration {
  version: number;
  name: string;
}

/** Returns the name of the advisory lock that serialises migrations of `schema`. */
export function migrationLockName(schema: string): string {
  return `cronmesh migrate ${schema}`;
}

/**
 * Creates the schema when missing and applies the migrations that `schema_migrations` does not
 * record yet, all in one transaction. DDL is transactional in PostgreSQL, so a schema is either
 * migrated completely or left as it was. The transaction first takes an advisory lock named after
 * the schema, so processes that start at once migrate one after another and all but the first
 * find nothing to do. Throws UnknownMigrationError when the schema is newer than this build.
 */
export async function migrate(
  pool: pg.Pool,
  target: PostgresTarget,
  migrations: readonly Migration[],
  now: number,
): Promise<void> {
  checkMigrationList(migrations);
  const latest = migrations.at(-1)?.version ?? 0;

  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [
      advisoryLockKey(migrationLockName(target.schema)),
    ]);
    await createMissingSchema(client, target.schema);

    const applied = await client.query<AppliedMigration>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    const unknown = applied.rows.find((row) => row.version > latest);
    if (unknown !== undefined) {
      throw new UnknownMigrationError(
        target.displayUrl,
        target.schema,
        unknown.version,
        unknown.name,
        latest,
      );
    }

    const done = new Set(applied.rows.map((row) => row.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
        [migration.version, migration.name, now],
      );
    }
  });
}

/**
 * Creates the schema and its `schema_migrations` table unless they exist. Existence is checked
 * first because `CREATE SCHEMA IF NOT EXISTS` fails without the CREATE privilege on the database
 * even when the schema exists, and a role that uses a prepared schema may lack that privilege.
 */
async function createMissingSchema(client: PoolClient, schema: string): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);

  const table = await client.query<{ exists: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS exists',
    [`${pg.escapeIdentifier(schema)}.schema_migrations`],
  );
  if (table.rows[0]?.exists === true) return;
  await client.query(`
    CREATE TABLE schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at bigint NOT NULL
    )
  `);
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
