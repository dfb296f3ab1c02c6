import type { AnyResource } from '../api/types.js';
import { ConflictError } from '../store/errors.js';
import type { DeleteOptions, Store } from '../store/store.js';
import type { ResourceInfo } from './kinds.js';
import { resources } from './kinds.js';
import { isJsonObject } from './patch.js';
import type { Status } from './status.js';
import { badRequest, deletedStatus } from './status.js';

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

const policies: readonly PropagationPolicy[] = ['Foreground', 'Background', 'Orphan'];

/** A dependent whose update races with another write is retried this often. */
const orphanAttempts = 5;

export interface DeleteRequest {
  propagationPolicy: PropagationPolicy;
  preconditions: DeleteOptions;
}

/**
 * Reads the Kubernetes DeleteOptions of a request: `propagationPolicy` from the body or the query
 * (the body wins), and `preconditions.uid` / `preconditions.resourceVersion` from the body.
 */
export function parseDeleteRequest(queryPolicy: string | undefined, body: unknown): DeleteRequest {
  const options = isJsonObject(body) ? body : {};
  const requested = options.propagationPolicy ?? queryPolicy ?? 'Background';
  if (!policies.includes(requested as PropagationPolicy)) {
    throw badRequest(
      `propagationPolicy: Unsupported value: ${JSON.stringify(requested)}: supported values: "Foreground", "Background", "Orphan"`,
    );
  }

  const preconditions: DeleteOptions = {};
  const requestedPreconditions = options.preconditions;
  if (isJsonObject(requestedPreconditions)) {
    const { uid, resourceVersion } = requestedPreconditions;
    if (typeof uid === 'string') preconditions.uid = uid;
    if (typeof resourceVersion === 'string') {
      preconditions.resourceVersion = resourceVersion;
    }
  }
  return { propagationPolicy: requested as PropagationPolicy, preconditions };
}

/**
 * Deletes one object. Dependents (objects whose ownerReferences name it) are left to the garbage
 * collector, except with `Orphan`, where their reference to this owner is removed first so the
 * collector keeps them.
 *
 * NOTE: `Foreground` deletes the owner at once, like `Background`, because the owner is removed
 * before its dependents instead of waiting for them with a `foregroundDeletion` finalizer.
 */
export async function deleteObject(
  store: Store,
  info: ResourceInfo,
  namespace: string,
  name: string,
  request: DeleteRequest,
): Promise<Status> {
  if (request.propagationPolicy === 'Orphan') {
    const owner = await store.get(info.kind, namespace, name);
    checkPreconditions(owner, request.preconditions);
    await orphanDependents(store, owner);
  }
  const deleted = await store.delete(info.kind, namespace, name, request.preconditions);
  return deletedStatus(info, name, deleted.metadata.uid);
}

/** Fails with the store's Conflict error before any dependent is changed. */
function checkPreconditions(owner: AnyResource, preconditions: DeleteOptions): void {
  const { kind, metadata } = owner;
  const namespace = metadata.namespace ?? '';
  if (preconditions.uid !== undefined && preconditions.uid !== metadata.uid) {
    throw new ConflictError(
      kind,
      namespace,
      metadata.name,
      'metadata.uid',
      preconditions.uid,
      metadata.uid ?? '',
      'delete',
    );
  }
  const version = preconditions.resourceVersion;
  if (version !== undefined && version !== metadata.resourceVersion) {
    throw new ConflictError(
      kind,
      namespace,
      metadata.name,
      'metadata.resourceVersion',
      version,
      metadata.resourceVersion ?? '',
      'delete',
    );
  }
}

async function orphanDependents(store: Store, owner: AnyResource): Promise<void> {
  const ownerUid = owner.metadata.uid;
  if (ownerUid === undefined) return;

  for (const info of resources) {
    const dependents = await store.list(info.kind, {
      namespace: owner.metadata.namespace,
      ownerUid,
    });
    for (const dependent of dependents) {
      await removeOwnerReference(store, dependent, ownerUid);
    }
  }
}

async function removeOwnerReference(
  store: Store,
  dependent: AnyResource,
  ownerUid: string,
): Promise<void> {
  let current: AnyResource | undefined = dependent;
  for (let attempt = 1; current !== undefined; attempt++) {
    const references = current.metadata.ownerReferences ?? [];
    const remaining = references.filter((reference) => reference.uid !== ownerUid);
    if (remaining.length === references.length) return;

    if (remaining.length === 0) delete current.metadata.ownerReferences;
    else current.metadata.ownerReferences = remaining;
    try {
      await store.update(current);
      return;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= orphanAttempts) throw error;
      const { kind, metadata }: AnyResource = current;
      current = await store.find(kind, metadata.namespace ?? '', metadata.name);
    }
  }
}
