import type { Migration } from './migration.js';

/**
 * Objects, their owner references, log chunks, the change feed and the resourceVersion sequence.
 * The tables mirror the SQLite schema. Times are milliseconds since the Unix epoch.
 */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
    -- Every write to objects takes nextval, so versions are unique and increase for each
    -- object, and concurrent writers never wait for each other on a counter row.
    -- NOTE: versions are taken before commit, so writes to different objects can commit in
    -- another order than their versions: a reader may see version 12 before version 11 exists.
    -- A failed or rolled-back write leaves a gap.
    CREATE SEQUENCE resource_version AS bigint;

    -- The (kind, namespace, name) key makes Job creation exactly-once: a second create of the
    -- same deterministic name fails, also from another process. Its index also serves lookups
    -- by kind and namespace and the list order (namespace, name).
    -- The object is json, not jsonb, because jsonb reorders keys and the API returns the
    -- object as written (apiVersion, kind, metadata, spec, status).
    CREATE TABLE objects (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      namespace text NOT NULL,
      name text NOT NULL,
      uid text NOT NULL,
      resource_version bigint NOT NULL,
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL,
      labels jsonb NOT NULL,
      object json NOT NULL,
      CONSTRAINT objects_key_unique UNIQUE (kind, namespace, name),
      CONSTRAINT objects_uid_unique UNIQUE (uid)
    );

    -- One row per owner reference, for "objects owned by uid" lookups. Owners need not exist,
    -- so owner_uid has no foreign key.
    CREATE TABLE object_owners (
      owner_uid text NOT NULL,
      object_id bigint NOT NULL REFERENCES objects (id) ON DELETE CASCADE,
      PRIMARY KEY (owner_uid, object_id)
    );
    CREATE INDEX object_owners_object_id ON object_owners (object_id);

    -- data is bytea because process output may contain NUL bytes, which text rejects.
    CREATE TABLE log_chunks (
      id bigserial PRIMARY KEY,
      namespace text NOT NULL,
      pod text NOT NULL,
      container text NOT NULL,
      seq integer NOT NULL,
      stream text NOT NULL CHECK (stream IN ('stdout', 'stderr')),
      time bigint NOT NULL,
      data bytea NOT NULL,
      CONSTRAINT log_chunks_seq_unique UNIQUE (namespace, pod, container, seq)
    );

    -- Every committed write, for the watch listeners of other store instances. origin is the
    -- instance that wrote it. For DELETED, object is the object as deleted, with the
    -- resourceVersion the deletion took. Rows are pruned after a retention period.
    CREATE TABLE changes (
      id bigserial PRIMARY KEY,
      type text NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
      kind text NOT NULL,
      object json NOT NULL,
      origin text NOT NULL,
      created_at bigint NOT NULL
    );
    CREATE INDEX changes_created_at ON changes (created_at);
  `,
};
