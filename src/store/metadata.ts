import type { AnyResource } from '../api/types.js';
import { InvalidObjectError, isResourceKind } from './errors.js';

/** Kind, namespace and name: the key of an object, unique within the store. */
export interface ObjectKey {
  kind: AnyResource['kind'];
  namespace: string;
  name: string;
}

/**
 * Returns the key of `object`, or throws InvalidObjectError when the kind is unknown or the name
 * or namespace is missing. The store does not default the namespace, because the API layer does.
 */
export function objectKeyOf(object: AnyResource): ObjectKey {
  const kind: string = object.kind;
  const name = object.metadata?.name;
  const namespace = object.metadata?.namespace;
  if (!isResourceKind(kind)) {
    throw new InvalidObjectError(
      kind,
      namespace ?? '',
      name ?? '',
      'kind',
      kind,
      'expected one of CronJob, Job, Pod, ConfigMap, Secret, Event',
    );
  }
  if (typeof name !== 'string' || name === '') {
    throw new InvalidObjectError(
      kind,
      namespace ?? '',
      '',
      'metadata.name',
      name,
      'name is required',
    );
  }
  if (typeof namespace !== 'string' || namespace === '') {
    throw new InvalidObjectError(
      kind,
      '',
      name,
      'metadata.namespace',
      namespace,
      'the store needs an explicit namespace, such as "default"',
    );
  }
  return { kind, namespace, name };
}

/**
 * Formats an instant (milliseconds since the Unix epoch) as an RFC 3339 timestamp with whole
 * seconds in UTC, the format of Kubernetes `metav1.Time`: `2024-01-01T00:00:00Z`.
 */
export function formatTimestamp(milliseconds: number): string {
  if (!Number.isFinite(milliseconds)) {
    throw new RangeError(
      `invalid instant ${milliseconds}: expected a finite number of milliseconds since the Unix epoch`,
    );
  }
  const seconds = Math.floor(milliseconds / 1000) * 1000;
  return new Date(seconds).toISOString().replace('.000Z', 'Z');
}

/**
 * Returns the uids of the object's owner references, without duplicates. Throws
 * InvalidObjectError when a reference has no uid, because owner lookups could not find it.
 */
export function ownerUidsOf(object: AnyResource, key: ObjectKey): string[] {
  const references = object.metadata.ownerReferences ?? [];
  const uids = references.map((reference, index) => {
    const uid: unknown = reference.uid;
    if (typeof uid !== 'string' || uid === '') {
      throw new InvalidObjectError(
        key.kind,
        key.namespace,
        key.name,
        `metadata.ownerReferences[${index}].uid`,
        uid,
        'an owner reference needs the uid of its owner',
      );
    }
    return uid;
  });
  return [...new Set(uids)];
}

/** Serializes a value with object keys in sorted order, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const record = item as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, record[key]]),
    );
  });
}
