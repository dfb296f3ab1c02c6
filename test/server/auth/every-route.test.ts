import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CronmeshMetrics } from '../../../src/server/metrics/registry.js';
import { createServer } from '../../../src/server/server.js';
import type { Status } from '../../../src/server/status.js';
import { issueToken } from '../../../src/store/issue-token.js';
import { FakeClock } from '../../../src/util/clock.js';
import type { TempStore } from '../../support/temp-store.js';
import { openTempStore } from '../../support/temp-store.js';
import type { TestServer } from '../harness.js';
import { testStart } from '../harness.js';
import { call } from './harness.js';

/** One method of one registered route pattern, such as `GET /api/v1/namespaces/:namespace/pods`. */
interface RegisteredRoute {
  method: string;
  route: string;
}

/** Routes that probes and Prometheus reach without a token. */
const publicRoutes = ['/healthz', '/readyz', '/metrics'];

/**
 * Returns every route of `app` by reading Fastify's route tree: one line per node, indented four
 * characters per level, with the node's methods in parentheses.
 */
function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  const routes: RegisteredRoute[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (match === null) continue;
    const [, indent = '', segment = '', methods] = match;
    segments.length = indent.length / 4;
    segments.push(segment);
    for (const method of methods?.split(', ') ?? []) {
      routes.push({ method, route: segments.join('') });
    }
  }
  return routes;
}

/** Returns a request path for `route`, with every parameter and wildcard filled in. */
function pathOf(route: string): string {
  return route
    .replaceAll(':namespace', 'team-a')
    .replace(/:[A-Za-z]+/g, 'x')
    .replace('*', 'x');
}

describe('every registered route', () => {
  let temp: TempStore;
  let metrics: CronmeshMetrics;
  let server: TestServer;
  let routes: RegisteredRoute[];
  /** A valid token of a service account that no token grants a role, so it may do nothing. */
  let roleless: string;

  before(async () => {
    const clock = new FakeClock(testStart);
    temp = await openTempStore(clock);
    metrics = new CronmeshMetrics({ store: temp.store, defaultDstPolicy: 'cron', version: '0' });
    const app = createServer({ store: metrics.store, clock, metrics, auth: { required: true } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    server = {
      url: `http://127.0.0.1:${port}`,
      store: metrics.store,
      clock,
      app,
      close: () => app.close(),
    };
    routes = registeredRoutes(app);
    const issued = await issueToken(
      metrics.store,
      { namespace: 'team-a', serviceAccount: 'nobody' },
      clock.now(),
    );
    roleless = issued.bearer;
  });
  after(async () => {
    await server.close();
    metrics.close();
    await temp.cleanup();
  });

  test('route list covers the API', () => {
    const listed = new Set(routes.map((entry) => `${entry.method} ${entry.route}`));

    for (const expected of [
      'GET /healthz',
      'GET /metrics',
      'GET /apis/batch/v1/cronjobs',
      'PATCH /apis/batch/v1/namespaces/:namespace/cronjobs/:name/status',
      'PUT /apis/batch/v1/namespaces/:namespace/jobs/:name/status',
      'GET /api/v1/namespaces/:namespace/pods/:name/log',
      'GET /api/v1/namespaces/:namespace/events',
      'DELETE /api/v1/namespaces/:namespace/secrets/:name',
      'POST /apis/cronmesh.io/v1/tokens',
      'DELETE /apis/cronmesh.io/v1/namespaces/:namespace/tokens/:name',
    ]) {
      assert.equal(
        listed.has(expected),
        true,
        `${expected} is missing from ${[...listed].join(', ')}`,
      );
    }
  });

  test('each needs a token', async () => {
    const guarded = routes.filter((entry) => !publicRoutes.includes(entry.route));
    assert.ok(guarded.length >= 60, `only ${guarded.length} routes were found`);

    for (const { method, route } of guarded) {
      const response = await call<Status>(server, undefined, method, pathOf(route));

      assert.equal(response.status, 401, `${method} ${route}`);
      if (method !== 'HEAD')
        assert.equal(response.body.reason, 'Unauthorized', `${method} ${route}`);
    }
  });

  test('each rejects a token without a role', async () => {
    const guarded = routes.filter((entry) => !publicRoutes.includes(entry.route));

    for (const { method, route } of guarded) {
      const response = await call<Status>(server, roleless, method, pathOf(route));

      assert.equal(response.status, 403, `${method} ${route}`);
      if (method !== 'HEAD') assert.equal(response.body.reason, 'Forbidden', `${method} ${route}`);
    }
  });

  test('public routes need no token', async () => {
    for (const route of publicRoutes) {
      const response = await call(server, undefined, 'GET', route);

      assert.equal(response.status, 200, route);
    }
  });
});
