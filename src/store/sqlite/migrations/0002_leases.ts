import type { Migration } from './migration.js';

/**
 * Leases for leader election, worker heartbeats and fencing tokens, and an index over the
 * pending attempts that workers claim.
 */
export const leases: Migration = {
  version: 2,
  name: 'leases',
  sql: `
    CREATE TABLE leases (
      name TEXT PRIMARY KEY,
      holder TEXT NOT NULL,
      token INTEGER NOT NULL,
      renew_time INTEGER NOT NULL,
      duration_ms INTEGER NOT NULL
    );

    CREATE INDEX objects_pending_pods ON objects (id)
      WHERE kind = 'Pod' AND json_extract(object, '$.status.phase') = 'Pending';
  `,
};
