import { randomInt } from 'node:crypto';
import { prepareForCreate, prepareForUpdate, validateResource } from '../api/index.js';
import type { AnyResource } from '../api/types.js';
import { ConflictError } from '../store/errors.js';
import { canonicalJson } from '../store/metadata.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { ResourceInfo } from './kinds.js';
import { applyMergePatch, isJsonObject } from './patch.js';
import { badRequest } from './status.js';
import type { FieldValidation } from './validation.js';
import {
  checkFields,
  checkStatusFields,
  invalidFromFieldErrors,
  rethrowValidation,
} from './validation.js';

export interface WriteContext {
  store: Store;
  clock: Clock;
}

/** The part of the object a write changes: the main resource, or the `/status` subresource. */
export type WriteTarget = 'object' | 'status';

/** The stored object and the API warnings to send back, as Kubernetes `Warning` headers do. */
export interface WriteResult {
  object: AnyResource;
  warnings: string[];
}

/** A merge patch without a resourceVersion is retried this often when a concurrent write wins. */
const patchAttempts = 5;

/**
 * Creates an object from a POST body: server-set metadata is cleared, `generateName` is
 * expanded, then the api layer checks the fields, defaults and validates it.
 */
export async function createObject(
  context: WriteContext,
  info: ResourceInfo,
  namespace: string,
  body: unknown,
  fieldValidation: FieldValidation,
): Promise<WriteResult> {
  const object = checkBody(info, namespace, body);
  const metadata = object.metadata;
  if (metadata.resourceVersion !== undefined && metadata.resourceVersion !== '') {
    throw badRequest('resourceVersion should not be set on objects to be created');
  }
  if ((metadata.name ?? '') === '' && typeof metadata.generateName === 'string') {
    metadata.name = metadata.generateName + randomSuffix();
  }
  delete metadata.generateName;
  delete metadata.uid;
  delete metadata.creationTimestamp;
  delete metadata.deletionTimestamp;

  const { resource, warnings } = checkFields(info, object, fieldValidation);
  let prepared: AnyResource;
  try {
    prepared = prepareForCreate(resource);
  } catch (error) {
    rethrowValidation(error, info, metadata.name ?? '');
  }
  // A new attempt starts Pending, as the Kubernetes API sets it.
  if (prepared.kind === 'Pod') prepared.status = { phase: 'Pending' };
  if (info.kind === 'CronJob' || info.kind === 'Job') prepared.metadata.generation = 1;

  const now = context.clock.now();
  return { object: await context.store.create(prepared, now), warnings };
}

/** Replaces an object (PUT). The stored resourceVersion must match when the body carries one. */
export async function replaceObject(
  context: WriteContext,
  info: ResourceInfo,
  namespace: string,
  name: string,
  body: unknown,
  target: WriteTarget,
  fieldValidation: FieldValidation,
): Promise<WriteResult> {
  const object = checkBody(info, namespace, body);
  checkName(object, name);
  const old = await context.store.get(info.kind, namespace, name);
  return writeUpdate(context, info, old, object, target, fieldValidation);
}

/**
 * Applies a JSON merge patch (RFC 7386). A patch that sets `metadata.resourceVersion` fails with
 * Conflict when the object changed since. Any other patch is applied to the latest version and
 * retried when another write lands between the read and the update.
 */
export async function patchObject(
  context: WriteContext,
  info: ResourceInfo,
  namespace: string,
  name: string,
  patch: unknown,
  target: WriteTarget,
  fieldValidation: FieldValidation,
): Promise<WriteResult> {
  if (!isJsonObject(patch)) {
    throw badRequest(
      'the merge patch must be a JSON object, for example {"spec":{"suspend":true}}',
    );
  }
  const patchMetadata = patch.metadata;
  const pinned = isJsonObject(patchMetadata) && patchMetadata.resourceVersion !== undefined;

  for (let attempt = 1; ; attempt++) {
    const old = await context.store.get(info.kind, namespace, name);
    const patched = checkBody(info, namespace, applyMergePatch(old, patch));
    checkName(patched, name);
    if (!pinned) patched.metadata.resourceVersion = old.metadata.resourceVersion;
    try {
      return await writeUpdate(context, info, old, patched, target, fieldValidation);
    } catch (error) {
      const retry = error instanceof ConflictError && !pinned && attempt < patchAttempts;
      if (!retry) throw error;
    }
  }
}

async function writeUpdate(
  context: WriteContext,
  info: ResourceInfo,
  old: AnyResource,
  incoming: AnyResource,
  target: WriteTarget,
  fieldValidation: FieldValidation,
): Promise<WriteResult> {
  let next: AnyResource;
  let warnings: string[] = [];
  if (target === 'status') {
    const checked = checkStatusFields(info, incoming, fieldValidation);
    warnings = checked.warnings;
    next = statusUpdate(old, checked.resource);
    const errors = validateResource(next, { operation: 'update', old });
    if (errors.length > 0) throw invalidFromFieldErrors(info, old.metadata.name, errors);
  } else {
    const checked = checkFields(info, incoming, fieldValidation);
    warnings = checked.warnings;
    next = objectUpdate(info, old, checked.resource);
  }

  if (info.kind === 'CronJob' || info.kind === 'Job') {
    const oldSpec = canonicalJson((old as { spec?: unknown }).spec);
    const newSpec = canonicalJson((next as { spec?: unknown }).spec);
    const generation = old.metadata.generation ?? 1;
    next.metadata.generation = oldSpec === newSpec ? generation : generation + 1;
  }
  return { object: await context.store.update(next), warnings };
}

/**
 * The main resource takes everything from the request except the system metadata and the
 * status, which the api layer carries over from the stored object, as Kubernetes does.
 */
function objectUpdate(info: ResourceInfo, old: AnyResource, incoming: AnyResource): AnyResource {
  const next = structuredClone(incoming);
  const metadata = next.metadata;
  // As in Kubernetes, a missing uid is filled in, and a different one fails validation.
  metadata.uid ??= old.metadata.uid;
  setOrDelete(metadata, 'creationTimestamp', old.metadata.creationTimestamp);
  setOrDelete(metadata, 'deletionTimestamp', old.metadata.deletionTimestamp);
  setOrDelete(metadata, 'generation', old.metadata.generation);
  try {
    return prepareForUpdate(next, old);
  } catch (error) {
    rethrowValidation(error, info, old.metadata.name);
  }
}

/** Builds a status update: only `status` and the resourceVersion precondition come from the request. */
function statusUpdate(old: AnyResource, incoming: AnyResource): AnyResource {
  const next = structuredClone(old);
  setOrDelete(next, 'status', structuredClone((incoming as { status?: unknown }).status));
  setOrDelete(next.metadata, 'resourceVersion', incoming.metadata.resourceVersion);
  return next;
}

function setOrDelete<T extends object>(target: T, key: string, value: unknown): void {
  const record = target as unknown as Record<string, unknown>;
  if (value === undefined) delete record[key];
  else record[key] = value;
}

type BodyMetadata = AnyResource['metadata'] & { generateName?: unknown };

/**
 * Checks the shape of a request body against the URL: a JSON object of the URL's kind and
 * version (filled in when missing) in the URL's namespace (filled in when missing).
 */
function checkBody(
  info: ResourceInfo,
  namespace: string,
  body: unknown,
): AnyResource & { metadata: BodyMetadata } {
  if (!isJsonObject(body)) {
    throw badRequest(`the request body must be a JSON object describing a ${info.kind}`);
  }
  const object = structuredClone(body);
  object.apiVersion ??= info.apiVersion;
  object.kind ??= info.kind;
  if (object.apiVersion !== info.apiVersion) {
    throw badRequest(
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (${info.apiVersion})`,
    );
  }
  if (object.kind !== info.kind) {
    throw badRequest(
      `the kind in the data (${String(object.kind)}) does not match the expected kind (${info.kind})`,
    );
  }

  object.metadata ??= {};
  const metadata = object.metadata;
  if (!isJsonObject(metadata)) throw badRequest('metadata must be a JSON object');
  if (metadata.namespace === undefined || metadata.namespace === '') {
    metadata.namespace = namespace;
  } else if (metadata.namespace !== namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }
  return object as unknown as AnyResource & { metadata: BodyMetadata };
}

function checkName(object: AnyResource, name: string): void {
  const bodyName = object.metadata.name ?? '';
  if (bodyName !== name) {
    throw badRequest(
      `the name of the object (${bodyName}) does not match the name on the URL (${name})`,
    );
  }
}

/** Five characters from the alphabet Kubernetes uses for generated names (no vowels, no 0/1/3). */
function randomSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let index = 0; index < 5; index++) suffix += alphabet[randomInt(alphabet.length)];
  return suffix;
}
