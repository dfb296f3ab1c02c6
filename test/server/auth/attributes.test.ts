import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RoutedRequest } from '../../../src/server/auth/attributes.js';
import { requestAttributes } from '../../../src/server/auth/attributes.js';
import { isAllowed } from '../../../src/server/auth/authorize.js';
import { limitGrant } from '../../../src/server/auth/grant.js';
import type { Identity } from '../../../src/server/auth/identity.js';

function routed(method: string, route: string, fields: Partial<RoutedRequest> = {}): RoutedRequest {
  return { method, route, path: route, params: {}, query: {}, ...fields };
}

describe('requestAttributes', () => {
  const cases: [string, RoutedRequest, ReturnType<typeof requestAttributes>][] = [
    [
      'namespaced get',
      routed('GET', '/apis/batch/v1/namespaces/:namespace/cronjobs/:name', {
        params: { namespace: 'team-a', name: 'nightly' },
      }),
      {
        type: 'resource',
        verb: 'get',
        group: 'batch',
        resource: 'cronjobs',
        namespace: 'team-a',
        name: 'nightly',
      },
    ],
    [
      'HEAD is get',
      routed('HEAD', '/api/v1/namespaces/:namespace/configmaps/:name', {
        params: { namespace: 'team-a', name: 'settings' },
      }),
      {
        type: 'resource',
        verb: 'get',
        group: '',
        resource: 'configmaps',
        namespace: 'team-a',
        name: 'settings',
      },
    ],
    [
      'collection list',
      routed('GET', '/api/v1/namespaces/:namespace/secrets', { params: { namespace: 'team-a' } }),
      { type: 'resource', verb: 'list', group: '', resource: 'secrets', namespace: 'team-a' },
    ],
    [
      'watch=1 is watch',
      routed('GET', '/api/v1/namespaces/:namespace/secrets', {
        params: { namespace: 'team-a' },
        query: { watch: '1' },
      }),
      { type: 'resource', verb: 'watch', group: '', resource: 'secrets', namespace: 'team-a' },
    ],
    [
      'watch=false is list',
      routed('GET', '/api/v1/secrets', { query: { watch: 'false' } }),
      { type: 'resource', verb: 'list', group: '', resource: 'secrets' },
    ],
    [
      'cluster-scope watch',
      routed('GET', '/apis/batch/v1/jobs', { query: { watch: 'true' } }),
      { type: 'resource', verb: 'watch', group: 'batch', resource: 'jobs' },
    ],
    [
      'create',
      routed('POST', '/apis/cronmesh.io/v1/namespaces/:namespace/tokens', {
        params: { namespace: 'team-a' },
      }),
      {
        type: 'resource',
        verb: 'create',
        group: 'cronmesh.io',
        resource: 'tokens',
        namespace: 'team-a',
      },
    ],
    [
      'status patch',
      routed('PATCH', '/apis/batch/v1/namespaces/:namespace/jobs/:name/status', {
        params: { namespace: 'team-a', name: 'batch-1' },
      }),
      {
        type: 'resource',
        verb: 'patch',
        group: 'batch',
        resource: 'jobs',
        subresource: 'status',
        namespace: 'team-a',
        name: 'batch-1',
      },
    ],
    [
      'log',
      routed('GET', '/api/v1/namespaces/:namespace/pods/:name/log', {
        params: { namespace: 'team-a', name: 'p' },
      }),
      {
        type: 'resource',
        verb: 'get',
        group: '',
        resource: 'pods',
        subresource: 'log',
        namespace: 'team-a',
        name: 'p',
      },
    ],
    [
      'delete of a collection',
      routed('DELETE', '/api/v1/namespaces/:namespace/pods', { params: { namespace: 'team-a' } }),
      {
        type: 'resource',
        verb: 'deletecollection',
        group: '',
        resource: 'pods',
        namespace: 'team-a',
      },
    ],
    [
      'other path',
      routed('GET', '/dashboard/*', { path: '/dashboard/index.html' }),
      { type: 'path', verb: 'get', path: '/dashboard/index.html' },
    ],
  ];

  for (const [name, request, expected] of cases) {
    test(name, () => {
      assert.deepEqual(requestAttributes(request), expected);
    });
  }
});

describe('isAllowed on other paths', () => {
  const path = { type: 'path', verb: 'get', path: '/dashboard/index.html' } as const;

  test('admin of every namespace may', () => {
    assert.equal(isAllowed({ user: 'token:a', role: 'admin' }, path), true);
    assert.equal(isAllowed({ user: 'system:anonymous', unrestricted: true }, path), true);
  });

  test('namespace admin and viewer of every namespace may not', () => {
    assert.equal(isAllowed({ user: 'token:b', role: 'admin', namespace: 'team-a' }, path), false);
    assert.equal(isAllowed({ user: 'token:c', role: 'viewer' }, path), false);
  });
});

describe('limitGrant', () => {
  const attributes = {
    type: 'resource',
    verb: 'create',
    group: 'cronmesh.io',
    resource: 'tokens',
    namespace: 'team-a',
  } as const;

  test('higher role than the caller is forbidden', () => {
    const editor: Identity = { user: 'token:e', role: 'editor', namespace: 'team-a' };

    assert.throws(() => limitGrant(editor, { role: 'admin', namespace: 'team-a' }, attributes), {
      message:
        'tokens.cronmesh.io is forbidden: User "token:e" cannot create resource "tokens" in API ' +
        'group "cronmesh.io" in the namespace "team-a": a token cannot grant role "admin", which ' +
        'is above the caller\'s role "editor"',
    });
  });

  test('other namespace than the caller is forbidden', () => {
    const admin: Identity = { user: 'token:a', role: 'admin', namespace: 'team-a' };

    assert.throws(() => limitGrant(admin, { role: 'viewer', namespace: 'team-b' }, attributes), {
      message:
        'tokens.cronmesh.io is forbidden: User "token:a" cannot create resource "tokens" in API ' +
        'group "cronmesh.io" in the namespace "team-a": a token cannot grant access outside the ' +
        'caller\'s namespace "team-a"',
    });
  });

  test('same role and namespace is granted unchanged', () => {
    const admin: Identity = { user: 'token:a', role: 'admin', namespace: 'team-a' };

    assert.deepEqual(limitGrant(admin, { role: 'admin', namespace: 'team-a' }, attributes), {
      role: 'admin',
      namespace: 'team-a',
    });
  });
});
