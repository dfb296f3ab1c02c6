// Reads what a cronmesh cluster has done from its PostgreSQL schema, with plain SQL on a
// connection of its own, so that measuring adds no store instance (and no change-feed reader)
// to the cluster being measured.

import pg from 'pg';

import { POSTGRES_URL, sleep } from './local-services.js';
import { cronmeshBackendPids } from './process-cpu.js';

const POLL_MS = 200;
/**
 * Changes are re-read from this many ids below the highest id seen. A change id is taken at
 * insert time, and transactions commit in any order, so a change can become visible after
 * changes with higher ids. A writer would have to stay uncommitted for this many later changes
 * to be missed, and waitForSucceeded re-reads everything before it gives up.
 */
const CHANGE_LOOKBACK = 2_000;

/** Pods that reached phase Succeeded, from the Pod changes that the workers recorded. */
export interface SucceededPods {
  count: number;
  /** Latest `changes.created_at` of those changes: the writing worker's clock, in ms. */
  lastAt: number;
}

/** A connection to one schema of the bench database. */
export class SchemaReader {
  private constructor(
    private readonly client: pg.Client,
    private readonly schema: string,
  ) {}

  static async open(schema: string): Promise<SchemaReader> {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    return new SchemaReader(client, schema);
  }

  close(): Promise<void> {
    return this.client.end();
  }

  /** Returns the ids of the backends of cronmesh stores that connected at or after `since`. */
  backendPids(since: number): Promise<number[]> {
    return cronmeshBackendPids(this.client, since);
  }

  /**
   * Polls the change feed table until `expected` distinct Pods have a change to phase
   * Succeeded, or `deadline` (epoch ms) passes. Returns how many did and when the last did.
   */
  async waitForSucceeded(expected: number, deadline: number): Promise<SucceededPods> {
    const seen = new Set<string>();
    let highestId = 0;
    let lastAt = Number.NaN;
    const read = async (afterId: number): Promise<void> => {
      const { rows } = await this.client.query<{ id: string; name: string; at: string }>(
        `SELECT id, object -> 'metadata' ->> 'name' AS name, created_at AS at
         FROM "${this.schema}".changes
         WHERE id > $1 AND kind = 'Pod' AND type = 'MODIFIED'
           AND object -> 'status' ->> 'phase' = 'Succeeded'`,
        [afterId],
      );
      for (const row of rows) {
        highestId = Math.max(highestId, Number(row.id));
        if (seen.has(row.name)) continue;
        seen.add(row.name);
        lastAt = Number.isNaN(lastAt) ? Number(row.at) : Math.max(lastAt, Number(row.at));
      }
    };
    while (seen.size < expected && Date.now() < deadline) {
      await read(Math.max(0, highestId - CHANGE_LOOKBACK));
      if (seen.size < expected) await sleep(POLL_MS);
    }
    if (seen.size < expected) await read(0);
    return { count: seen.size, lastAt };
  }

  /**
   * Polls the change feed table until the first attempt of each named Job has been claimed by a
   * worker, or `deadline` (epoch ms) passes. Returns the claim time of each claimed one, by Job
   * name: the `changes.created_at` of the claim, the claiming worker's clock, in ms.
   */
  async waitForClaims(jobs: readonly string[], deadline: number): Promise<Map<string, number>> {
    const claimedAt = new Map<string, number>();
    let highestId = 0;
    const read = async (afterId: number): Promise<void> => {
      const { rows } = await this.client.query<{ id: string; job: string; at: string }>(
        `SELECT id, object -> 'metadata' -> 'ownerReferences' -> 0 ->> 'name' AS job,
                created_at AS at
         FROM "${this.schema}".changes
         WHERE id > $1 AND kind = 'Pod' AND type = 'MODIFIED'
           AND object -> 'status' ->> 'nodeName' IS NOT NULL
           AND object -> 'metadata' -> 'ownerReferences' -> 0 ->> 'name' = ANY ($2::text[])`,
        [afterId, jobs],
      );
      for (const row of rows) {
        highestId = Math.max(highestId, Number(row.id));
        const at = Number(row.at);
        claimedAt.set(row.job, Math.min(claimedAt.get(row.job) ?? at, at));
      }
    };
    while (claimedAt.size < jobs.length && Date.now() < deadline) {
      await read(Math.max(0, highestId - CHANGE_LOOKBACK));
      if (claimedAt.size < jobs.length) await sleep(POLL_MS);
    }
    if (claimedAt.size < jobs.length) await read(0);
    return claimedAt;
  }

  /**
   * Returns the row creation time (`objects.created_at`, the creating process's clock, in ms) of
   * each named Job that exists.
   */
  async jobCreationTimes(names: readonly string[]): Promise<Map<string, number>> {
    const { rows } = await this.client.query<{ name: string; at: string }>(
      `SELECT name, created_at AS at FROM "${this.schema}".objects
       WHERE kind = 'Job' AND namespace = 'default' AND name = ANY($1::text[])`,
      [names],
    );
    return new Map(rows.map((row) => [row.name, Number(row.at)]));
  }

  /** Returns how many of the named Jobs exist. */
  async countJobs(names: readonly string[]): Promise<number> {
    const { rows } = await this.client.query<{ count: string }>(
      `SELECT count(*) AS count FROM "${this.schema}".objects
       WHERE kind = 'Job' AND namespace = 'default' AND name = ANY($1::text[])`,
      [names],
    );
    return Number(rows[0]?.count ?? 0);
  }
}
