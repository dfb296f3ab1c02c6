import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import type { ConfigMap, CronJob, Event, Job, Pod, Secret } from '../../src/api/types.js';
import { startTestServer } from '../server/harness.js';
import { call, grantToken } from '../server/auth/harness.js';
import { waitFor } from '../support/wait.js';
import type { TestServer } from './harness.js';
import {
  cronJobManifest,
  cronJobsPath,
  jobsPath,
  request,
  runCli,
  spawnCli,
  startCliServer,
  unusedPort,
} from './harness.js';

describe('cronmesh get', () => {
  let server: TestServer;
  let created: string;

  before(async () => {
    server = await startCliServer();
    const createdMs = Math.floor(server.clock.now() / 1000) * 1000;
    created = new Date(createdMs).toISOString().replace('.000Z', 'Z');
    const { store } = server;

    const hello = cronJobManifest('hello', { app: 'hello' });
    hello.spec.schedule = '*/1 * * * *';
    await request(server, 'POST', cronJobsPath, hello);
    const stored = await store.get<CronJob>('CronJob', 'default', 'hello');
    stored.status = {
      lastScheduleTime: created,
      active: [{ kind: 'Job', name: 'hello-1', namespace: 'default' }],
    };
    await store.update(stored);

    const backup = cronJobManifest('backup');
    backup.spec.schedule = '0 2 * * *';
    backup.spec.timeZone = 'Europe/Berlin';
    backup.spec.suspend = true;
    await request(server, 'POST', cronJobsPath, backup);
    await request(
      server,
      'POST',
      '/apis/batch/v1/namespaces/team-b/cronjobs',
      cronJobManifest('nightly'),
    );

    const done = (await request<Job>(server, 'POST', jobsPath, jobWithCompletions('done', 1))).body;
    done.status = {
      succeeded: 1,
      startTime: created,
      completionTime: new Date(createdMs + 65_000).toISOString().replace('.000Z', 'Z'),
      conditions: [{ type: 'Complete', status: 'True' }],
    };
    await store.update(done);
    const running = (await request<Job>(server, 'POST', jobsPath, jobWithCompletions('running', 3)))
      .body;
    running.status = { active: 1, succeeded: 1, startTime: created };
    await store.update(running);
    const failed = (
      await request<Job>(server, 'POST', jobsPath, jobWithCompletions('broken', undefined))
    ).body;
    failed.status = {
      failed: 7,
      startTime: created,
      conditions: [{ type: 'Failed', status: 'True' }],
    };
    await store.update(failed);

    await store.create(completedPod('done-abcde'), server.clock.now());
    await store.create(restartedPod('running-fghij', created), server.clock.now());

    const configMap: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { a: '1', b: '2' },
    };
    await request(server, 'POST', '/api/v1/namespaces/default/configmaps', configMap);
    const secret: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token' },
      data: { t: 'YWJj' },
    };
    await request(server, 'POST', '/api/v1/namespaces/default/secrets', secret);
    await store.create(event('hello.1', created), server.clock.now());
  });
  after(async () => {
    await server.close();
  });

  test('cronjobs table', async () => {
    const result = await runCli(server, ['get', 'cronjobs']);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      [
        'NAME     SCHEDULE      TIMEZONE        SUSPEND   ACTIVE   LAST SCHEDULE   AGE',
        'backup   0 2 * * *     Europe/Berlin   True      0        <none>          3d',
        'hello    */1 * * * *   <none>          False     1        3d              3d',
        '',
      ].join('\n'),
    );
  });

  test('cronjobs wide table', async () => {
    const result = await runCli(server, ['get', 'cj', 'hello', '-o', 'wide']);
    assert.equal(
      result.stdout,
      [
        'NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE   CONTAINERS   IMAGES    SELECTOR',
        'hello   */1 * * * *   <none>     False     1        3d              3d    main         busybox   <none>',
        '',
      ].join('\n'),
    );
  });

  test('all namespaces adds a column', async () => {
    const result = await runCli(server, ['get', 'cronjob', '-A', '-l', '!app']);
    assert.equal(
      result.stdout,
      [
        'NAMESPACE   NAME      SCHEDULE      TIMEZONE        SUSPEND   ACTIVE   LAST SCHEDULE   AGE',
        'default     backup    0 2 * * *     Europe/Berlin   True      0        <none>          3d',
        'team-b      nightly   */5 * * * *   <none>          False     0        <none>          3d',
        '',
      ].join('\n'),
    );
  });

  test('label selector filters', async () => {
    const result = await runCli(server, ['get', 'cronjobs', '-l', 'app=hello', '-o', 'name']);
    assert.equal(result.stdout, 'cronjob.batch/hello\n');
  });

  test('names output', async () => {
    const result = await runCli(server, ['get', 'cronjobs', '-o', 'name']);
    assert.equal(result.stdout, 'cronjob.batch/backup\ncronjob.batch/hello\n');
  });

  test('json output of one object', async () => {
    const result = await runCli(server, ['get', 'cronjob/hello', '-o', 'json']);
    const stored = await server.store.get<CronJob>('CronJob', 'default', 'hello');
    assert.deepEqual(JSON.parse(result.stdout), stored);
    assert.equal(result.stdout.split('\n')[1], '    "apiVersion": "batch/v1",');
  });

  test('yaml output of a list', async () => {
    const result = await runCli(server, ['get', 'cronjobs', '-o', 'yaml']);
    const list = parse(result.stdout) as { kind: string; apiVersion: string; items: CronJob[] };
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(
      list.items.map((item) => item.metadata.name),
      ['backup', 'hello'],
    );
  });

  test('empty namespace message', async () => {
    const result = await runCli(server, ['get', 'cronjobs', '-n', 'empty']);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'No resources found in empty namespace.\n');
    assert.equal(result.code, 0);
  });

  test('missing object is an error', async () => {
    const result = await runCli(server, ['get', 'cronjob', 'nope']);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'Error from server (NotFound): cronjobs.batch "nope" not found\n');
    assert.equal(result.code, 1);
  });

  test('unknown resource type', async () => {
    const result = await runCli(server, ['get', 'widgets']);
    assert.equal(
      result.stderr,
      'error: the server doesn\'t have a resource type "widgets"; known types: cronjobs, jobs, pods, configmaps, secrets, events\n',
    );
    assert.equal(result.code, 1);
  });

  test('jobs table', async () => {
    const result = await runCli(server, ['get', 'jobs']);
    assert.equal(
      result.stdout,
      [
        'NAME      STATUS     COMPLETIONS   DURATION   AGE',
        'broken    Failed     0/1           3d         3d',
        'done      Complete   1/1           65s        3d',
        'running   Running    1/3           3d         3d',
        '',
      ].join('\n'),
    );
  });

  test('pods table', async () => {
    const result = await runCli(server, ['get', 'pods']);
    assert.equal(
      result.stdout,
      [
        'NAME            READY   STATUS      RESTARTS     AGE',
        'done-abcde      0/1     Completed   0            3d',
        'running-fghij   1/1     Running     2 (3d ago)   3d',
        '',
      ].join('\n'),
    );
  });

  test('configmaps and secrets tables', async () => {
    const configMaps = await runCli(server, ['get', 'cm']);
    assert.equal(configMaps.stdout, 'NAME       DATA   AGE\nsettings   2      3d\n');
    const secrets = await runCli(server, ['get', 'secrets']);
    assert.equal(secrets.stdout, 'NAME    TYPE     DATA   AGE\ntoken   Opaque   1      3d\n');
  });

  test('events table', async () => {
    const result = await runCli(server, ['get', 'events']);
    assert.equal(
      result.stdout,
      [
        'LAST SEEN   TYPE     REASON             OBJECT          MESSAGE',
        '3d          Normal   SuccessfulCreate   cronjob/hello   Created job hello-1',
        '',
      ].join('\n'),
    );
  });

  test('watch prints later changes', async () => {
    const path = '/apis/batch/v1/namespaces/watched/cronjobs';
    const cli = spawnCli(server, ['get', 'cronjobs', '-n', 'watched', '--watch']);
    try {
      await cli.waitForOutput('No resources found', 'stderr');
      await request(server, 'POST', path, cronJobManifest('first'));
      await cli.waitForOutput('first');
      await request(server, 'POST', path, cronJobManifest('second'));
      await cli.waitForOutput('second');
    } finally {
      cli.child.kill('SIGTERM');
    }
    const result = await cli.exited;
    assert.equal(result.stderr, 'No resources found in watched namespace.\n');
    // Rows print as events arrive, so a wider later name widens only the later rows.
    assert.equal(
      result.stdout,
      [
        'NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE',
        'first   */5 * * * *   <none>     False     0        <none>          3d',
        'second   */5 * * * *   <none>     False     0        <none>          3d',
        '',
      ].join('\n'),
    );
    assert.equal(result.code, 0);
  });

  test('unreachable server message', async () => {
    const url = `http://127.0.0.1:${await unusedPort()}`;
    const result = await runCli({ url }, ['get', 'cronjobs']);
    assert.equal(
      result.stderr,
      `error: cannot reach the cronmesh server at ${url}: is 'cronmesh serve' running?\n`,
    );
    assert.equal(result.code, 1);
  });
});

describe('cronmesh get --watch on a server that requires tokens', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ auth: { required: true } });
  });
  after(async () => {
    await server.close();
  });

  /** Stores ConfigMap `name` in namespace `watched`. */
  const createConfigMap = (name: string) =>
    server.store.create<ConfigMap>(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'watched' }, data: {} },
      server.clock.now(),
    );

  test('deleted token ends watch with error', { timeout: 30_000 }, async () => {
    const admin = await grantToken(server, { role: 'admin' });
    const viewer = await grantToken(server, { role: 'viewer', namespace: 'watched' });
    await createConfigMap('first');

    const args = ['get', 'configmaps', '-n', 'watched', '--watch', '-o', 'name'];
    const cli = spawnCli(server, args, { CRONMESH_TOKEN: viewer });
    try {
      await cli.waitForOutput('configmap/first\n');
      // The watch prints `second` only once its stream is open, whether the object was created
      // before or after the watch request.
      await createConfigMap('second');
      await cli.waitForOutput('configmap/second\n');
      const id = viewer.slice('cmt_'.length, 'cmt_'.length + 12);
      const deleted = await call(
        server,
        admin,
        'DELETE',
        `/apis/cronmesh.io/v1/namespaces/watched/tokens/${id}`,
      );
      assert.equal(deleted.status, 200);
      await waitFor('the watch to exit', () => cli.child.exitCode !== null);
    } finally {
      if (cli.child.exitCode === null) cli.child.kill('SIGTERM');
    }

    const result = await cli.exited;
    assert.equal(result.stdout, 'configmap/first\nconfigmap/second\n');
    assert.equal(
      result.stderr,
      'error: invalid bearer token: it is malformed, unknown or deleted\n',
    );
    assert.equal(result.code, 1);
  });
});

function jobWithCompletions(name: string, completions: number | undefined): Job {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
        },
      },
    },
  };
  if (completions !== undefined) job.spec.completions = completions;
  return job;
}

function completedPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', command: ['true'] }] },
    status: {
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'main',
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    },
  };
}

function restartedPod(name: string, lastRestart: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main', command: ['true'] }] },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'main',
          restartCount: 2,
          ready: true,
          state: { running: { startedAt: lastRestart } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: lastRestart } },
        },
      ],
    },
  };
}

function event(name: string, time: string): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      namespace: 'default',
      name: 'hello',
    },
    reason: 'SuccessfulCreate',
    message: 'Created job hello-1',
    type: 'Normal',
    count: 1,
    firstTimestamp: time,
    lastTimestamp: time,
    source: { component: 'cronjob-controller' },
  };
}
