import type { Migration } from './migration.js';

/**
 * Bearer tokens of the API, as in the SQLite schema. Only the SHA-256 of each token's secret is
 * stored. A row without a role was minted for one attempt (pod_name, pod_uid) of a service
 * account.
 */
export const tokens: Migration = {
  version: 4,
  name: 'tokens',
  sql: `
    CREATE TABLE tokens (
      id text PRIMARY KEY,
      secret_hash text NOT NULL,
      role text CHECK (role IN ('viewer', 'editor', 'admin')),
      -- NULL for a token that spans all namespaces.
      namespace text,
      service_account text,
      pod_name text,
      pod_uid text,
      created_at bigint NOT NULL,
      expires_at bigint
    );
    CREATE INDEX tokens_namespace ON tokens (namespace, service_account);
  `,
};
