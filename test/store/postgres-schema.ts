import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The test database: PostgreSQL on 127.0.0.1:5432, trust authentication. */
export const testDatabaseUrl = 'postgres://postgres@127.0.0.1:5432/test';

/** Returns a schema name that no other test uses: `cm_test_` and 16 random hex digits. */
export function freshSchemaName(): string {
  return `cm_test_${randomBytes(8).toString('hex')}`;
}

/** Returns the store URL of `schema` in the test database. */
export function storeUrlOf(schema: string): string {
  return `${testDatabaseUrl}?schema=${schema}`;
}

/** Runs `body` with a plain connection to the test database, outside any store. */
export async function withDatabase<T>(body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops a schema that a test created, with everything in it. Only names from freshSchemaName
 * are accepted, so a test can never drop a schema it did not create.
 */
export async function dropSchema(schema: string): Promise<void> {
  if (!/^cm_test_[0-9a-f]{16}$/.test(schema)) {
    throw new Error(`refusing to drop schema ${JSON.stringify(schema)}: not a test schema`);
  }
  await withDatabase((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}
