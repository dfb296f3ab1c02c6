import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ConfigMap, Secret } from '../../src/api/types.js';
import { EncryptingStore } from '../../src/store/encryption/encrypting-store.js';
import { DecryptionError } from '../../src/store/encryption/envelope.js';
import type { EncryptionKey } from '../../src/store/encryption/keys.js';
import { KeyRing } from '../../src/store/encryption/keys.js';
import { databaseFileName, openStore } from '../../src/store/open.js';
import type { Store, WatchEvent } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { markerFormsIn, secretMarker } from '../support/secret-marker.js';
import type { SecretMarker } from '../support/secret-marker.js';
import { waitFor } from '../support/wait.js';
import { defineStoreConformance } from './conformance.js';
import { configMap, createdAt, rejectionOf } from './fixtures.js';
import { dropSchema, freshSchemaName, storeUrlOf, withDatabase } from './postgres-schema.js';

/** A backend store without encryption, and every byte its database holds. */
interface RawBackend {
  raw: Store;
  /** The database's contents as text: the SQLite files, or every row of the PostgreSQL schema. */
  dump(): Promise<string>;
  cleanup(): Promise<void>;
}

const backends: Record<string, () => Promise<RawBackend>> = {
  SQLite: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-encryption-'));
    const raw = await openStore({ dataDir, clock: new FakeClock(createdAt) });
    const file = join(dataDir, databaseFileName);
    return {
      raw,
      async dump() {
        // The write-ahead log contains recent writes until a checkpoint copies them into the file.
        const parts = [await readFile(file)];
        if (existsSync(`${file}-wal`)) parts.push(await readFile(`${file}-wal`));
        return Buffer.concat(parts).toString('latin1');
      },
      async cleanup() {
        await raw.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
  PostgreSQL: async () => {
    const schema = freshSchemaName();
    const raw = await openStore({ url: storeUrlOf(schema), clock: new FakeClock(createdAt) });
    return {
      raw,
      dump: () =>
        withDatabase(async (client) => {
          const tables = await client.query<{ table_name: string }>(
            'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
            [schema],
          );
          const texts: string[] = [];
          for (const { table_name: table } of tables.rows) {
            const rows = await client.query<{ row: string }>(
              `SELECT t::text AS row FROM ${schema}."${table}" t`,
            );
            texts.push(...rows.rows.map((row) => row.row));
          }
          return texts.join('\n');
        }),
      async cleanup() {
        await raw.close();
        await dropSchema(schema);
      },
    };
  },
};

function key(id: string): EncryptionKey {
  return { id, key: randomBytes(32) };
}

function secret(name: string, marker: SecretMarker): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'billing' },
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
          stringData: { token: marker.text },
        }),
      },
    },
    type: 'Opaque',
    data: { token: marker.base64 },
  };
}

/** Returns the stored `encrypted` value of a Secret, read past the encryption. */
async function storedValue(raw: Store, name: string): Promise<string> {
  const stored = await raw.get('Secret', 'default', name);
  const value = (stored as unknown as Record<string, unknown>)['encrypted'];
  assert.equal(typeof value, 'string', `the encrypted field of ${name}`);
  return value as string;
}

/** Writes `value` as the stored `encrypted` field of a Secret, past the encryption. */
async function replaceStoredValue(raw: Store, name: string, value: string): Promise<void> {
  const stored = await raw.get('Secret', 'default', name);
  await raw.update({ ...stored, encrypted: value } as unknown as Secret);
}

async function withBackend(
  open: () => Promise<RawBackend>,
  body: (backend: RawBackend) => Promise<void>,
): Promise<void> {
  const backend = await open();
  try {
    await body(backend);
  } finally {
    await backend.cleanup();
  }
}

for (const [name, open] of Object.entries(backends)) {
  describe(`EncryptingStore on ${name}`, () => {
    it('stores no plaintext', async () => {
      await withBackend(open, async (backend) => {
        const raw = backend.raw;
        const store = new EncryptingStore(raw, new KeyRing([key('a')]));
        const first = secretMarker();
        const second = secretMarker();

        const created = await store.create(secret('credentials', first), createdAt);
        await store.update({ ...created, data: { token: second.base64 } });
        const stored = await raw.get('Secret', 'default', 'credentials');
        const contents = await backend.dump();

        assert.deepEqual(markerFormsIn(contents, first), []);
        assert.deepEqual(markerFormsIn(contents, second), []);
        assert.deepEqual(Object.keys(stored).sort(), [
          'apiVersion',
          'encrypted',
          'kind',
          'metadata',
        ]);
        assert.match(await storedValue(raw, 'credentials'), /^enc:v1:a:[A-Za-z0-9+/]+={0,2}$/);
        assert.deepEqual(stored.metadata.labels, { app: 'billing' });
        assert.equal(stored.metadata.annotations, undefined);
      });
    });

    it('returns plaintext from every read', async () => {
      await withBackend(open, async ({ raw }) => {
        const store = new EncryptingStore(raw, new KeyRing([key('a')]));
        const marker = secretMarker();
        const input = secret('credentials', marker);

        const created = await store.create(input, createdAt);
        const got = await store.get<Secret>('Secret', 'default', 'credentials');
        const found = await store.find<Secret>('Secret', 'default', 'credentials');
        const listed = await store.list<Secret>('Secret', { namespace: 'default' });
        const selected = await store.list<Secret>('Secret', {
          labelSelector: [{ key: 'app', operator: 'In', values: ['billing'] }],
        });

        for (const object of [created, got, found, listed[0], selected[0]]) {
          assert.deepEqual(object?.data, { token: marker.base64 });
          assert.equal(object?.type, 'Opaque');
          assert.deepEqual(object?.metadata.annotations, input.metadata.annotations);
          assert.equal(object?.metadata.uid, created.metadata.uid);
        }
        assert.equal(listed.length, 1);
        assert.equal(selected.length, 1);
      });
    });

    it('unchanged update keeps the resourceVersion', async () => {
      await withBackend(open, async ({ raw }) => {
        const store = new EncryptingStore(raw, new KeyRing([key('a')]));
        const created = await store.create(secret('credentials', secretMarker()), createdAt);
        const before = await storedValue(raw, 'credentials');

        const unchanged = await store.update({ ...created });
        const after = await storedValue(raw, 'credentials');
        const changed = await store.update({ ...created, data: { token: 'b3RoZXI=' } });

        assert.equal(unchanged.metadata.resourceVersion, created.metadata.resourceVersion);
        assert.equal(after, before);
        assert.notEqual(changed.metadata.resourceVersion, created.metadata.resourceVersion);
        assert.deepEqual(changed.data, { token: 'b3RoZXI=' });
        assert.notEqual(await storedValue(raw, 'credentials'), before);
      });
    });

    it('watch events carry plaintext', async () => {
      await withBackend(open, async ({ raw }) => {
        const store = new EncryptingStore(raw, new KeyRing([key('a')]));
        const marker = secretMarker();
        const secrets: WatchEvent[] = [];
        const all: WatchEvent[] = [];
        const stopSecrets = store.watch('Secret', (event) => secrets.push(event));
        const stopAll = store.watch(undefined, (event) => all.push(event));

        const created = await store.create(secret('credentials', marker), createdAt);
        await store.update({ ...created, data: { token: 'b3RoZXI=' } });
        await store.create(configMap('settings', { region: 'eu-1' }), createdAt);
        await store.delete('Secret', 'default', 'credentials');
        await waitFor(
          'four watch events',
          () => secrets.length === 3 && all.length === 4,
          5000,
          10,
        );
        stopSecrets();
        stopAll();

        const summary = (events: WatchEvent[]) =>
          events.map((event) => {
            const object = event.object as Secret | ConfigMap;
            return `${event.type} ${object.kind} ${JSON.stringify(object.data)}`;
          });
        assert.deepEqual(summary(secrets), [
          `ADDED Secret {"token":"${marker.base64}"}`,
          'MODIFIED Secret {"token":"b3RoZXI="}',
          'DELETED Secret {"token":"b3RoZXI="}',
        ]);
        assert.deepEqual(summary(all), [
          `ADDED Secret {"token":"${marker.base64}"}`,
          'MODIFIED Secret {"token":"b3RoZXI="}',
          'ADDED ConfigMap {"region":"eu-1"}',
          'DELETED Secret {"token":"b3RoZXI="}',
        ]);
      });
    });

    it('rotation re-encrypts under the primary key', async () => {
      await withBackend(open, async ({ raw }) => {
        const [a, b] = [key('a'), key('b')];
        const old = new EncryptingStore(raw, new KeyRing([a]));
        const markers = [secretMarker(), secretMarker(), secretMarker()];
        await old.create(secret('first', markers[0]!), createdAt);
        await old.create(secret('second', markers[1]!), createdAt);
        // Stored before encryption was configured.
        await raw.create(secret('legacy', markers[2]!), createdAt);
        const rotating = new EncryptingStore(raw, new KeyRing([b, a]));

        const readBefore = await rotating.get<Secret>('Secret', 'default', 'first');
        const result = await rotating.reencryptSecrets();
        const again = await rotating.reencryptSecrets();
        const rotated = new EncryptingStore(raw, new KeyRing([b]));
        const values = await Promise.all(
          ['first', 'second', 'legacy'].map((name) => storedValue(raw, name)),
        );
        const read = await rotated.list<Secret>('Secret');

        assert.deepEqual(readBefore.data, { token: markers[0]!.base64 });
        assert.deepEqual(result, { reencrypted: 3, failures: [] });
        assert.deepEqual(again, { reencrypted: 0, failures: [] });
        assert.deepEqual(
          values.map((value) => value.split(':').slice(0, 3).join(':')),
          ['enc:v1:b', 'enc:v1:b', 'enc:v1:b'],
        );
        assert.deepEqual(
          read.map((object) => `${object.metadata.name} ${object.data?.token}`),
          [
            `first ${markers[0]!.base64}`,
            `legacy ${markers[2]!.base64}`,
            `second ${markers[1]!.base64}`,
          ],
        );
      });
    });

    it('tampered ciphertext fails naming the Secret', async () => {
      await withBackend(open, async ({ raw }) => {
        const store = new EncryptingStore(raw, new KeyRing([key('a')]));
        const marker = secretMarker();
        await store.create(secret('credentials', marker), createdAt);
        const value = await storedValue(raw, 'credentials');
        const bytes = Buffer.from(value.slice('enc:v1:a:'.length), 'base64');
        bytes[20] = (bytes[20] ?? 0) ^ 0x01;
        await replaceStoredValue(raw, 'credentials', `enc:v1:a:${bytes.toString('base64')}`);

        const error = await rejectionOf(store.get('Secret', 'default', 'credentials'));

        assert.ok(error instanceof DecryptionError);
        assert.equal(error.failure, 'authentication-failed');
        assert.equal(
          error.message,
          'decrypting Secret default/credentials failed: authentication with key "a" failed: ' +
            'the stored value was changed, moved from another object, or encrypted with a ' +
            'different key of the same id',
        );
        assert.deepEqual(markerFormsIn(error.message, marker), []);
      });
    });

    it('ciphertext moved to another Secret fails', async () => {
      await withBackend(open, async ({ raw }) => {
        const store = new EncryptingStore(raw, new KeyRing([key('a')]));
        await store.create(secret('source', secretMarker()), createdAt);
        await store.create(secret('target', secretMarker()), createdAt);
        await replaceStoredValue(raw, 'target', await storedValue(raw, 'source'));

        const error = await rejectionOf(store.find('Secret', 'default', 'target'));

        assert.ok(error instanceof DecryptionError);
        assert.equal(error.failure, 'authentication-failed');
        assert.match(error.message, /^decrypting Secret default\/target failed: /);
      });
    });

    it('wrong key fails with a clear error', async () => {
      await withBackend(open, async ({ raw }) => {
        const marker = secretMarker();
        await new EncryptingStore(raw, new KeyRing([key('a')])).create(
          secret('credentials', marker),
          createdAt,
        );
        const sameId = new EncryptingStore(raw, new KeyRing([key('a')]));
        const otherId = new EncryptingStore(raw, new KeyRing([key('c'), key('d')]));

        const wrongBytes = await rejectionOf(sameId.get('Secret', 'default', 'credentials'));
        const unknown = await rejectionOf(otherId.list('Secret'));

        assert.ok(wrongBytes instanceof DecryptionError);
        assert.equal(wrongBytes.failure, 'authentication-failed');
        assert.ok(unknown instanceof DecryptionError);
        assert.equal(unknown.failure, 'unknown-key');
        assert.equal(
          unknown.message,
          'decrypting Secret default/credentials failed: it is encrypted with key "a", which is ' +
            'not among the configured keys ("c", "d"); add that key to --encryption-key-file or ' +
            'CRONMESH_ENCRYPTION_KEY after the primary key',
        );
        assert.deepEqual(markerFormsIn(unknown.message, marker), []);
      });
    });

    it('undecryptable Secret is reported, and can be deleted', async () => {
      await withBackend(open, async ({ raw }) => {
        await new EncryptingStore(raw, new KeyRing([key('a')])).create(
          secret('credentials', secretMarker()),
          createdAt,
        );
        const dropped: DecryptionError[] = [];
        const store = new EncryptingStore(raw, new KeyRing([key('c')]), {
          onWatchDecryptionError: (error) => dropped.push(error),
        });
        const events: WatchEvent[] = [];
        const stop = store.watch('Secret', (event) => events.push(event));

        const rotation = await store.reencryptSecrets();
        const deleted = await store.delete<Secret>('Secret', 'default', 'credentials');
        await waitFor('the DELETED event', () => events.length === 1, 5000, 10);
        stop();

        assert.equal(rotation.reencrypted, 0);
        assert.deepEqual(
          rotation.failures.map((failure) => `${failure.failure} ${failure.subject}`),
          ['unknown-key Secret default/credentials'],
        );
        assert.equal(deleted.metadata.name, 'credentials');
        assert.equal(deleted.data, undefined);
        assert.deepEqual(
          events.map((event) => `${event.type} ${event.object.metadata.name}`),
          ['DELETED credentials'],
        );
        assert.deepEqual(
          dropped.map((error) => error.subject),
          ['Secret default/credentials'],
        );
        assert.equal(await raw.find('Secret', 'default', 'credentials'), undefined);
      });
    });

    it('other kinds are stored as given', async () => {
      await withBackend(open, async ({ raw }) => {
        const store = new EncryptingStore(raw, new KeyRing([key('a')]));

        const created = await store.create(configMap('settings', { region: 'eu-1' }), createdAt);
        const stored = await raw.get<ConfigMap>('ConfigMap', 'default', 'settings');

        assert.deepEqual(stored, created);
        assert.deepEqual(stored.data, { region: 'eu-1' });
      });
    });
  });
}

// Every other kind passes through, so the wrapped store must keep the Store contract unchanged.
defineStoreConformance('EncryptingStore conformance on SQLite', async () => {
  const backend = await backends['SQLite']!();
  const store = new EncryptingStore(backend.raw, new KeyRing([key('a')]));
  return { store, cleanup: () => backend.cleanup() };
});
