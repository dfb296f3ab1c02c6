import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Job, Pod, Secret } from '../../src/api/types.js';
import type { Status } from '../../src/server/status.js';
import { databaseFileName } from '../../src/store/open.js';
import { dropSchema, freshSchemaName, storeUrlOf, withDatabase } from '../store/postgres-schema.js';
import { markerFormsIn, secretMarker } from '../support/secret-marker.js';
import type { SecretMarker } from '../support/secret-marker.js';
import {
  cli,
  cliMain,
  freePort,
  getJson,
  startServe,
  type ServeProcess,
} from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const secretsPath = '/api/v1/namespaces/default/secrets';
const jobsPath = '/apis/batch/v1/namespaces/default/jobs';
const podsPath = '/api/v1/namespaces/default/pods';

async function stopServe(serve: ServeProcess | undefined): Promise<void> {
  if (serve === undefined) return;
  if (serve.child.exitCode === null) serve.child.kill('SIGTERM');
  await serve.exited;
}

/** Parses the JSON lines of the server output that have message `msg`. */
function logLines(serve: ServeProcess, msg: string): Record<string, unknown>[] {
  return serve
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['msg'] === msg);
}

async function postSecret(url: string, name: string, marker: SecretMarker): Promise<void> {
  const response = await fetch(url + secretsPath, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      stringData: { token: marker.text },
    }),
  });
  assert.equal(response.status, 201, await response.text());
}

/**
 * Runs a Job that prints the SHA-256 of `$TOKEN` from Secret `secret` and returns its log. The
 * hash proves that the attempt received the value, without storing the value in the log.
 */
async function printedTokenHash(url: string, job: string, secret: string): Promise<string> {
  const manifest: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: job },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: 'busybox',
              command: ['/bin/sh', '-c', 'printf %s "$TOKEN" | sha256sum'],
              env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: secret, key: 'token' } } }],
            },
          ],
        },
      },
    },
  };
  const created = await fetch(url + jobsPath, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(manifest),
  });
  assert.equal(created.status, 201, await created.text());
  await waitFor(
    `Job ${job} to succeed`,
    async () => (await getJson<Job>(`${url}${jobsPath}/${job}`)).status?.succeeded === 1,
    30_000,
  );
  const pods = await getJson<{ items: Pod[] }>(url + podsPath);
  const pod = pods.items.find((item) => item.metadata.labels?.['job-name'] === job);
  const log = await fetch(`${url}${podsPath}/${pod?.metadata.name ?? ''}/log`);
  return log.text();
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Returns the SQLite database file and its write-ahead log as text. */
async function sqliteContents(dataDir: string): Promise<string> {
  const file = join(dataDir, databaseFileName);
  const parts = [await readFile(file)];
  if (existsSync(`${file}-wal`)) parts.push(await readFile(`${file}-wal`));
  return Buffer.concat(parts).toString('latin1');
}

describe('Secrets at rest with SQLite', () => {
  let dir: string;
  let dataDir: string;
  let serve: ServeProcess | undefined;
  const viaApi = secretMarker();
  const viaApply = secretMarker();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-secrets-sqlite-'));
    dataDir = join(dir, 'data');
  });
  // Each test restarts the server on the same data directory, also after a failed test.
  beforeEach(async () => {
    await stopServe(serve);
  });
  after(async () => {
    await stopServe(serve);
    await rm(dir, { recursive: true, force: true });
  });

  it('encrypts with a generated key', async () => {
    serve = await startServe(dataDir, await freePort());
    const url = serve.url;
    const manifest = join(dir, 'applied.yaml');
    await writeFile(
      manifest,
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: applied\nstringData:\n  token: ${viaApply.text}\n`,
    );

    await postSecret(url, 'posted', viaApi);
    const applied = await cli(url, ['apply', '-f', manifest]);
    const read = await getJson<Secret>(`${url}${secretsPath}/applied`);
    const printed = await printedTokenHash(url, 'reads-posted', 'posted');
    await stopServe(serve);
    const contents = await sqliteContents(dataDir);
    const keyFile = await stat(join(dataDir, 'encryption.key'));

    assert.equal(applied.stdout, 'secret/applied created\n');
    assert.deepEqual(read.data, { token: viaApply.base64 });
    assert.equal(
      read.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']?.includes(
        viaApply.text,
      ),
      true,
    );
    assert.equal(printed, `${sha256(viaApi.text)}  -\n`);
    assert.equal(keyFile.mode & 0o777, 0o600);
    assert.equal(logLines(serve, 'Secret encryption key created').length, 1);
    assert.deepEqual(markerFormsIn(contents, viaApi), []);
    assert.deepEqual(markerFormsIn(contents, viaApply), []);
    assert.deepEqual(markerFormsIn(serve.output(), viaApi), []);
  });

  it('rotates to a new primary key', async () => {
    const generated = await readFile(join(dataDir, 'encryption.key'), 'utf8');
    const keyFile = join(dir, 'rotated.keys');
    await writeFile(keyFile, `new:${randomBytes(32).toString('base64')}\n${generated}`);

    serve = await startServe(dataDir, await freePort(), ['--encryption-key-file', keyFile]);
    const rotation = await waitFor('the re-encryption log line', () =>
      logLines(serve!, 'Secrets re-encrypted with the primary key').at(0),
    );
    const read = await getJson<Secret>(`${serve.url}${secretsPath}/posted`);
    await stopServe(serve);

    assert.equal(rotation['reencrypted'], 2);
    assert.equal(rotation['failed'], 0);
    assert.equal(rotation['primaryKeyId'], 'new');
    assert.deepEqual(read.data, { token: viaApi.base64 });
  });

  it('wrong key fails naming the Secret', async () => {
    const keyFile = join(dir, 'wrong.keys');
    await writeFile(keyFile, `other:${randomBytes(32).toString('base64')}\n`);

    serve = await startServe(dataDir, await freePort(), ['--encryption-key-file', keyFile]);
    await waitFor('the re-encryption log line', () =>
      logLines(serve!, 'Secrets re-encrypted with the primary key').at(0),
    );
    const response = await fetch(`${serve.url}${secretsPath}/posted`);
    const status = (await response.json()) as Status;
    const failures = logLines(serve, 'Secret not re-encrypted');
    await stopServe(serve);

    assert.equal(response.status, 500);
    assert.equal(
      status.message,
      'Internal error occurred: decrypting Secret default/posted failed: it is encrypted with ' +
        'key "new", which is not among the configured keys ("other"); add that key to ' +
        '--encryption-key-file or CRONMESH_ENCRYPTION_KEY after the primary key',
    );
    assert.deepEqual(
      failures.map((line) => line['keyId']),
      ['new', 'new'],
    );
    assert.deepEqual(markerFormsIn(serve.output(), viaApi), []);
    assert.deepEqual(markerFormsIn(serve.output(), viaApply), []);
  });
});

describe('Secrets at rest with PostgreSQL', () => {
  let dir: string;
  let schema: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-secrets-postgres-'));
    schema = freshSchemaName();
  });
  after(async () => {
    await stopServe(serve);
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a start without a key', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['CRONMESH_ENCRYPTION_KEY'];
    const child = spawn(
      process.execPath,
      [cliMain, 'serve', '--store', storeUrlOf(schema), '--listen', '127.0.0.1:0'],
      { env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

    assert.equal(code, 1);
    assert.equal(
      stderr,
      'error: missing encryption key: with a PostgreSQL store, every cronmesh serve replica ' +
        'and worker must encrypt Secrets with the same key. Pass --encryption-key-file PATH or ' +
        'set CRONMESH_ENCRYPTION_KEY, for example to the output of: openssl rand -base64 32\n',
    );
  });

  it('stores no plaintext', async () => {
    const marker = secretMarker();
    serve = await startServe(join(dir, 'data'), await freePort(), ['--store', storeUrlOf(schema)]);
    const url = serve.url;

    await postSecret(url, 'posted', marker);
    const read = await getJson<Secret>(`${url}${secretsPath}/posted`);
    const printed = await printedTokenHash(url, 'reads-posted', 'posted');
    const rows = await withDatabase(async (client) => {
      const result = await client.query<{ row: string }>(
        `SELECT o::text AS row FROM ${schema}.objects o WHERE kind = 'Secret'`,
      );
      return result.rows.map((row) => row.row);
    });
    const changes = await withDatabase(async (client) => {
      const result = await client.query<{ rows: string }>(
        `SELECT coalesce(string_agg(c::text, ''), '') AS rows FROM ${schema}.changes c`,
      );
      return result.rows[0]?.rows ?? '';
    });

    assert.deepEqual(read.data, { token: marker.base64 });
    assert.equal(printed, `${sha256(marker.text)}  -\n`);
    assert.equal(rows.length, 1);
    assert.match(rows[0] ?? '', /enc:v1:[0-9a-f]{8}:/);
    assert.deepEqual(markerFormsIn(rows.join('\n'), marker), []);
    assert.deepEqual(markerFormsIn(changes, marker), []);
  });
});
