import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Pod } from '../../src/api/types.js';
import { call, grantToken } from '../server/auth/harness.js';
import { startTestServer } from '../server/harness.js';
import { waitFor } from '../support/wait.js';
import type { TestServer } from './harness.js';
import { runCli, spawnCli, startCliServer } from './harness.js';

function attempt(name: string, job: string, containers: string[]): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { 'batch.kubernetes.io/job-name': job } },
    spec: {
      restartPolicy: 'Never',
      containers: containers.map((container) => ({ name: container, command: ['true'] })),
    },
    status: { phase: 'Running' },
  };
}

describe('cronmesh logs', () => {
  let server: TestServer;

  before(async () => {
    server = await startCliServer();
    const { store, clock } = server;
    await store.create(attempt('nightly-older', 'nightly', ['main']), clock.now() - 60_000);
    await store.create(attempt('nightly-newer', 'nightly', ['main']), clock.now());
    await store.create(attempt('pair', 'other', ['app', 'sidecar']), clock.now());
    await store.create(
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'nightly', namespace: 'default' },
        spec: { template: { spec: { containers: [] } } },
      },
      clock.now(),
    );
    const cronJob = await store.create<CronJob>(
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'report', namespace: 'default' },
        spec: {
          schedule: '0 * * * *',
          jobTemplate: { spec: { template: { spec: { containers: [] } } } },
        },
      },
      clock.now(),
    );
    const owned = (name: string, scheduled: string) =>
      store.create(
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: {
            name,
            namespace: 'default',
            annotations: { 'batch.kubernetes.io/cronjob-scheduled-timestamp': scheduled },
            ownerReferences: [
              {
                apiVersion: 'batch/v1',
                kind: 'CronJob',
                name: 'report',
                uid: cronJob.metadata.uid ?? '',
                controller: true,
              },
            ],
          },
          spec: { template: { spec: { containers: [] } } },
        },
        clock.now(),
      );
    await owned('report-29000060', '2025-02-21T09:00:00Z');
    await owned('report-29000000', '2025-02-21T08:00:00Z');
    await store.create(attempt('report-29000060-abcde', 'report-29000060', ['main']), clock.now());
    await store.create(attempt('report-29000000-fghij', 'report-29000000', ['main']), clock.now());
    await store.create(
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'idle', namespace: 'default' },
        spec: {
          schedule: '0 * * * *',
          jobTemplate: { spec: { template: { spec: { containers: [] } } } },
        },
      },
      clock.now(),
    );
    const log = (pod: string, container: string, data: string): Promise<void> =>
      store.appendLog({ namespace: 'default', pod, container }, 'stdout', data, 1);
    await log('nightly-older', 'main', 'old run\n');
    await log('nightly-newer', 'main', 'new run\n');
    await log('pair', 'app', 'app line\n');
    await log('report-29000060-abcde', 'main', '09:00 report\n');
    await log('report-29000000-fghij', 'main', '08:00 report\n');
    await log('pair', 'sidecar', 'sidecar line\n');
  });
  after(async () => {
    await server.close();
  });

  test('pod by name', async () => {
    const result = await runCli(server, ['logs', 'nightly-older']);
    assert.equal(result.stdout, 'old run\n');
    assert.equal(result.code, 0);
  });

  test('job uses its newest pod', async () => {
    const result = await runCli(server, ['logs', 'job/nightly']);
    assert.equal(result.stdout, 'new run\n');
  });

  test('cronjob uses its newest job', async () => {
    const result = await runCli(server, ['logs', 'cronjob/report']);
    assert.equal(result.stderr, '');
    assert.equal(result.stdout, '09:00 report\n');
    assert.equal(result.code, 0);
  });

  test('cronjob without jobs says so', async () => {
    const result = await runCli(server, ['logs', 'cronjob/idle']);
    assert.equal(
      result.stderr,
      `error: cronjob "idle" has no jobs yet: see its next fire times with 'cronmesh describe cronjob idle'\n`,
    );
    assert.equal(result.code, 1);
  });

  test('container flag selects the container', async () => {
    const result = await runCli(server, ['logs', 'pod/pair', '-c', 'sidecar']);
    assert.equal(result.stdout, 'sidecar line\n');
  });

  test('several containers need -c', async () => {
    const result = await runCli(server, ['logs', 'pair']);
    assert.equal(
      result.stderr,
      'Error from server (BadRequest): a container name must be specified for pod pair, choose one of: [app sidecar]\n',
    );
    assert.equal(result.code, 1);
  });

  test('missing job is NotFound', async () => {
    const result = await runCli(server, ['logs', 'job/absent']);
    assert.equal(result.stderr, 'Error from server (NotFound): jobs.batch "absent" not found\n');
    assert.equal(result.code, 1);
  });

  test('follow streams until the pod finishes', async () => {
    const { store, clock } = server;
    await store.create(attempt('live', 'live', ['main']), clock.now());
    const key = { namespace: 'default', pod: 'live', container: 'main' };
    await store.appendLog(key, 'stdout', 'first\n', 1);

    const cli = spawnCli(server, ['logs', 'live', '-f']);
    await cli.waitForOutput('first\n');
    await store.appendLog(key, 'stdout', 'second\n', 2);
    await cli.waitForOutput('second\n');
    const pod = await store.get<Pod>('Pod', 'default', 'live');
    pod.status = { phase: 'Succeeded' };
    await store.update(pod);

    const result = await cli.exited;
    assert.equal(result.stdout, 'first\nsecond\n');
    assert.equal(result.code, 0);
  });
});

describe('cronmesh logs -f on a server that requires tokens', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ auth: { required: true } });
  });
  after(async () => {
    await server.close();
  });

  test('deleted token ends follow with error', { timeout: 30_000 }, async () => {
    const { store, clock } = server;
    const admin = await grantToken(server, { role: 'admin' });
    const viewer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });
    const tail = attempt('tail', 'tail', ['main']);
    tail.metadata.namespace = 'team-a';
    await store.create(tail, clock.now());
    const key = { namespace: 'team-a', pod: 'tail', container: 'main' };
    await store.appendLog(key, 'stdout', 'line 1\n', clock.now());

    const cli = spawnCli(server, ['logs', 'tail', '-f', '-n', 'team-a'], {
      CRONMESH_TOKEN: viewer,
    });
    try {
      await cli.waitForOutput('line 1\n');
      const id = viewer.slice('cmt_'.length, 'cmt_'.length + 12);
      const deleted = await call(
        server,
        admin,
        'DELETE',
        `/apis/cronmesh.io/v1/namespaces/team-a/tokens/${id}`,
      );
      assert.equal(deleted.status, 200);
      await waitFor('the follow to exit', () => cli.child.exitCode !== null);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
    }

    const result = await cli.exited;
    assert.equal(result.stdout, 'line 1\n');
    assert.equal(result.stderr, 'error: the log stream ended early: other side closed\n');
    assert.equal(result.code, 1);
  });
});
