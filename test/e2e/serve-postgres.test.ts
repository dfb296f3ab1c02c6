import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Job } from '../../src/api/types.js';
import { databaseFileName } from '../../src/store/open.js';
import { dropSchema, freshSchemaName, storeUrlOf, withDatabase } from '../store/postgres-schema.js';
import {
  cli,
  cliMain,
  freePort,
  getJson,
  startServe,
  type ServeProcess,
} from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const greetJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: greet
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.28
          command: ["/bin/sh", "-c", "echo hello from postgres"]
`;

/**
 * Runs `cronmesh serve` with `args` and `env`, expecting it to fail before it starts, and returns
 * its exit code and stderr. A server that starts anyway is stopped after 20 s.
 */
async function serveExit(
  dataDir: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(
    process.execPath,
    [cliMain, 'serve', '--data-dir', dataDir, '--listen', '127.0.0.1:0', ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stderr };
}

describe('cronmesh serve on PostgreSQL', () => {
  let dir: string;
  let schema: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-serve-postgres-'));
    schema = freshSchemaName();
  });

  after(async () => {
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('runs a Job and serves its log', async () => {
    const dataDir = join(dir, 'data');
    const manifest = join(dir, 'greet.yaml');
    await writeFile(manifest, greetJob);

    serve = await startServe(dataDir, await freePort(), [
      '--store',
      storeUrlOf(schema),
      '-f',
      manifest,
    ]);
    const url = serve.url;
    const job = await waitFor(
      'the greet Job to complete',
      async () => {
        const found = await getJson<Job>(`${url}/apis/batch/v1/namespaces/default/jobs/greet`);
        return found.status?.succeeded === 1 ? found : undefined;
      },
      30_000,
      250,
    );
    const logs = await cli(url, ['logs', 'job/greet']);
    const ready = await fetch(`${url}/readyz`);
    const stored = await withDatabase(async (client) => {
      const result = await client.query<{ uid: string }>(
        `SELECT uid FROM ${schema}.objects WHERE kind = 'Job' AND name = 'greet'`,
      );
      return result.rows.map((row) => row.uid);
    });
    const listening = serve
      .output()
      .split('\n')
      .find((line) => line.includes('cronmesh API listening'));

    assert.equal(logs.stderr, '');
    assert.equal(logs.stdout, 'hello from postgres\n');
    assert.equal(logs.code, 0);
    assert.equal(ready.status, 200);
    assert.deepEqual(stored, [job.metadata.uid]);
    assert.equal(existsSync(join(dataDir, databaseFileName)), false);
    const record = JSON.parse(listening ?? '{}') as Record<string, unknown>;
    assert.equal(record['store'], 'postgres://postgres@127.0.0.1:5432/test');
    assert.equal(record['schema'], schema);
  });

  it('rejects another scheme without showing the password', async () => {
    const result = await serveExit(
      join(dir, 'unused'),
      ['--store', 'mysql://root:hunter2@127.0.0.1/jobs'],
      {},
    );

    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'error: unsupported --store value "mysql://root:***@127.0.0.1/jobs": expected a ' +
        'postgres:// or postgresql:// URL such as postgres://USER@HOST:5432/DATABASE?schema=NAME\n',
    );
  });

  it('reads CRONMESH_STORE when --store is absent', async () => {
    const result = await serveExit(join(dir, 'unused'), [], {
      CRONMESH_STORE: 'postgres://app:hunter2@127.0.0.1/jobs?schema=Jobs',
    });

    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'error: invalid CRONMESH_STORE value "postgres://app:***@127.0.0.1/jobs?schema=Jobs": ' +
        'invalid schema "Jobs": expected a lowercase letter or underscore, then up to 62 ' +
        'lowercase letters, digits or underscores, not starting with pg_\n',
    );
  });

  it('--store wins over CRONMESH_STORE', async () => {
    const result = await serveExit(join(dir, 'unused'), ['--store', 'redis://127.0.0.1:6379'], {
      CRONMESH_STORE: storeUrlOf(schema),
    });

    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'error: unsupported --store value "redis://127.0.0.1:6379": expected a postgres:// or ' +
        'postgresql:// URL such as postgres://USER@HOST:5432/DATABASE?schema=NAME\n',
    );
  });
});
