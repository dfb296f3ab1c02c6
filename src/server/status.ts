import type { ResourceInfo } from './kinds.js';

/** One field-level reason of a failed request, as in Kubernetes `metav1.StatusCause`. */
export interface StatusCause {
  /** Kubernetes cause type, e.g. `FieldValueInvalid` or `FieldValueRequired`. */
  reason: string;
  message: string;
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

/** The Kubernetes `v1 Status` object the API returns for errors and for some deletes. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/**
 * An error that carries the exact Status to send. `code` is the Status reason (`BadRequest`,
 * `NotFound`, `Invalid`, ...), stable for callers to test.
 */
export class StatusError extends Error {
  readonly code: string;

  constructor(readonly status: Status) {
    super(status.message);
    this.name = 'StatusError';
    this.code = status.reason ?? 'Unknown';
  }
}

/** Builds a failure Status. */
export function failureStatus(
  code: number,
  reason: string,
  message: string,
  details?: StatusDetails,
): Status {
  // The keys follow the field order of the Kubernetes Status type.
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details === undefined ? {} : { details }),
    code,
  };
}

export function badRequest(message: string): StatusError {
  return new StatusError(failureStatus(400, 'BadRequest', message));
}

/** Returns the Kubernetes NotFound error for one object: `cronjobs.batch "hello" not found`. */
export function notFound(info: ResourceInfo, name: string): StatusError {
  const qualified = info.group === '' ? info.plural : `${info.plural}.${info.group}`;
  return new StatusError(
    failureStatus(404, 'NotFound', `${qualified} ${JSON.stringify(name)} not found`, {
      name,
      group: info.group,
      kind: info.plural,
    }),
  );
}

/** Returns the NotFound error for a path that names no API resource. */
export function unknownPath(method: string, url: string): StatusError {
  return new StatusError(
    failureStatus(
      404,
      'NotFound',
      `the server could not find the requested resource (${method} ${url})`,
    ),
  );
}

export function unsupportedMediaType(
  contentType: string,
  accepted: readonly string[],
): StatusError {
  return new StatusError(
    failureStatus(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unsupported format ${JSON.stringify(contentType)}; ` +
        `accepted media types are: ${accepted.join(', ')}`,
    ),
  );
}

/** Returns the 413 error. `bodyBytes` is the Content-Length, unknown for a chunked body. */
export function requestEntityTooLarge(limitBytes: number, bodyBytes?: number): StatusError {
  const size = bodyBytes === undefined ? '' : ` of ${bodyBytes} bytes`;
  return new StatusError(
    failureStatus(
      413,
      'RequestEntityTooLarge',
      `the request body${size} is larger than the limit of ${limitBytes} bytes`,
    ),
  );
}

/**
 * Returns the Kubernetes Invalid (422) error with one cause per field error. The message is
 * `CronJob.batch "hello" is invalid: <field>: <detail>`, with `[a, b]` for several causes.
 */
export function invalid(info: ResourceInfo, name: string, causes: StatusCause[]): StatusError {
  const qualifiedKind = info.group === '' ? info.kind : `${info.kind}.${info.group}`;
  const texts = causes.map((cause) => `${cause.field}: ${cause.message}`);
  let message = `${qualifiedKind} ${JSON.stringify(name)} is invalid`;
  if (texts.length === 1) message += `: ${texts[0]}`;
  if (texts.length > 1) message += `: [${texts.join(', ')}]`;
  return new StatusError(
    failureStatus(422, 'Invalid', message, { name, group: info.group, kind: info.kind, causes }),
  );
}

export function internalError(message: string): StatusError {
  return new StatusError(
    failureStatus(500, 'InternalError', `Internal error occurred: ${message}`),
  );
}

/** Returns the Success Status of a delete that removed the object at once. */
export function deletedStatus(info: ResourceInfo, name: string, uid: string | undefined): Status {
  const details: StatusDetails = { name, group: info.group, kind: info.plural };
  if (uid !== undefined) details.uid = uid;
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}
