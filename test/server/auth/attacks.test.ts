import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Pod, Secret } from '../../../src/api/types.js';
import type { Status } from '../../../src/server/status.js';
import { issueToken } from '../../../src/store/issue-token.js';
import type { TestServer } from '../harness.js';
import { cronJobManifest, jobManifest } from '../harness.js';
import type { AuthResponse } from './harness.js';
import { call, grantToken, rawRequest, startAuthServer, watchStatus } from './harness.js';

const secretValue = 'aHVudGVyMi10ZWFtLWI=';

function idOf(bearer: string): string {
  return bearer.slice('cmt_'.length, 'cmt_'.length + 12);
}

function secret(namespace: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace },
    data: { password: secretValue },
  };
}

function runningPod(namespace: string, name: string, serviceAccountName: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: {
      restartPolicy: 'Never',
      serviceAccountName,
      containers: [{ name: 'main', command: ['true'] }],
    },
    status: { phase: 'Running' },
  };
}

/** Creates a running pod in team-a and issues its token as the worker does, valid for an hour. */
async function mintAttemptToken(server: TestServer, podName: string, serviceAccount: string) {
  const pod = await server.store.create(runningPod('team-a', podName, serviceAccount), 0);
  const issued = await issueToken(
    server.store,
    {
      namespace: 'team-a',
      serviceAccount,
      boundPod: { name: podName, uid: pod.metadata.uid ?? '' },
      expiresAt: server.clock.now() + 3_600_000,
    },
    server.clock.now(),
  );
  return { pod, bearer: issued.bearer, id: issued.record.id };
}

function get<T = Record<string, unknown>>(
  server: TestServer,
  token: string,
  path: string,
): Promise<AuthResponse<T>> {
  return call<T>(server, token, 'GET', path);
}

function mergePatch(
  server: TestServer,
  token: string,
  path: string,
  patch: unknown,
): Promise<AuthResponse<Status>> {
  return call<Status>(server, token, 'PATCH', path, patch, 'application/merge-patch+json');
}

/** Creates a Job in team-a whose pods run as `serviceAccountName`, sending `token`. */
function createJob(
  server: TestServer,
  token: string,
  name: string,
  serviceAccountName: string,
): Promise<AuthResponse<Status>> {
  const job = jobManifest(name);
  job.spec.template.spec.serviceAccountName = serviceAccountName;
  return call<Status>(server, token, 'POST', '/apis/batch/v1/namespaces/team-a/jobs', job);
}

function assertForbidden(
  response: { status: number; body: { message?: unknown } | undefined },
  message: string,
): void {
  assert.equal(response.status, 403);
  assert.equal(response.body?.message, message);
}

describe('cross-namespace secret reads', () => {
  let server: TestServer;
  let editorA: string;
  before(async () => {
    server = await startAuthServer();
    await server.store.create(secret('team-a'), 0);
    await server.store.create(secret('team-b'), 0);
    editorA = await grantToken(server, { role: 'editor', namespace: 'team-a' });
  });
  after(async () => {
    await server.close();
  });

  test('own namespace secret is readable', async () => {
    const response = await get<Secret>(server, editorA, '/api/v1/namespaces/team-a/secrets/db');

    assert.equal(response.status, 200);
    assert.deepEqual(response.body.data, { password: secretValue });
  });

  // The messages name the caller as `User "token:<id>"`, and the id exists only after `before`.
  const forbiddenReads: { name: string; path: string; message: (user: string) => string }[] = [
    {
      name: 'get in another namespace is forbidden',
      path: '/api/v1/namespaces/team-b/secrets/db',
      message: (user) =>
        `secrets "db" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "team-b"`,
    },
    {
      name: 'list in another namespace is forbidden',
      path: '/api/v1/namespaces/team-b/secrets',
      message: (user) =>
        `secrets is forbidden: User "${user}" cannot list resource "secrets" in API group "" in the namespace "team-b"`,
    },
    {
      name: 'list of every namespace is forbidden',
      path: '/api/v1/secrets',
      message: (user) =>
        `secrets is forbidden: User "${user}" cannot list resource "secrets" in API group "" at the cluster scope`,
    },
    {
      name: 'following a log elsewhere is forbidden',
      path: '/api/v1/namespaces/team-b/pods/worker-1/log?follow=true',
      message: (user) =>
        `pods "worker-1" is forbidden: User "${user}" cannot get resource "pods/log" in API group "" in the namespace "team-b"`,
    },
  ];

  for (const { name, path, message } of forbiddenReads) {
    test(name, async () => {
      const response = await get(server, editorA, path);

      assertForbidden(response, message(`token:${idOf(editorA)}`));
      assert.equal(JSON.stringify(response.body).includes(secretValue), false);
    });
  }

  test('watches outside the namespace are forbidden', async () => {
    const other = await watchStatus(server, editorA, '/api/v1/namespaces/team-b/secrets');
    const every = await watchStatus(server, editorA, '/api/v1/secrets');

    assertForbidden(
      other,
      `secrets is forbidden: User "token:${idOf(editorA)}" cannot watch resource "secrets" in API group "" in the namespace "team-b"`,
    );
    assertForbidden(
      every,
      `secrets is forbidden: User "token:${idOf(editorA)}" cannot watch resource "secrets" in API group "" at the cluster scope`,
    );
  });

  test('viewer of every namespace cannot read secrets', async () => {
    const viewer = await grantToken(server, { role: 'viewer' });

    const list = await get(server, viewer, '/api/v1/secrets');
    const pods = await get(server, viewer, '/api/v1/pods');

    assertForbidden(
      list,
      `secrets is forbidden: User "token:${idOf(viewer)}" cannot list resource "secrets" in API group "" at the cluster scope`,
    );
    assert.equal(pods.status, 200);
  });

  test('field selector cannot widen a list', async () => {
    const selector = `fieldSelector=${encodeURIComponent('metadata.namespace=team-b')}`;

    const own = await get<{ items: Secret[] }>(
      server,
      editorA,
      `/api/v1/namespaces/team-a/secrets?${selector}`,
    );
    const every = await get(server, editorA, `/api/v1/secrets?${selector}`);
    const watch = await get(server, editorA, `/api/v1/secrets?watch=true&${selector}`);

    assert.equal(own.status, 200);
    assert.deepEqual(own.body.items, []);
    assert.equal(every.status, 403);
    assertForbidden(
      watch,
      `secrets is forbidden: User "token:${idOf(editorA)}" cannot watch resource "secrets" in API group "" at the cluster scope`,
    );
  });

  test('path tricks reach no other namespace', async () => {
    // Each path is sent as written, without the normalization that fetch would apply.
    const cases: [string, number][] = [
      ['//api/v1/namespaces/team-b/secrets/db', 404],
      ['/api/v1//namespaces/team-b/secrets/db', 404],
      ['/api/v1/namespaces/team-b/secrets/db/', 404],
      ['/API/v1/namespaces/team-b/secrets/db', 404],
      ['/api/v1/namespaces/team-a/../team-b/secrets/db', 404],
      ['/api/v1/namespaces/team-a/secrets/../../team-b/secrets/db', 404],
      ['/api/v1/namespaces/team-a/secrets;/../../team-b/secrets/db', 404],
      ['/api/v1/namespaces/team%2Db/secrets/db', 403],
      ['/api/v1/namespaces/team-b/secrets/%64%62', 403],
      ['/api/v1/namespaces/team-a%2F..%2Fteam-b/secrets/db', 403],
      ['/api/v1/namespaces/team-a%2Fsecrets%2Fdb%2F..%2F..%2F..%2Fteam-b/secrets/db', 403],
      ['/api/v1/namespaces/TEAM-B/secrets/db', 403],
      ['/api/v1/namespaces//secrets', 403],
      ['http://127.0.0.1/api/v1/namespaces/team-b/secrets/db', 403],
      ['/api/v1/secrets/', 404],
    ];

    for (const [path, status] of cases) {
      const response = await rawRequest(server, `GET ${path} HTTP/1.1`, {
        Host: '127.0.0.1',
        Authorization: `Bearer ${editorA}`,
      });

      assert.equal(response.status, status, path);
      assert.equal(response.body.includes(secretValue), false, path);
    }
  });

  test('writing a secret elsewhere is forbidden', async () => {
    const patch = await mergePatch(server, editorA, '/api/v1/namespaces/team-b/secrets/db', {
      data: { password: 'b3duZWQ=' },
    });
    const stored = await server.store.get<Secret>('Secret', 'team-b', 'db');

    assert.equal(patch.status, 403);
    assert.deepEqual(stored.data, { password: secretValue });
  });
});

describe('viewer escalation', () => {
  let server: TestServer;
  let viewer: string;
  before(async () => {
    server = await startAuthServer();
    await server.store.create(secret('team-a'), 0);
    viewer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });
  });
  after(async () => {
    await server.close();
  });

  test('viewer cannot mint tokens anywhere', async () => {
    const requests = [
      '/apis/cronmesh.io/v1/namespaces/team-a/tokens',
      '/apis/cronmesh.io/v1/tokens',
    ].map((path) => call<Status>(server, viewer, 'POST', path, { spec: { role: 'admin' } }));

    const [own, everywhere] = await Promise.all(requests);

    assert.equal(own?.status, 403);
    assert.equal(everywhere?.status, 403);
    assert.equal((await server.store.listTokens()).length, 1);
  });

  test('viewer cannot delete an admin token', async () => {
    const admin = idOf(await grantToken(server, { role: 'admin', namespace: 'team-a' }));

    const response = await call<Status>(
      server,
      viewer,
      'DELETE',
      `/apis/cronmesh.io/v1/namespaces/team-a/tokens/${admin}`,
    );

    assert.equal(response.status, 403);
    assert.notEqual(await server.store.findToken(admin), undefined);
  });

  test('viewer cannot run pods', async () => {
    const response = await call<Status>(
      server,
      viewer,
      'POST',
      '/apis/batch/v1/namespaces/team-a/jobs',
      jobManifest('escape'),
    );

    assert.equal(response.status, 403);
    assert.equal(await server.store.find('Job', 'team-a', 'escape'), undefined);
  });

  test('viewer cannot write status', async () => {
    await server.store.create(
      { ...jobManifest('batch-1'), metadata: { name: 'batch-1', namespace: 'team-a' } },
      0,
    );

    const response = await mergePatch(
      server,
      viewer,
      '/apis/batch/v1/namespaces/team-a/jobs/batch-1/status',
      { status: { succeeded: 1 } },
    );

    assertForbidden(
      response,
      `jobs.batch "batch-1" is forbidden: User "token:${idOf(viewer)}" cannot patch resource "jobs/status" in API group "batch" in the namespace "team-a"`,
    );
  });
});

describe('service account escalation', () => {
  let server: TestServer;
  let editor: string;
  before(async () => {
    server = await startAuthServer();
    await grantToken(server, { role: 'admin', namespace: 'team-a', serviceAccount: 'deployer' });
    await grantToken(server, { role: 'viewer', namespace: 'team-a', serviceAccount: 'reader' });
    editor = await grantToken(server, { role: 'editor', namespace: 'team-a' });
  });
  after(async () => {
    await server.close();
  });

  const deployerAboveEditor = `its pods would run as service account "deployer", whose role "admin" is above the caller's role "editor"`;

  /** Creates `cronJob` in team-a as `creator`, then merge-patches it with `patch` as the editor. */
  async function createThenPatch(creator: string, cronJob: CronJob, patch: unknown) {
    const path = '/apis/batch/v1/namespaces/team-a/cronjobs';
    const created = await call(server, creator, 'POST', path, cronJob);
    const patched = await mergePatch(server, editor, `${path}/${cronJob.metadata.name}`, patch);
    return { created, patched };
  }

  test('editor cannot run a job as an admin service account', async () => {
    const response = await createJob(server, editor, 'deploy', 'deployer');

    assertForbidden(
      response,
      `jobs.batch is forbidden: User "token:${idOf(editor)}" cannot create resource "jobs" in API group "batch" in the namespace "team-a": ${deployerAboveEditor}`,
    );
    assert.equal(await server.store.find('Job', 'team-a', 'deploy'), undefined);
  });

  test('editor cannot patch a cronjob onto an admin service account', async () => {
    const patch = {
      spec: { jobTemplate: { spec: { template: { spec: { serviceAccount: 'deployer' } } } } },
    };

    const { created, patched } = await createThenPatch(editor, cronJobManifest('nightly'), patch);

    assert.equal(created.status, 201);
    assertForbidden(
      patched,
      `cronjobs.batch "nightly" is forbidden: User "token:${idOf(editor)}" cannot patch resource "cronjobs" in API group "batch" in the namespace "team-a": ${deployerAboveEditor}`,
    );
  });

  test('editor cannot change a job that runs as admin', async () => {
    const admin = await grantToken(server, { role: 'admin' });
    const cronJob = cronJobManifest('deployer-nightly');
    cronJob.spec.jobTemplate.spec.template.spec.serviceAccountName = 'deployer';
    const containers = [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', 'id'] }];
    const patch = { spec: { jobTemplate: { spec: { template: { spec: { containers } } } } } };

    const { created, patched } = await createThenPatch(admin, cronJob, patch);

    assert.equal(created.status, 201);
    assertForbidden(
      patched,
      `cronjobs.batch "deployer-nightly" is forbidden: User "token:${idOf(editor)}" cannot patch resource "cronjobs" in API group "batch" in the namespace "team-a": ${deployerAboveEditor}`,
    );
  });

  test('namespace admin cannot bind an account elsewhere', async () => {
    const adminA = await grantToken(server, { role: 'admin', namespace: 'team-a' });
    const binding = { kind: 'Token', spec: { role: 'admin', serviceAccountName: 'deployer' } };

    const inB = await call<Status>(
      server,
      adminA,
      'POST',
      '/apis/cronmesh.io/v1/namespaces/team-b/tokens',
      binding,
    );
    const everywhere = await call<Status>(
      server,
      adminA,
      'POST',
      '/apis/cronmesh.io/v1/tokens',
      binding,
    );

    assertForbidden(
      inB,
      `tokens.cronmesh.io is forbidden: User "token:${idOf(adminA)}" cannot create resource "tokens" in API group "cronmesh.io" in the namespace "team-b"`,
    );
    assert.equal(everywhere.status, 403);
    assert.deepEqual(await server.store.listTokens({ namespace: 'team-b' }), []);
  });

  test('attempt token cannot outlive its expiry', async () => {
    const attempt = await mintAttemptToken(server, 'deploy-1', 'deployer');

    const created = await call<{ status: { expirationTimestamp?: string } }>(
      server,
      attempt.bearer,
      'POST',
      '/apis/cronmesh.io/v1/namespaces/team-a/tokens',
      { kind: 'Token', spec: { role: 'admin' } },
    );

    assert.equal(created.status, 201);
    assert.equal(created.body.status.expirationTimestamp, '2024-01-01T01:00:00Z');
  });

  test('editor may use a lesser service account', async () => {
    const response = await createJob(server, editor, 'read', 'reader');

    assert.equal(response.status, 201);
  });

  test('admin of every namespace may use any service account', async () => {
    const admin = await grantToken(server, { role: 'admin' });

    const response = await createJob(server, admin, 'deploy-by-admin', 'deployer');

    assert.equal(response.status, 201);
  });
});

describe('tokens bound to an attempt', () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer();
    await server.store.create(secret('team-a'), 0);
    await grantToken(server, { role: 'viewer', namespace: 'team-a', serviceAccount: 'reader' });
  });
  after(async () => {
    await server.close();
  });

  test('token has the service account role', async () => {
    const { bearer } = await mintAttemptToken(server, 'read-1', 'reader');

    const configMaps = await get(server, bearer, '/api/v1/namespaces/team-a/configmaps');
    const secrets = await get(server, bearer, '/api/v1/namespaces/team-a/secrets/db');

    assert.equal(configMaps.status, 200);
    assertForbidden(
      secrets,
      'secrets "db" is forbidden: User "system:serviceaccount:team-a:reader" cannot get resource "secrets" in API group "" in the namespace "team-a"',
    );
  });

  test('token stops when the attempt finishes', async () => {
    const { pod, bearer, id } = await mintAttemptToken(server, 'read-2', 'reader');

    const running = await get(server, bearer, '/api/v1/namespaces/team-a/configmaps');
    await server.store.update<Pod>({ ...pod, status: { phase: 'Succeeded' } });
    const finished = await get<Status>(server, bearer, '/api/v1/namespaces/team-a/configmaps');

    assert.equal(running.status, 200);
    assert.equal(finished.status, 401);
    assert.equal(
      finished.body.message,
      `invalid bearer token: token ${id} was issued for pod "read-2" in the namespace "team-a", which is no longer running`,
    );
  });

  test('token stops when the pod is replaced', async () => {
    const { bearer } = await mintAttemptToken(server, 'read-3', 'reader');

    await server.store.delete('Pod', 'team-a', 'read-3');
    await server.store.create(runningPod('team-a', 'read-3', 'reader'), 0);
    const response = await get(server, bearer, '/api/v1/namespaces/team-a/configmaps');

    assert.equal(response.status, 401);
  });

  test('account without role can do nothing', async () => {
    const { bearer } = await mintAttemptToken(server, 'nobody-1', 'nobody');

    const response = await get(server, bearer, '/api/v1/namespaces/team-a/configmaps');

    assertForbidden(
      response,
      'configmaps is forbidden: User "system:serviceaccount:team-a:nobody" cannot list resource "configmaps" in API group "" in the namespace "team-a"',
    );
  });

  test('deleting the binding revokes the role at once', async () => {
    const binding = await grantToken(server, {
      role: 'editor',
      namespace: 'team-a',
      serviceAccount: 'writer',
    });
    const { bearer } = await mintAttemptToken(server, 'write-1', 'writer');

    const before = await get(server, bearer, '/api/v1/namespaces/team-a/secrets/db');
    await server.store.deleteToken(idOf(binding));
    const afterUnbind = await get(server, bearer, '/api/v1/namespaces/team-a/secrets/db');

    assert.equal(before.status, 200);
    assert.equal(afterUnbind.status, 403);
  });
});
