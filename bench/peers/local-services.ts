// Addresses of the local Redis and PostgreSQL, and unique names for what one run creates there,
// so that a run never touches data it did not create.

import pg from 'pg';

export const REDIS_HOST = '127.0.0.1';
export const REDIS_PORT = 6379;
export const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

let sequence = 0;
const DROP_BATCH = 100;

/** Returns a name no other run of this or another bench process uses, such as `bench_pgboss_812_3`. */
export function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix}_${process.pid}_${sequence}`;
}

/**
 * Drops a PostgreSQL schema that this process created, with everything in it. `schema` must be
 * a name from uniqueName, which is why the check below rejects anything else. The tables go
 * first, DROP_BATCH at a time, because one DROP SCHEMA ... CASCADE over the thousand partitions
 * that pg-boss creates for a thousand queues runs out of lock slots (max_locks_per_transaction).
 */
export async function dropOwnSchema(schema: string): Promise<void> {
  if (!new RegExp(`^bench_[a-z]+_${process.pid}_\\d+$`).test(schema)) {
    throw new Error(`refusing to drop schema ${JSON.stringify(schema)}: not created by this run`);
  }
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relispartition`,
      [schema],
    );
    for (let offset = 0; offset < rows.length; offset += DROP_BATCH) {
      const tables = rows
        .slice(offset, offset + DROP_BATCH)
        .map((row) => `"${schema}"."${row.name}"`)
        .join(', ');
      await client.query(`DROP TABLE IF EXISTS ${tables} CASCADE`);
    }
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `done()` returns true or `deadline` (epoch ms) passes; returns whether it was done. */
export async function waitUntil(done: () => boolean, deadline: number): Promise<boolean> {
  while (!done()) {
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }
  return true;
}
