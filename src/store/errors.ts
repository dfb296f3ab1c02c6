import type { ResourceKind } from '../api/types.js';

/**
 * Stable error codes of the store. They match the `reason` of the Kubernetes API status that the
 * server sends for each error: NotFound (404), AlreadyExists (409), Conflict (409), Invalid (422).
 */
export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid';

interface ResourceName {
  /** Plural resource name, as in REST paths. */
  resource: string;
  /** API group, empty for the core group. */
  group: string;
}

const resourceNames: Record<ResourceKind, ResourceName> = {
  CronJob: { resource: 'cronjobs', group: 'batch' },
  Job: { resource: 'jobs', group: 'batch' },
  Pod: { resource: 'pods', group: '' },
  ConfigMap: { resource: 'configmaps', group: '' },
  Secret: { resource: 'secrets', group: '' },
  Event: { resource: 'events', group: '' },
};

/** Returns whether `kind` is one of the resource kinds the store accepts. */
export function isResourceKind(kind: string): kind is ResourceKind {
  return Object.hasOwn(resourceNames, kind);
}

/** Returns the group-qualified resource name used in Kubernetes messages, e.g. `cronjobs.batch`. */
export function qualifiedResource(kind: string): string {
  if (!isResourceKind(kind)) return kind;
  const { resource, group } = resourceNames[kind];
  return group === '' ? resource : `${resource}.${group}`;
}

/** Returns the group-qualified kind used in Kubernetes validation messages, e.g. `CronJob.batch`. */
export function qualifiedKind(kind: string): string {
  if (!isResourceKind(kind)) return kind;
  const { group } = resourceNames[kind];
  return group === '' ? kind : `${kind}.${group}`;
}

/**
 * Base class of every error the store throws for a request it cannot carry out. As in the
 * Kubernetes status details, `kind`, `namespace` and `name` identify the object.
 *
 * NOTE: `name` is the object's name, not the error class name that `Error.name` usually holds.
 * The constructor writes the class name into the stack header and `toString()` returns it, so
 * logs still show which error this is.
 */
export abstract class StoreError extends Error {
  abstract readonly code: StoreErrorCode;
  readonly kind: string;
  readonly namespace: string;
  override name: string;

  constructor(message: string, kind: string, namespace: string, name: string) {
    super(message);
    // V8 formats the stack header on first access, so this pins it to the class name.
    this.name = new.target.name;
    void this.stack;
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
  }

  override toString(): string {
    return `${this.constructor.name}: ${this.message}`;
  }
}

/** The object does not exist. */
export class NotFoundError extends StoreError {
  readonly code = 'NotFound';

  constructor(kind: string, namespace: string, name: string) {
    super(`${qualifiedResource(kind)} ${JSON.stringify(name)} not found`, kind, namespace, name);
  }
}

/**
 * An object with the same kind, namespace and name (`field` is `metadata.name`) or with the same
 * uid (`field` is `metadata.uid`) exists already.
 */
export class AlreadyExistsError extends StoreError {
  readonly code = 'AlreadyExists';

  constructor(
    kind: string,
    namespace: string,
    name: string,
    readonly field: 'metadata.name' | 'metadata.uid' = 'metadata.name',
    readonly value: string = name,
  ) {
    const subject = `${qualifiedResource(kind)} ${JSON.stringify(name)}`;
    super(
      field === 'metadata.name'
        ? `${subject} already exists`
        : `${subject} already exists: uid ${JSON.stringify(value)} belongs to another stored object`,
      kind,
      namespace,
      name,
    );
  }
}

/**
 * A precondition on the stored object failed. The request carried `value` in `field`, but the
 * stored object has `current`. An update with a stale resourceVersion gets the Kubernetes
 * optimistic-locking message, and a failed delete precondition names both values.
 */
export class ConflictError extends StoreError {
  readonly code = 'Conflict';

  constructor(
    kind: string,
    namespace: string,
    name: string,
    readonly field: 'metadata.resourceVersion' | 'metadata.uid',
    readonly value: string,
    readonly current: string,
    operation: 'update' | 'delete',
  ) {
    super(
      `Operation cannot be fulfilled on ${qualifiedResource(kind)} ${JSON.stringify(name)}: ` +
        conflictDetail(field, value, current, operation),
      kind,
      namespace,
      name,
    );
  }
}

function conflictDetail(
  field: ConflictError['field'],
  value: string,
  current: string,
  operation: 'update' | 'delete',
): string {
  if (field === 'metadata.resourceVersion' && operation === 'update') {
    return 'the object has been modified; please apply your changes to the latest version and try again';
  }
  const label = field === 'metadata.uid' ? 'UID' : 'ResourceVersion';
  return `Precondition failed: ${label} in precondition: ${value}, ${label} in object meta: ${current}`;
}

/**
 * The object cannot be stored as given. `field` contains `value`, and `detail` describes what
 * would be valid. The message has the Kubernetes shape `<Kind>.<group> "<name>" is invalid: <field>: ...`.
 */
export class InvalidObjectError extends StoreError {
  readonly code = 'Invalid';

  constructor(
    kind: string,
    namespace: string,
    name: string,
    readonly field: string,
    readonly value: unknown,
    readonly detail: string,
  ) {
    const valueText =
      value === undefined ? 'Required value' : `Invalid value: ${JSON.stringify(value)}`;
    super(
      `${qualifiedKind(kind)} ${JSON.stringify(name)} is invalid: ${field}: ${valueText}: ${detail}`,
      kind,
      namespace,
      name,
    );
  }
}
