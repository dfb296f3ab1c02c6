import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPool, withTransaction } from '../../src/store/postgres/connection.js';
import { parsePostgresUrl } from '../../src/store/postgres/url.js';
import { testDatabaseUrl, withDatabase } from './postgres-schema.js';

describe('withTransaction', () => {
  it('survives a connection the server ends', async () => {
    const idleErrors: string[] = [];
    const pool = createPool(parsePostgresUrl(testDatabaseUrl), 'cronmesh-test', 2, (error) =>
      idleErrors.push(error.message),
    );
    try {
      const outcome = withTransaction(pool, async (client) => {
        const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const ended = new Promise((resolve) => client.once('end', resolve));
        // Ends this transaction's own backend, as a server restart would.
        await withDatabase((admin) =>
          admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]),
        );
        // The connection emits 'error' and then 'end' while it is still checked out.
        await ended;
        return 'committed';
      });

      await assert.rejects(outcome, {
        message: 'Client has encountered a connection error and is not queryable',
      });
      const { rows } = await pool.query<{ answer: number }>('SELECT 1 AS answer');
      assert.deepEqual(rows, [{ answer: 1 }]);
      assert.deepEqual(idleErrors, []);
    } finally {
      await pool.end();
    }
  });
});
