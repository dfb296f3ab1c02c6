import type { ResourceKind } from '../../api/types.js';
import type { Store } from '../../store/store.js';
import { roleRank } from '../../store/tokens.js';
import type { RequestAttributes } from './attributes.js';
import { forbidden } from './errors.js';
import type { Identity } from './identity.js';
import { isClusterAdmin } from './identity.js';
import { serviceAccountRole } from './service-accounts.js';

/** Path of the pod spec in the body of each resource that runs pods. */
const podSpecPaths: Record<string, readonly string[]> = {
  cronjobs: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  jobs: ['spec', 'template', 'spec'],
  pods: ['spec'],
};

const kindsOfResources: Record<string, ResourceKind> = {
  cronjobs: 'CronJob',
  jobs: 'Job',
  pods: 'Pod',
};

/**
 * Returns the service account names that a create, update or merge-patch body of `resource`
 * sets: `serviceAccountName` and its deprecated alias `serviceAccount` of the pod spec.
 */
export function serviceAccountsIn(resource: string, body: unknown): string[] {
  const path = podSpecPaths[resource];
  if (path === undefined) return [];
  let node: unknown = body;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return [];
    node = (node as Record<string, unknown>)[key];
  }
  if (typeof node !== 'object' || node === null) return [];
  const spec = node as Record<string, unknown>;
  const names = [spec['serviceAccountName'], spec['serviceAccount']];
  return [...new Set(names.filter((name): name is string => typeof name === 'string'))];
}

/**
 * Rejects a write that would run pods as a service account whose role is above the caller's,
 * because the pods' token would then give the caller that role. Kubernetes RBAC allows this
 * within a namespace; cronmesh rejects it so that an editor cannot become an admin. An update or
 * patch also counts the service accounts of the stored object, because changing the command of
 * a workload that runs as an admin is as good as running one.
 */
export async function checkServiceAccountUse(
  store: Store,
  now: number,
  identity: Identity,
  attributes: RequestAttributes,
  body: unknown,
): Promise<void> {
  if (attributes.type !== 'resource' || isClusterAdmin(identity)) return;
  if (!['create', 'update', 'patch'].includes(attributes.verb)) return;
  const namespace = attributes.namespace;
  if (namespace === undefined || attributes.subresource !== undefined) return;

  const names = new Set(serviceAccountsIn(attributes.resource, body));
  const kind = kindsOfResources[attributes.resource];
  if (kind !== undefined && attributes.name !== undefined && attributes.verb !== 'create') {
    const stored = await store.find(kind, namespace, attributes.name);
    for (const name of serviceAccountsIn(attributes.resource, stored)) names.add(name);
  }

  const callerRank = identity.role === undefined ? -1 : roleRank(identity.role);
  for (const name of names) {
    const role = await serviceAccountRole(store, namespace, name, now);
    if (role === undefined || roleRank(role) <= callerRank) continue;
    throw forbidden(
      identity.user,
      attributes,
      `its pods would run as service account ${JSON.stringify(name)}, whose role ` +
        `${JSON.stringify(role)} is above the caller's role ${JSON.stringify(identity.role ?? 'none')}`,
    );
  }
}
