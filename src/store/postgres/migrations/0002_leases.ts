import type { Migration } from './migration.js';

/**
 * Leases for leader election, worker heartbeats and fencing tokens, and an index over the
 * pending attempts that workers claim. Lease times are milliseconds by the database server's
 * clock, so replicas with skewed clocks agree on when a lease expires.
 */
export const leases: Migration = {
  version: 2,
  name: 'leases',
  sql: `
    CREATE TABLE leases (
      name text PRIMARY KEY,
      holder text NOT NULL,
      token bigint NOT NULL,
      renew_time bigint NOT NULL,
      duration_ms bigint NOT NULL
    );

    CREATE INDEX objects_pending_pods ON objects (id)
      WHERE kind = 'Pod' AND (object -> 'status' ->> 'phase') = 'Pending';
  `,
};
