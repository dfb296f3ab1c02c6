import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Status } from '../../../src/server/status.js';
import type { TokenObject } from '../../../src/server/auth/token-object.js';
import type { TestServer } from '../harness.js';
import { call, grantToken, startAuthServer } from './harness.js';

const teamA = '/apis/cronmesh.io/v1/namespaces/team-a/tokens';
const teamB = '/apis/cronmesh.io/v1/namespaces/team-b/tokens';
const everyNamespace = '/apis/cronmesh.io/v1/tokens';
const configMapsPath = '/api/v1/namespaces/team-a/configmaps';

function idOf(bearer: string): string {
  return bearer.slice('cmt_'.length, 'cmt_'.length + 12);
}

function tokenRequest(spec: Record<string, unknown>): object {
  return { apiVersion: 'cronmesh.io/v1', kind: 'Token', spec };
}

function createForbidden(id: string, scope: string, reason?: string): string {
  return (
    `tokens.cronmesh.io is forbidden: User "token:${id}" cannot create resource "tokens" in ` +
    `API group "cronmesh.io" ${scope}${reason === undefined ? '' : `: ${reason}`}`
  );
}

describe('token API', () => {
  let server: TestServer;
  let clusterAdmin: string;
  let adminA: string;

  before(async () => {
    server = await startAuthServer();
    clusterAdmin = await grantToken(server, { role: 'admin' });
    adminA = await grantToken(server, { role: 'admin', namespace: 'team-a' });
  });
  after(async () => {
    await server.close();
  });

  test('create returns the token once', async () => {
    const response = await call<TokenObject>(
      server,
      adminA,
      'POST',
      teamA,
      tokenRequest({ role: 'viewer' }),
    );
    const created = response.body;
    const bearer = created.status.token ?? '';
    const id = created.metadata.name;
    const stored = await server.store.findToken(id);
    const [, secret] = /^cmt_[0-9a-f]{12}_(.+)$/.exec(bearer) ?? [];

    assert.equal(response.status, 201);
    assert.match(id, /^[0-9a-f]{12}$/);
    assert.match(bearer, new RegExp(`^cmt_${id}_[A-Za-z0-9_-]{43}$`));
    assert.deepEqual(created, {
      apiVersion: 'cronmesh.io/v1',
      kind: 'Token',
      metadata: { name: id, namespace: 'team-a', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: { role: 'viewer' },
      status: { user: `token:${id}`, token: bearer },
    });
    assert.equal(
      stored?.secretHash,
      createHash('sha256')
        .update(secret ?? '')
        .digest('hex'),
    );
    assert.equal(JSON.stringify(stored).includes(secret ?? '-'), false);
    assert.equal((await call(server, bearer, 'GET', configMapsPath)).status, 200);
  });

  test('list and get never show the secret', async () => {
    const bearer = await grantToken(server, { role: 'editor', namespace: 'team-a' });
    const id = idOf(bearer);

    const list = await call<{ kind: string; items: TokenObject[] }>(server, adminA, 'GET', teamA);
    const one = await call<TokenObject>(server, adminA, 'GET', `${teamA}/${id}`);

    assert.equal(list.status, 200);
    assert.equal(list.body.kind, 'TokenList');
    assert.equal(
      list.body.items.some((item) => item.metadata.name === id),
      true,
    );
    assert.equal(
      list.body.items.every((item) => item.status.token === undefined),
      true,
    );
    assert.equal(JSON.stringify(list.body).includes(bearer), false);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.spec, { role: 'editor' });
    assert.equal(one.body.status.token, undefined);
  });

  test('namespace list shows only that namespace', async () => {
    const inB = idOf(await grantToken(server, { role: 'viewer', namespace: 'team-b' }));

    const listA = await call<{ items: TokenObject[] }>(server, adminA, 'GET', teamA);
    const all = await call<{ items: TokenObject[] }>(server, clusterAdmin, 'GET', everyNamespace);

    assert.equal(
      listA.body.items.every((item) => item.metadata.namespace === 'team-a'),
      true,
    );
    assert.equal(
      all.body.items.some((item) => item.metadata.name === inB),
      true,
    );
    assert.equal(
      all.body.items.some((item) => item.metadata.namespace === undefined),
      true,
    );
  });

  test('token of another scope is not found', async () => {
    const inA = idOf(await grantToken(server, { role: 'viewer', namespace: 'team-a' }));
    const everywhere = idOf(await grantToken(server, { role: 'viewer' }));

    const viaCluster = await call<Status>(server, clusterAdmin, 'GET', `${everyNamespace}/${inA}`);
    const viaB = await call<Status>(server, clusterAdmin, 'GET', `${teamB}/${inA}`);
    const viaA = await call<Status>(server, clusterAdmin, 'GET', `${teamA}/${everywhere}`);

    assert.equal(viaCluster.status, 404);
    assert.equal(viaCluster.body.message, `tokens.cronmesh.io "${inA}" not found`);
    assert.equal(viaB.status, 404);
    assert.equal(viaA.status, 404);
  });

  test('deleted token stops working', async () => {
    const bearer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });
    const id = idOf(bearer);

    const deleted = await call<Status>(server, adminA, 'DELETE', `${teamA}/${id}`);
    const afterDelete = await call<Status>(server, bearer, 'GET', configMapsPath);
    const again = await call<Status>(server, adminA, 'DELETE', `${teamA}/${id}`);

    assert.equal(deleted.status, 200);
    assert.deepEqual(deleted.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: id, group: 'cronmesh.io', kind: 'tokens' },
      code: 200,
    });
    assert.equal(afterDelete.status, 401);
    assert.equal(again.status, 404);
  });

  test('service account token acts as the account', async () => {
    const response = await call<TokenObject>(
      server,
      adminA,
      'POST',
      teamA,
      tokenRequest({ role: 'viewer', serviceAccountName: 'deployer' }),
    );

    assert.equal(response.status, 201);
    assert.deepEqual(response.body.spec, { role: 'viewer', serviceAccountName: 'deployer' });
    assert.equal(response.body.status.user, 'system:serviceaccount:team-a:deployer');
  });

  test('expiry comes from expirationSeconds', async () => {
    const response = await call<TokenObject>(
      server,
      adminA,
      'POST',
      teamA,
      tokenRequest({ role: 'viewer', expirationSeconds: 3600 }),
    );

    assert.equal(response.status, 201);
    assert.equal(response.body.status.expirationTimestamp, '2024-01-01T01:00:00Z');
  });
});

describe('token API escalation', () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer();
  });
  after(async () => {
    await server.close();
  });

  test('viewer cannot create an admin token', async () => {
    const viewer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });

    const response = await call<Status>(
      server,
      viewer,
      'POST',
      teamA,
      tokenRequest({ role: 'admin' }),
    );

    assert.equal(response.status, 403);
    assert.equal(response.body.reason, 'Forbidden');
    assert.equal(response.body.message, createForbidden(idOf(viewer), 'in the namespace "team-a"'));
    const tokens = await server.store.listTokens({ namespace: 'team-a' });
    assert.deepEqual(
      tokens.map((token) => token.id),
      [idOf(viewer)],
    );
  });

  test('editor cannot create any token', async () => {
    const editor = await grantToken(server, { role: 'editor', namespace: 'team-a' });

    const response = await call<Status>(
      server,
      editor,
      'POST',
      teamA,
      tokenRequest({ role: 'viewer' }),
    );

    assert.equal(response.status, 403);
    assert.equal(response.body.message, createForbidden(idOf(editor), 'in the namespace "team-a"'));
  });

  test('namespace admin cannot create tokens elsewhere', async () => {
    const admin = await grantToken(server, { role: 'admin', namespace: 'team-a' });

    const other = await call<Status>(
      server,
      admin,
      'POST',
      teamB,
      tokenRequest({ role: 'viewer' }),
    );
    const everywhere = await call<Status>(
      server,
      admin,
      'POST',
      everyNamespace,
      tokenRequest({ role: 'viewer' }),
    );
    const list = await call<Status>(server, admin, 'GET', everyNamespace);

    assert.equal(other.status, 403);
    assert.equal(other.body.message, createForbidden(idOf(admin), 'in the namespace "team-b"'));
    assert.equal(everywhere.status, 403);
    assert.equal(everywhere.body.message, createForbidden(idOf(admin), 'at the cluster scope'));
    assert.equal(list.status, 403);
    assert.equal(
      list.body.message,
      `tokens.cronmesh.io is forbidden: User "token:${idOf(admin)}" cannot list resource "tokens" in API group "cronmesh.io" at the cluster scope`,
    );
  });

  test('namespace admin cannot delete tokens elsewhere', async () => {
    const admin = await grantToken(server, { role: 'admin', namespace: 'team-a' });
    const inB = idOf(await grantToken(server, { role: 'admin', namespace: 'team-b' }));

    const response = await call<Status>(server, admin, 'DELETE', `${teamB}/${inB}`);

    assert.equal(response.status, 403);
    assert.equal(
      response.body.message,
      `tokens.cronmesh.io "${inB}" is forbidden: User "token:${idOf(admin)}" cannot delete resource "tokens" in API group "cronmesh.io" in the namespace "team-b"`,
    );
    assert.notEqual(await server.store.findToken(inB), undefined);
  });

  test('expiring token cannot create a longer-lived one', async () => {
    const expiresAt = server.clock.now() + 600_000;
    const admin = await grantToken(server, { role: 'admin', namespace: 'team-a', expiresAt });

    const longer = await call<Status>(
      server,
      admin,
      'POST',
      teamA,
      tokenRequest({ role: 'viewer', expirationSeconds: 601 }),
    );
    const inherited = await call<TokenObject>(
      server,
      admin,
      'POST',
      teamA,
      tokenRequest({ role: 'viewer' }),
    );
    const shorter = await call<TokenObject>(
      server,
      admin,
      'POST',
      teamA,
      tokenRequest({ role: 'viewer', expirationSeconds: 60 }),
    );

    assert.equal(longer.status, 403);
    assert.equal(
      longer.body.message,
      createForbidden(
        idOf(admin),
        'in the namespace "team-a"',
        "the caller's token expires at 2024-01-01T00:10:00Z, and a token it creates cannot " +
          'expire later: request a shorter spec.expirationSeconds',
      ),
    );
    assert.equal(inherited.status, 201);
    assert.equal(inherited.body.status.expirationTimestamp, '2024-01-01T00:10:00Z');
    assert.equal(shorter.status, 201);
    assert.equal(shorter.body.status.expirationTimestamp, '2024-01-01T00:01:00Z');
  });
});

describe('token API validation', () => {
  let server: TestServer;
  let admin: string;
  before(async () => {
    server = await startAuthServer();
    admin = await grantToken(server, { role: 'admin' });
  });
  after(async () => {
    await server.close();
  });

  async function rejection(path: string, body: unknown) {
    const response = await call<Status>(server, admin, 'POST', path, body);
    return {
      status: response.status,
      reason: response.body.reason,
      message: response.body.message,
    };
  }

  test('missing role is Invalid', async () => {
    assert.deepEqual(await rejection(teamA, tokenRequest({})), {
      status: 422,
      reason: 'Invalid',
      message: 'Token.cronmesh.io "" is invalid: spec.role: Required value',
    });
  });

  test('unknown role is Invalid', async () => {
    assert.deepEqual(await rejection(teamA, tokenRequest({ role: 'root' })), {
      status: 422,
      reason: 'Invalid',
      message:
        'Token.cronmesh.io "" is invalid: spec.role: Unsupported value: "root": supported values: "viewer", "editor", "admin"',
    });
  });

  test('bad expirationSeconds is Invalid', async () => {
    assert.deepEqual(
      await rejection(teamA, tokenRequest({ role: 'viewer', expirationSeconds: 0 })),
      {
        status: 422,
        reason: 'Invalid',
        message:
          'Token.cronmesh.io "" is invalid: spec.expirationSeconds: Invalid value: 0: must be at least 1',
      },
    );
    assert.deepEqual(
      await rejection(teamA, tokenRequest({ role: 'viewer', expirationSeconds: 1.5 })),
      {
        status: 422,
        reason: 'Invalid',
        message:
          'Token.cronmesh.io "" is invalid: spec.expirationSeconds: Invalid value: 1.5: must be a whole number of seconds',
      },
    );
  });

  test('bad service account name is Invalid', async () => {
    assert.deepEqual(
      await rejection(teamA, tokenRequest({ role: 'viewer', serviceAccountName: 'Deployer' })),
      {
        status: 422,
        reason: 'Invalid',
        message:
          'Token.cronmesh.io "" is invalid: spec.serviceAccountName: Invalid value: "Deployer": ' +
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
          "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for " +
          "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    );
  });

  test('service account of every namespace is Invalid', async () => {
    assert.deepEqual(
      await rejection(everyNamespace, tokenRequest({ role: 'viewer', serviceAccountName: 'ci' })),
      {
        status: 422,
        reason: 'Invalid',
        message:
          'Token.cronmesh.io "" is invalid: spec.serviceAccountName: Forbidden: a service account ' +
          'belongs to one namespace, so create its token in that namespace',
      },
    );
  });

  test('several errors are listed together', async () => {
    assert.deepEqual(
      await rejection(teamA, tokenRequest({ role: 'root', expirationSeconds: -5 })),
      {
        status: 422,
        reason: 'Invalid',
        message:
          'Token.cronmesh.io "" is invalid: [spec.role: Unsupported value: "root": supported values: ' +
          '"viewer", "editor", "admin", spec.expirationSeconds: Invalid value: -5: must be at least 1]',
      },
    );
  });

  test('unknown field is a bad request', async () => {
    assert.deepEqual(
      await rejection(teamA, tokenRequest({ role: 'viewer', namespace: 'team-b' })),
      {
        status: 400,
        reason: 'BadRequest',
        message: 'strict decoding error: unknown field "spec.namespace"',
      },
    );
  });

  test('namespace mismatch is a bad request', async () => {
    const body = { kind: 'Token', metadata: { namespace: 'team-b' }, spec: { role: 'viewer' } };
    assert.deepEqual(await rejection(teamA, body), {
      status: 400,
      reason: 'BadRequest',
      message:
        'the namespace of the provided object does not match the namespace sent on the request',
    });
  });

  test('other kind is a bad request', async () => {
    assert.deepEqual(await rejection(teamA, { kind: 'Secret', spec: { role: 'viewer' } }), {
      status: 400,
      reason: 'BadRequest',
      message: 'the kind in the data ("Secret") does not match the expected kind (Token)',
    });
  });
});
