import type { Migration } from './migration.js';

/**
 * The holder and token of each lease in a row of their own. Fenced writes share-lock this row
 * until they commit, and only a change of holder updates it, so renewals, which update
 * `leases` every retry period, never wait for the leader's writes.
 */
export const leaseFences: Migration = {
  version: 3,
  name: 'lease_fences',
  sql: `
    CREATE TABLE lease_fences (
      name text PRIMARY KEY,
      holder text NOT NULL,
      token bigint NOT NULL
    );
    INSERT INTO lease_fences (name, holder, token) SELECT name, holder, token FROM leases;
  `,
};
