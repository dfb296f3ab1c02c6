import type { Migration } from './migration.js';

/**
 * Objects, their owner references, log chunks and the store-wide resourceVersion counter.
 * Times are milliseconds since the Unix epoch.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
    -- One row holding the last resourceVersion handed out. Every write to objects increments it
    -- in the same transaction, so versions increase across all kinds and processes.
    CREATE TABLE resource_version (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      value INTEGER NOT NULL
    );
    INSERT INTO resource_version (id, value) VALUES (1, 0);

    -- The UNIQUE (kind, namespace, name) key makes Job creation exactly-once: a second create
    -- of the same deterministic name fails, even from another process. Its index also serves
    -- lookups by kind and namespace and the list order (namespace, name).
    CREATE TABLE objects (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      namespace TEXT NOT NULL,
      name TEXT NOT NULL,
      uid TEXT NOT NULL UNIQUE,
      resource_version INTEGER NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      labels TEXT NOT NULL CHECK (json_valid(labels)),
      object TEXT NOT NULL CHECK (json_valid(object)),
      UNIQUE (kind, namespace, name)
    );

    -- One row per owner reference, for "objects owned by uid" lookups. Owners need not exist,
    -- so owner_uid has no foreign key.
    CREATE TABLE object_owners (
      owner_uid TEXT NOT NULL,
      object_id INTEGER NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
      PRIMARY KEY (owner_uid, object_id)
    ) WITHOUT ROWID;
    CREATE INDEX object_owners_object_id ON object_owners (object_id);

    CREATE TABLE log_chunks (
      id INTEGER PRIMARY KEY,
      namespace TEXT NOT NULL,
      pod TEXT NOT NULL,
      container TEXT NOT NULL,
      seq INTEGER NOT NULL,
      stream TEXT NOT NULL CHECK (stream IN ('stdout', 'stderr')),
      time INTEGER NOT NULL,
      data TEXT NOT NULL,
      UNIQUE (namespace, pod, container, seq)
    );
  `,
};
