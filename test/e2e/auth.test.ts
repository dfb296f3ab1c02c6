import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepareForCreate } from '../../src/api/index.js';
import type { Job, Pod } from '../../src/api/types.js';
import { selectSandbox, volumesParentDirectory } from '../../src/runtime/sandbox/index.js';
import { SystemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import type { SchedulerHandle } from '../../src/worker/host.js';
import { startScheduler } from '../../src/worker/host.js';
import { connect } from 'node:net';
import { runCli } from '../cli/harness.js';
import { dropSchema, freshSchemaName, storeUrlOf } from '../store/postgres-schema.js';
import { freePort, startServe, type ServeProcess } from '../support/serve-process.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';
import type { WorkerProcess } from './worker-cluster.js';
import { startWorkerProcess, stopChild } from './worker-cluster.js';

const secretManifest = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: team-a
data:
  password: aHVudGVyMg==
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team-a
data:
  mode: fast
`;

// The attempt reads its token file and calls the API back with it, as a Kubernetes client
// in a pod does with its service account token.
const callBackScript = [
  "const token = require('fs').readFileSync(process.env.CRONMESH_TOKEN_FILE, 'utf8');",
  'const get = (path) => fetch(process.env.CRONMESH_SERVER + path,',
  "  { headers: { Authorization: 'Bearer ' + token } }).then((response) => response.status);",
  "Promise.all([get('/api/v1/namespaces/team-a/configmaps/settings'),",
  "  get('/api/v1/namespaces/team-a/secrets/db')])",
  "  .then(([configMap, secret]) => console.log('configmap ' + configMap + ', secret ' + secret));",
].join('\n');

function callBackJob(): string {
  return JSON.stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'call-back', namespace: 'team-a' },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          serviceAccountName: 'reader',
          restartPolicy: 'Never',
          containers: [{ name: 'main', command: [process.execPath, '-e', callBackScript] }],
        },
      },
    },
  });
}

function idOf(bearer: string): string {
  return bearer.slice('cmt_'.length, 'cmt_'.length + 12);
}

/** Matches any bearer token, wherever it appears in a text. */
const anyBearer = /cmt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;

/** Sends `text` as the raw bytes of a request to `url` and resolves once the server closes. */
function sendRaw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(response));
  });
}

/** Waits for the Job `name` in team-a to finish and returns it with its log. */
async function finishedJob(run: (args: string[]) => ReturnType<typeof runCli>, name: string) {
  const job = await waitFor(
    `the ${name} Job to finish`,
    async () => {
      const result = await run(['get', 'job', name, '-n', 'team-a', '-o', 'json']);
      const current = JSON.parse(result.stdout) as Job;
      const finished = (current.status?.succeeded ?? 0) + (current.status?.failed ?? 0) > 0;
      return finished ? current : undefined;
    },
    60_000,
    250,
  );
  const logs = await run(['logs', `job/${name}`, '-n', 'team-a']);
  return { job, logs };
}

describe('cronmesh serve --auth', () => {
  let dir: string;
  let dataDir: string;
  let serve: ServeProcess;
  let adminFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-auth-'));
    dataDir = join(dir, 'data');
    adminFile = join(dataDir, 'admin.token');
    // Trace level, so that the log check below covers every line the server can write.
    serve = await startServe(dataDir, await freePort(), ['--auth', '--log-level', 'trace']);
  });
  after(async () => {
    if (serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI against the server with `env` (CRONMESH_TOKEN, ...) and optional stdin. */
  function run(args: string[], env: Record<string, string> = {}, stdin?: string) {
    return runCli(serve, args, { env, stdin });
  }

  it('writes the admin token file once', async () => {
    const bearer = (await readFile(adminFile, 'utf8')).trim();
    const mode = (await stat(adminFile)).mode & 0o777;

    assert.match(bearer, /^cmt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(mode, 0o600);
    assert.match(serve.output(), /"msg":"wrote the admin token of every namespace"/);
    assert.equal(serve.output().includes(bearer), false, 'the log shows the token');
  });

  it('rejects the CLI without a token', async () => {
    const result = await run(['get', 'configmaps', '-n', 'team-a']);

    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'Error from server (Unauthorized): this server requires a bearer token: send the header ' +
        '"Authorization: Bearer TOKEN", or pass --token, --token-file, CRONMESH_TOKEN or ' +
        'CRONMESH_TOKEN_FILE to the cronmesh CLI. serve --auth writes the first admin token to ' +
        'admin.token in its data directory\n',
    );
  });

  it('creates, uses, lists and deletes tokens from the CLI', async () => {
    const admin = ['--token-file', adminFile];
    const editor = await run(['token', 'create', '--role', 'editor', '-n', 'team-a', ...admin]);
    const viewer = await run(['token', 'create', '--role', 'viewer', '-n', 'team-a', ...admin]);
    const editorToken = editor.stdout.trim();
    const viewerToken = viewer.stdout.trim();

    assert.equal(editor.code, 0, editor.stderr);
    assert.match(editorToken, /^cmt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(
      editor.stderr,
      `token ${idOf(editorToken)} created for token:${idOf(editorToken)}: role editor in namespace ` +
        'team-a; it does not expire. The server keeps only its hash, so store the token now.\n',
    );

    const applied = await run(
      ['apply', '-f', '-'],
      { CRONMESH_TOKEN: editorToken },
      secretManifest,
    );
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(applied.stdout, 'secret/db created\nconfigmap/settings created\n');

    const forbidden = await run(['get', 'secret', 'db', '-n', 'team-a', '-o', 'yaml'], {
      CRONMESH_TOKEN: viewerToken,
    });
    assert.equal(forbidden.code, 1);
    assert.equal(forbidden.stdout, '');
    assert.equal(
      forbidden.stderr,
      `Error from server (Forbidden): secrets "db" is forbidden: User "token:${idOf(viewerToken)}" ` +
        'cannot get resource "secrets" in API group "" in the namespace "team-a"\n',
    );

    const shown = await run(['get', 'secret', 'db', '-n', 'team-a', '-o', 'yaml'], {
      CRONMESH_TOKEN: editorToken,
    });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(
      shown.stdout,
      /^apiVersion: v1\ndata:\n {2}password: aHVudGVyMg==\nkind: Secret\n/,
    );

    const listed = await run(['token', 'list', '-n', 'team-a', ...admin]);
    const rows = listed.stdout.trim().split('\n');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(rows[0] ?? '', /^ID +USER +ROLE +EXPIRES +AGE$/);
    assert.deepEqual(
      rows.slice(1).map((row) => row.split(/\s+/).slice(0, 4)),
      [
        [idOf(editorToken), `token:${idOf(editorToken)}`, 'editor', '<never>'],
        [idOf(viewerToken), `token:${idOf(viewerToken)}`, 'viewer', '<never>'],
      ],
    );
    assert.equal(listed.stdout.includes(viewerToken), false);

    const deleted = await run(['token', 'delete', idOf(viewerToken), '-n', 'team-a', ...admin]);
    const rejected = await run(['get', 'configmaps', '-n', 'team-a'], {
      CRONMESH_TOKEN: viewerToken,
    });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `token "${idOf(viewerToken)}" deleted\n`);
    assert.equal(rejected.code, 1);
    assert.equal(
      rejected.stderr,
      'Error from server (Unauthorized): invalid bearer token: it is malformed, unknown or deleted\n',
    );
  });

  it('viewer cannot create a token from the CLI', async () => {
    const viewer = await run([
      'token',
      'create',
      '--role',
      'viewer',
      '-n',
      'team-a',
      '--token-file',
      adminFile,
    ]);
    const viewerToken = viewer.stdout.trim();

    const escalation = await run(['token', 'create', '--role', 'admin', '-n', 'team-a'], {
      CRONMESH_TOKEN: viewerToken,
    });

    assert.equal(escalation.code, 1);
    assert.equal(escalation.stdout, '');
    assert.equal(
      escalation.stderr,
      `Error from server (Forbidden): tokens.cronmesh.io is forbidden: User "token:${idOf(viewerToken)}" ` +
        'cannot create resource "tokens" in API group "cronmesh.io" in the namespace "team-a"\n',
    );
  });

  it('runs a job as its service account', async () => {
    const admin = { CRONMESH_TOKEN_FILE: adminFile };
    const binding = await run(
      ['token', 'create', '--role', 'viewer', '-n', 'team-a', '--service-account', 'reader'],
      admin,
    );
    assert.equal(binding.code, 0, binding.stderr);
    const applied = await run(['apply', '-f', '-'], admin, callBackJob());
    assert.equal(applied.code, 0, applied.stderr);

    const { job, logs } = await finishedJob((args) => run(args, admin), 'call-back');
    const tokens = await run(['token', 'list', '-n', 'team-a', '-o', 'json'], admin);
    const items = (JSON.parse(tokens.stdout) as { items: { status: { boundPod?: object } }[] })
      .items;

    assert.equal(job.status?.succeeded, 1, logs.stdout + logs.stderr);
    assert.equal(logs.stdout, 'configmap 200, secret 403\n');
    assert.equal(
      items.some((item) => item.status.boundPod !== undefined),
      false,
      'the attempt token was revoked',
    );
  });

  it('never logs a token', async () => {
    const admin = (await readFile(adminFile, 'utf8')).trim();
    const forged = `${admin.slice(0, -1)}${admin.endsWith('A') ? 'B' : 'A'}`;

    const allowed = await fetch(`${serve.url}/api/v1/namespaces/team-a/configmaps`, {
      headers: { Authorization: `Bearer ${admin}` },
    });
    const rejected = await fetch(`${serve.url}/api/v1/namespaces/team-a/configmaps`, {
      headers: { Authorization: `Bearer ${forged}` },
    });
    // Node rejects the header line without a colon, and the server logs the parse error.
    const malformed = await sendRaw(
      serve.url,
      `GET /api/v1/namespaces/team-a/secrets HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${admin}\r\nnot a header\r\n\r\n`,
    );
    await waitFor('the parse error in the log', () => serve.output().includes('rawPacket'));

    assert.equal(allowed.status, 200);
    assert.equal(rejected.status, 401);
    assert.match(malformed, /^HTTP\/1\.1 400 /);
    assert.equal(anyBearer.exec(serve.output())?.[0], undefined);
  });

  it('keeps the admin token file across restarts', async () => {
    const before = await readFile(adminFile, 'utf8');
    serve.child.kill('SIGTERM');
    await serve.exited;

    serve = await startServe(dataDir, await freePort(), ['--auth']);
    const afterRestart = await readFile(adminFile, 'utf8');
    const listed = await run(['get', 'configmaps', '-n', 'team-a', '-o', 'name'], {
      CRONMESH_TOKEN_FILE: adminFile,
    });

    assert.equal(afterRestart, before);
    assert.equal(listed.stdout, 'configmap/settings\n');
    assert.equal(serve.output().includes('wrote the admin token'), false);
  });
});

describe('cronmesh worker --api-server', () => {
  let dir: string;
  let schema: string;
  let serve: ServeProcess;
  let worker: WorkerProcess;
  let adminFile: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rD2-auth-worker-'));
    schema = freshSchemaName();
    const storeUrl = storeUrlOf(schema);
    adminFile = join(dir, 'data', 'admin.token');
    // The server runs no attempts itself, so the Job runs on the standalone worker.
    serve = await startServe(join(dir, 'data'), await freePort(), [
      '--auth',
      '--store',
      storeUrl,
      '--worker-concurrency',
      '0',
    ]);
    worker = await startWorkerProcess({ storeUrl, args: ['--api-server', serve.url] });
  });
  after(async () => {
    await stopChild(worker.child, worker.exited);
    if (serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
  });

  it('gives attempts the API address', async () => {
    const run = (args: string[], stdin?: string) =>
      runCli(serve, args, { env: { CRONMESH_TOKEN_FILE: adminFile }, stdin });
    const binding = await run([
      'token',
      'create',
      '--role',
      'viewer',
      '-n',
      'team-a',
      '--service-account',
      'reader',
    ]);
    const applied = await run(['apply', '-f', '-'], secretManifest);
    const job = await run(['apply', '-f', '-'], callBackJob());
    assert.equal(binding.code, 0, binding.stderr);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(job.code, 0, job.stderr);

    const { job: finished, logs } = await finishedJob((args) => run(args), 'call-back');
    const pods = await run(['get', 'pods', '-n', 'team-a', '-o', 'json']);
    const [pod] = (JSON.parse(pods.stdout) as { items: Pod[] }).items;

    assert.equal(finished.status?.succeeded, 1, logs.stdout + logs.stderr);
    assert.equal(logs.stdout, 'configmap 200, secret 403\n');
    assert.equal(pod?.status?.nodeName, worker.id);
  });
});

describe('service account tokens in the sandbox', () => {
  const clock = new SystemClock();
  let temp: TempStore;
  let scheduler: SchedulerHandle;

  before(async () => {
    temp = await openTempStore();
    scheduler = await startScheduler({
      store: temp.store,
      clock,
      logger: silentLogger,
      workerConcurrency: 2,
      pollIntervalMs: 200,
      sandbox: await selectSandbox('bubblewrap'),
    });
  });
  after(async () => {
    await scheduler.stop();
    await temp.cleanup();
  });

  function shellJob(name: string, script: string): Job {
    return {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'team-a' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            serviceAccountName: 'deployer',
            restartPolicy: 'Never',
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'main', command: ['/bin/sh', '-c', script] }],
          },
        },
      },
    };
  }

  async function podOf(job: string, phases: readonly string[]): Promise<Pod> {
    return waitFor(`a pod of ${job} in phase ${phases.join(' or ')}`, async () => {
      const pods = await temp.store.list<Pod>('Pod', { namespace: 'team-a' });
      const pod = pods.find((candidate) => candidate.metadata.name.startsWith(`${job}-`));
      return phases.includes(pod?.status?.phase ?? '') ? pod : undefined;
    });
  }

  it("hides other attempts' tokens", async () => {
    const parent = volumesParentDirectory();
    await temp.store.create(prepareForCreate(shellJob('holder', 'sleep 60')), clock.now());
    await podOf('holder', ['Running']);
    await waitFor('the holder token directory on the host', () =>
      readdirSync(parent).some((entry) => entry.startsWith('serviceaccount-')),
    );

    // Lists every token file the container can find in the worker's temporary directory.
    const snoop = shellJob(
      'snoop',
      `find ${tmpdir()} -name token -type f 2>/dev/null; echo ---; ` +
        'ls -A /var/run/secrets/kubernetes.io/serviceaccount',
    );
    await temp.store.create(prepareForCreate(snoop), clock.now());
    const pod = await podOf('snoop', ['Succeeded', 'Failed']);
    const chunks = await temp.store.readLog({
      namespace: 'team-a',
      pod: pod.metadata.name,
      container: 'main',
    });
    const log = chunks.map((chunk) => chunk.data).join('');

    assert.equal(pod.status?.phase, 'Succeeded', log);
    assert.equal(log, '---\nnamespace\ntoken\n');
  });
});
