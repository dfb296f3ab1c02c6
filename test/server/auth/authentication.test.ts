import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { isLoopbackHostHeader } from '../../../src/server/auth/loopback-host.js';
import { CronmeshMetrics } from '../../../src/server/metrics/registry.js';
import { createServer } from '../../../src/server/server.js';
import type { Status } from '../../../src/server/status.js';
import { FakeClock } from '../../../src/util/clock.js';
import { openTempStore } from '../../support/temp-store.js';
import type { TestServer } from '../harness.js';
import { startTestServer, testStart } from '../harness.js';
import { call, grantToken, rawRequest, startAuthServer } from './harness.js';
import { unauthorizedStatus } from './stream-harness.js';

const secretsPath = '/api/v1/namespaces/team-a/secrets';
const configMapsPath = '/api/v1/namespaces/team-a/configmaps';

const missingToken =
  'this server requires a bearer token: send the header "Authorization: Bearer TOKEN", ' +
  'or pass --token, --token-file, CRONMESH_TOKEN or CRONMESH_TOKEN_FILE to the cronmesh CLI. ' +
  'serve --auth writes the first admin token to admin.token in its data directory';
const invalidToken = 'invalid bearer token: it is malformed, unknown or deleted';

describe('authentication with --auth', () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer();
  });
  after(async () => {
    await server.close();
  });

  test('request without token is 401', async () => {
    const response = await call<Status>(server, undefined, 'GET', configMapsPath);

    assert.equal(response.status, 401);
    assert.deepEqual(response.body, unauthorizedStatus(missingToken));
    assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="cronmesh"');
  });

  test('malformed token is 401', async () => {
    const response = await call<Status>(server, 'not-a-token', 'GET', configMapsPath);

    assert.equal(response.status, 401);
    assert.deepEqual(response.body, unauthorizedStatus(invalidToken));
  });

  test('unknown token id is 401', async () => {
    const unknown = `cmt_0123456789ab_${'A'.repeat(43)}`;

    const response = await call<Status>(server, unknown, 'GET', configMapsPath);

    assert.equal(response.status, 401);
    assert.deepEqual(response.body, unauthorizedStatus(invalidToken));
  });

  test('wrong secret is 401', async () => {
    const bearer = await grantToken(server, { role: 'admin' });
    const forged = `${bearer.slice(0, 'cmt_'.length + 13)}${'B'.repeat(43)}`;

    const response = await call<Status>(server, forged, 'GET', configMapsPath);

    assert.equal(response.status, 401);
    assert.deepEqual(response.body, unauthorizedStatus(invalidToken));
  });

  test('basic scheme is 401', async () => {
    const response = await fetch(server.url + configMapsPath, {
      headers: { Authorization: 'Basic YWRtaW46YWRtaW4=' },
    });

    assert.equal(response.status, 401);
    assert.deepEqual(
      await response.json(),
      unauthorizedStatus('unsupported Authorization scheme "Basic": expected "Bearer TOKEN"'),
    );
  });

  test('scheme is case-insensitive', async () => {
    const bearer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });

    const response = await fetch(server.url + configMapsPath, {
      headers: { Authorization: `bearer ${bearer}` },
    });

    assert.equal(response.status, 200);
  });

  test('expired token is 401', async () => {
    const clock = server.clock as FakeClock;
    const expiresAt = clock.now() + 60_000;
    const bearer = await grantToken(server, { role: 'viewer', namespace: 'team-a', expiresAt });
    const id = bearer.slice('cmt_'.length, 'cmt_'.length + 12);

    const before = await call(server, bearer, 'GET', configMapsPath);
    clock.advance(60_000);
    const afterExpiry = await call<Status>(server, bearer, 'GET', configMapsPath);

    assert.equal(before.status, 200);
    assert.equal(afterExpiry.status, 401);
    assert.deepEqual(
      afterExpiry.body,
      unauthorizedStatus(
        `invalid bearer token: token ${id} expired at ${new Date(expiresAt).toISOString().replace('.000Z', 'Z')}`,
      ),
    );
  });

  test('deleted token is 401', async () => {
    const bearer = await grantToken(server, { role: 'editor', namespace: 'team-a' });
    const id = bearer.slice('cmt_'.length, 'cmt_'.length + 12);

    const before = await call(server, bearer, 'GET', secretsPath);
    await server.store.deleteToken(id);
    const afterDelete = await call<Status>(server, bearer, 'GET', secretsPath);

    assert.equal(before.status, 200);
    assert.equal(afterDelete.status, 401);
    assert.deepEqual(afterDelete.body, unauthorizedStatus(invalidToken));
  });

  test('valid token without permission is 403, not 401', async () => {
    const bearer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });
    const id = bearer.slice('cmt_'.length, 'cmt_'.length + 12);

    const response = await call<Status>(server, bearer, 'GET', `${secretsPath}/db`);

    assert.equal(response.status, 403);
    assert.deepEqual(response.body, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `secrets "db" is forbidden: User "token:${id}" cannot get resource "secrets" in API group "" in the namespace "team-a"`,
      reason: 'Forbidden',
      details: { name: 'db', group: '', kind: 'secrets' },
      code: 403,
    });
  });

  test('malformed headers are 401, never 500', async () => {
    const valid = await grantToken(server, { role: 'viewer', namespace: 'team-a' });
    const cases: [string, string][] = [
      ['Bearer', invalidToken],
      ['Bearer ', invalidToken],
      [`Bearer ${valid} ${valid}`, invalidToken],
      [`Bearer  ${valid.slice(0, -1)}`, invalidToken],
      [`Bearer ${valid}A`, invalidToken],
      [`Bearer ${valid.toUpperCase()}`, invalidToken],
      [`Bearer ${'x'.repeat(8000)}`, invalidToken],
      ['Bearer cmt_\u00e9\u00e9\u00e9', invalidToken],
      ['Bearer cmt_0123456789ab_%2F%2E%2E', invalidToken],
      [`Bearer ${valid.replace('_', '__')}`, invalidToken],
      [`Token ${valid}`, 'unsupported Authorization scheme "Token": expected "Bearer TOKEN"'],
      [valid, `unsupported Authorization scheme ${JSON.stringify(valid)}: expected "Bearer TOKEN"`],
    ];

    for (const [header, message] of cases) {
      const response = await rawRequest(server, `GET ${configMapsPath} HTTP/1.1`, {
        Host: '127.0.0.1',
        Authorization: header,
      });

      assert.equal(response.status, 401, header.slice(0, 60));
      assert.deepEqual(JSON.parse(response.body), unauthorizedStatus(message), header.slice(0, 60));
    }
  });

  test('probes need no token', async () => {
    const health = await call(server, undefined, 'GET', '/healthz');
    const ready = await call(server, undefined, 'GET', '/readyz');
    const withBadToken = await call(server, 'not-a-token', 'GET', '/healthz');

    assert.equal(health.status, 200);
    assert.equal(health.body, 'ok');
    assert.equal(ready.status, 200);
    assert.equal(withBadToken.status, 200);
  });

  test('unknown path is 401 without token, 404 with one', async () => {
    const bearer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });

    const anonymous = await call(server, undefined, 'GET', '/apis/example.com/v1/widgets');
    const authenticated = await call<Status>(server, bearer, 'GET', '/apis/example.com/v1/widgets');

    assert.equal(anonymous.status, 401);
    assert.equal(authenticated.status, 404);
    assert.equal(authenticated.body.reason, 'NotFound');
  });
});

describe('metrics with --auth', () => {
  test('metrics need no token', async () => {
    const clock = new FakeClock(testStart);
    const temp = await openTempStore(clock);
    const metrics = new CronmeshMetrics({
      store: temp.store,
      defaultDstPolicy: 'cron',
      version: '0',
    });
    const app = createServer({ store: metrics.store, clock, metrics, auth: { required: true } });
    try {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = app.server.address() as AddressInfo;

      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      const text = await response.text();

      assert.equal(response.status, 200);
      assert.match(text, /^# HELP /m);
    } finally {
      await app.close();
      metrics.close();
      await temp.cleanup();
    }
  });
});

describe('isLoopbackHostHeader', () => {
  const cases: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.0.0.1:8080', true],
    ['127.5.6.7:80', true],
    ['localhost:8080', true],
    ['LOCALHOST', true],
    ['[::1]:8080', true],
    ['[::ffff:127.0.0.1]:8080', true],
    ['rebind.example:8080', false],
    ['127.0.0.1.nip.io:8080', false],
    ['localhost.:8080', false],
    ['localhost.rebind.example', false],
    ['10.0.0.5:8080', false],
    ['[::2]:8080', false],
    ['[::1', false],
    ['', false],
  ];
  for (const [host, expected] of cases) {
    test(`${JSON.stringify(host)} is ${expected ? 'loopback' : 'remote'}`, () => {
      assert.equal(isLoopbackHostHeader(host), expected);
    });
  }
});

describe('anonymous requests to a loopback-only server', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ auth: { required: false, anonymousLoopbackOnly: true } });
  });
  after(async () => {
    await server.close();
  });

  const rebinding = (received: string): Status => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message:
      `a request without a bearer token must be addressed to localhost, 127.0.0.1 or [::1], not ${received}, ` +
      'so that web pages cannot reach this API through DNS rebinding: send a bearer token, or ' +
      'start cronmesh serve with --insecure-allow-anonymous to accept any host',
    reason: 'Forbidden',
    details: {},
    code: 403,
  });

  test('loopback host is served', async () => {
    const port = new URL(server.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      const response = await rawRequest(server, `GET ${configMapsPath} HTTP/1.1`, { Host: host });

      assert.equal(response.status, 200, host);
    }
  });

  test('foreign host is forbidden', async () => {
    const response = await rawRequest(server, `GET ${configMapsPath} HTTP/1.1`, {
      Host: 'rebind.example:8080',
    });
    const unknownPath = await rawRequest(server, 'GET /no/such/path HTTP/1.1', {
      Host: 'rebind.example:8080',
    });

    assert.equal(response.status, 403);
    assert.deepEqual(JSON.parse(response.body), rebinding('Host "rebind.example:8080"'));
    assert.equal(unknownPath.status, 403);
  });

  test('missing host is forbidden', async () => {
    const response = await rawRequest(server, `GET ${configMapsPath} HTTP/1.0`, {});

    assert.equal(response.status, 403);
    assert.deepEqual(JSON.parse(response.body), rebinding('no Host header'));
  });

  test('token works with any host', async () => {
    const bearer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });

    const response = await rawRequest(server, `GET ${configMapsPath} HTTP/1.1`, {
      Host: 'cronmesh.example.test:8080',
      Authorization: `Bearer ${bearer}`,
    });

    assert.equal(response.status, 200);
  });

  test('probes ignore the host', async () => {
    const response = await rawRequest(server, 'GET /healthz HTTP/1.1', {
      Host: 'rebind.example:8080',
    });

    assert.equal(response.status, 200);
  });
});

describe('authentication without --auth', () => {
  let server: TestServer;
  before(async () => {
    server = await startAuthServer(false);
  });
  after(async () => {
    await server.close();
  });

  test('request without token may do anything', async () => {
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'db' },
      data: { password: 'aHVudGVyMg==' },
    };

    const created = await call(server, undefined, 'POST', secretsPath, secret);
    const read = await call<{ data: Record<string, string> }>(
      server,
      undefined,
      'GET',
      `${secretsPath}/db`,
    );
    const token = await call(server, undefined, 'POST', '/apis/cronmesh.io/v1/tokens', {
      spec: { role: 'admin' },
    });

    assert.equal(created.status, 201);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.data, { password: 'aHVudGVyMg==' });
    assert.equal(token.status, 201);
  });

  test('bad token is still 401', async () => {
    const response = await call<Status>(server, 'not-a-token', 'GET', configMapsPath);

    assert.equal(response.status, 401);
    assert.deepEqual(response.body, unauthorizedStatus(invalidToken));
  });

  test('token is still limited to its role', async () => {
    const bearer = await grantToken(server, { role: 'viewer', namespace: 'team-a' });

    const secrets = await call<Status>(server, bearer, 'GET', secretsPath);
    const configMaps = await call(server, bearer, 'GET', configMapsPath);

    assert.equal(secrets.status, 403);
    assert.equal(secrets.body.reason, 'Forbidden');
    assert.equal(configMaps.status, 200);
  });
});
