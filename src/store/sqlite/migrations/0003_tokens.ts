import type { Migration } from './migration.js';

/**
 * Bearer tokens of the API. Only the SHA-256 of each token's secret is stored. A row without a
 * role was minted for one attempt (pod_name, pod_uid) of a service account.
 */
export const tokens: Migration = {
  version: 3,
  name: 'tokens',
  sql: `
    CREATE TABLE tokens (
      id TEXT PRIMARY KEY,
      secret_hash TEXT NOT NULL,
      role TEXT CHECK (role IN ('viewer', 'editor', 'admin')),
      -- NULL for a token that spans all namespaces.
      namespace TEXT,
      service_account TEXT,
      pod_name TEXT,
      pod_uid TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER
    );
    CREATE INDEX tokens_namespace ON tokens (namespace, service_account);
  `,
};
