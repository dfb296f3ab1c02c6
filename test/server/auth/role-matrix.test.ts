import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AnyResource } from '../../../src/api/types.js';
import type { TokenGrant } from '../../../src/store/issue-token.js';
import type { TokenRole } from '../../../src/store/tokens.js';
import type { TestServer } from '../harness.js';
import { cronJobManifest, jobManifest } from '../harness.js';
import { call, grantToken, startAuthServer, watchStatus } from './harness.js';

const namespace = 'team-a';
type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete';

interface RoleCase {
  label: string;
  role: TokenRole;
  /** Undefined for a role in every namespace. */
  namespace?: string;
}

const roleCases: RoleCase[] = [
  { label: 'viewer', role: 'viewer', namespace },
  { label: 'editor', role: 'editor', namespace },
  { label: 'admin', role: 'admin', namespace },
  { label: 'viewer of every namespace', role: 'viewer' },
  { label: 'admin of every namespace', role: 'admin' },
];

/** One resource of the matrix and how to reach it. */
interface Target {
  /** `pods/log` for a subresource. */
  resource: string;
  group: string;
  /** The kind that update requests read from the store first; only resources with update. */
  kind?: AnyResource['kind'];
  /** The collection path in team-a. */
  collection: string;
  /** The name of the object that get, update and patch use. */
  name: string;
  verbs: readonly Verb[];
  /** Returns a new object of the resource to create, named `name`. */
  manifest?: (name: string) => object;
}

const allVerbs: readonly Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const subresourceVerbs: readonly Verb[] = ['get', 'update', 'patch'];

const batch = `/apis/batch/v1/namespaces/${namespace}`;
const core = `/api/v1/namespaces/${namespace}`;

function podManifest(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', command: ['true'] }] },
  };
}

function configMapManifest(name: string): object {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { mode: 'fast' } };
}

function secretManifest(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    data: { password: 'aHVudGVyMg==' },
  };
}

function eventManifest(name: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: 'Job', name: 'batch-1', namespace },
    reason: 'Test',
    message: 'checked',
    type: 'Normal',
  };
}

const targets: Target[] = [
  {
    resource: 'cronjobs',
    kind: 'CronJob',
    group: 'batch',
    collection: `${batch}/cronjobs`,
    name: 'nightly',
    verbs: allVerbs,
    manifest: (name) => cronJobManifest(name),
  },
  {
    resource: 'jobs',
    kind: 'Job',
    group: 'batch',
    collection: `${batch}/jobs`,
    name: 'batch-1',
    verbs: allVerbs,
    manifest: (name) => jobManifest(name),
  },
  {
    resource: 'pods',
    kind: 'Pod',
    group: '',
    collection: `${core}/pods`,
    name: 'batch-1-abcde',
    verbs: allVerbs,
    manifest: podManifest,
  },
  {
    resource: 'configmaps',
    kind: 'ConfigMap',
    group: '',
    collection: `${core}/configmaps`,
    name: 'settings',
    verbs: allVerbs,
    manifest: configMapManifest,
  },
  {
    resource: 'secrets',
    kind: 'Secret',
    group: '',
    collection: `${core}/secrets`,
    name: 'db',
    verbs: allVerbs,
    manifest: secretManifest,
  },
  {
    resource: 'events',
    kind: 'Event',
    group: '',
    collection: `${core}/events`,
    name: 'started',
    verbs: allVerbs,
    manifest: eventManifest,
  },
  {
    resource: 'cronjobs/status',
    kind: 'CronJob',
    group: 'batch',
    collection: `${batch}/cronjobs`,
    name: 'nightly',
    verbs: subresourceVerbs,
  },
  {
    resource: 'jobs/status',
    kind: 'Job',
    group: 'batch',
    collection: `${batch}/jobs`,
    name: 'batch-1',
    verbs: subresourceVerbs,
  },
  {
    resource: 'pods/status',
    kind: 'Pod',
    group: '',
    collection: `${core}/pods`,
    name: 'batch-1-abcde',
    verbs: subresourceVerbs,
  },
  {
    resource: 'pods/log',
    group: '',
    collection: `${core}/pods`,
    name: 'batch-1-abcde',
    verbs: ['get'],
  },
  {
    resource: 'tokens',
    group: 'cronmesh.io',
    collection: `/apis/cronmesh.io/v1/namespaces/${namespace}/tokens`,
    name: '',
    verbs: ['get', 'list', 'create', 'delete'],
    manifest: () => ({ apiVersion: 'cronmesh.io/v1', kind: 'Token', spec: { role: 'viewer' } }),
  },
];

const viewable = [
  'cronjobs',
  'cronjobs/status',
  'jobs',
  'jobs/status',
  'pods',
  'pods/log',
  'pods/status',
  'configmaps',
  'events',
];
const editable = ['cronjobs', 'jobs', 'pods', 'configmaps', 'secrets'];

/** Returns whether `role` should permit `verb` on `resource`, after the Kubernetes view, edit and admin roles. */
function isExpectedAllowed(role: RoleCase, resource: string, verb: Verb): boolean {
  if (role.role === 'admin' && role.namespace === undefined) return true;
  const read = verb === 'get' || verb === 'list' || verb === 'watch';
  if (read && viewable.includes(resource)) return true;
  if (role.role === 'viewer') return false;
  if (read && resource === 'secrets') return true;
  if (!read && editable.includes(resource)) return true;
  if (role.role === 'editor') return false;
  return resource === 'tokens';
}

function idOf(bearer: string): string {
  return bearer.slice('cmt_'.length, 'cmt_'.length + 12);
}

describe('role matrix', () => {
  let server: TestServer;
  const bearers = new Map<string, string>();
  /** The id of a token in team-a that the token get requests read. */
  let listedTokenId = '';

  before(async () => {
    server = await startAuthServer();
    const { store } = server;
    const now = server.clock.now();
    const inNamespace = <T extends AnyResource>(object: T): T => ({
      ...object,
      metadata: { ...object.metadata, namespace },
    });
    await store.create(inNamespace(cronJobManifest('nightly')), now);
    await store.create(inNamespace(jobManifest('batch-1')), now);
    await store.create(inNamespace(podManifest('batch-1-abcde') as AnyResource), now);
    await store.appendLog(
      { namespace, pod: 'batch-1-abcde', container: 'main' },
      'stdout',
      'done\n',
      now,
    );
    await store.create(inNamespace(configMapManifest('settings') as AnyResource), now);
    await store.create(inNamespace(secretManifest('db') as AnyResource), now);
    await store.create(inNamespace(eventManifest('started') as AnyResource), now);

    for (const role of roleCases) {
      const grant: TokenGrant = { role: role.role };
      if (role.namespace !== undefined) grant.namespace = role.namespace;
      bearers.set(role.label, await grantToken(server, grant));
    }
    listedTokenId = idOf(await grantToken(server, { role: 'viewer', namespace }));
  });
  after(async () => {
    await server.close();
  });

  /**
   * Sends `verb` on `target` and returns the HTTP status, the body and the name of the object
   * the request addressed, if any.
   */
  async function send(role: RoleCase, target: Target, verb: Verb) {
    const token = bearers.get(role.label);
    const suffix = role.label.replaceAll(' ', '-');
    const [, subresource] = target.resource.split('/');
    let name = target.name;
    if (target.resource === 'tokens') {
      name = listedTokenId;
      if (verb === 'delete') name = idOf(await grantToken(server, { role: 'viewer', namespace }));
    } else if (verb === 'delete') {
      // Each delete removes an object of its own.
      name = `doomed-${suffix}`;
      const manifest = target.manifest?.(name) as AnyResource;
      await server.store.create({ ...manifest, metadata: { ...manifest.metadata, namespace } }, 0);
    }
    let object = `${target.collection}/${name}`;
    if (subresource !== undefined) object += `/${subresource}`;

    switch (verb) {
      case 'get':
        return { name, ...(await call(server, token, 'GET', object)) };
      case 'list':
        return { name: undefined, ...(await call(server, token, 'GET', target.collection)) };
      case 'watch':
        return { name: undefined, ...(await watchStatus(server, token, target.collection)) };
      case 'create': {
        const manifest = target.manifest?.(`new-${suffix}`);
        return {
          name: undefined,
          ...(await call(server, token, 'POST', target.collection, manifest)),
        };
      }
      case 'update': {
        assert.ok(target.kind !== undefined, `${target.resource} needs a kind to update`);
        const current = await server.store.get(target.kind, namespace, name);
        const metadata = { ...current.metadata };
        delete metadata.resourceVersion;
        const labels = { ...metadata.labels, updated: suffix };
        const body = { ...current, metadata: { ...metadata, labels } };
        return { name, ...(await call(server, token, 'PUT', object, body)) };
      }
      case 'patch': {
        const patch = { metadata: { labels: { patched: suffix } } };
        const type = 'application/merge-patch+json';
        return { name, ...(await call(server, token, 'PATCH', object, patch, type)) };
      }
      case 'delete':
        return { name, ...(await call(server, token, 'DELETE', object)) };
    }
  }

  for (const role of roleCases) {
    describe(role.label, () => {
      for (const target of targets) {
        for (const verb of target.verbs) {
          const allowed = isExpectedAllowed(role, target.resource, verb);
          test(`${verb} ${target.resource} is ${allowed ? 'allowed' : 'forbidden'}`, async () => {
            const response = await send(role, target, verb);

            if (allowed) {
              assert.equal(
                response.status,
                verb === 'create' ? 201 : 200,
                JSON.stringify(response.body),
              );
              return;
            }
            const id = idOf(bearers.get(role.label) ?? '');
            const [plural = ''] = target.resource.split('/');
            const qualified = target.group === '' ? plural : `${plural}.${target.group}`;
            const subject =
              response.name === undefined
                ? qualified
                : `${qualified} ${JSON.stringify(response.name)}`;
            const body = response.body as { message?: string; reason?: string };
            assert.equal(response.status, 403);
            assert.equal(body.reason, 'Forbidden');
            assert.equal(
              body.message,
              `${subject} is forbidden: User "token:${id}" cannot ${verb} resource ` +
                `"${target.resource}" in API group "${target.group}" in the namespace "team-a"`,
            );
          });
        }
      }
    });
  }
});
