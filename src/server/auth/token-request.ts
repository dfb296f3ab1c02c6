import type { FieldError } from '../../api/field-error.js';
import {
  forbidden as forbiddenField,
  formatFieldError,
  invalid,
  required,
  unknownField,
  unsupported,
} from '../../api/field-error.js';
import { checkDns1123Subdomain } from '../../api/names.js';
import type { TokenRole } from '../../store/tokens.js';
import { isTokenRole, tokenRoles } from '../../store/tokens.js';
import { StatusError, badRequest, failureStatus } from '../status.js';
import { tokenApiVersion, tokenGroup } from './token-object.js';

/** The checked body of a request to create a token. */
export interface TokenRequest {
  role: TokenRole;
  serviceAccountName?: string;
  /** Lifetime in seconds; absent for a token that does not expire by itself. */
  expirationSeconds?: number;
}

/** 100 years, so that every expiry is a valid date. */
export const maxExpirationSeconds = 100 * 365 * 24 * 3600;

const allowedFields: Record<string, readonly string[]> = {
  '': ['apiVersion', 'kind', 'metadata', 'spec'],
  metadata: ['namespace'],
  spec: ['role', 'serviceAccountName', 'expirationSeconds'],
};

/**
 * Checks the body of a token create request made at the path of `namespace` (undefined for the
 * all-namespaces path). Throws 400 BadRequest for a body that is no Token or has unknown fields,
 * and 422 Invalid naming each bad field.
 */
export function parseTokenRequest(body: unknown, namespace: string | undefined): TokenRequest {
  const object = asRecord(body);
  if (object === undefined) throw badRequest('the request body must be a Token object');
  checkTypeFields(object);

  const unknown = unknownFieldsOf(object);
  if (unknown.length > 0) {
    const fields = unknown.map((field) => formatFieldError(unknownField(field)));
    throw badRequest(`strict decoding error: ${fields.join(', ')}`);
  }

  const metadata = asRecord(object['metadata']) ?? {};
  const requestNamespace = metadata['namespace'];
  if (requestNamespace !== undefined && requestNamespace !== namespace) {
    throw badRequest(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  }

  const errors: FieldError[] = [];
  const rawSpec = object['spec'];
  const spec = asRecord(rawSpec) ?? {};
  if (rawSpec !== undefined && asRecord(rawSpec) === undefined) {
    errors.push(invalid('spec', rawSpec, 'must be an object'));
  }
  const role = spec['role'];
  if (role === undefined) errors.push(required('spec.role'));
  else if (!isTokenRole(role)) errors.push(unsupported('spec.role', role, tokenRoles));

  const serviceAccount = spec['serviceAccountName'];
  if (serviceAccount !== undefined) errors.push(...checkServiceAccount(serviceAccount, namespace));

  const expiration = spec['expirationSeconds'];
  if (expiration !== undefined) errors.push(...checkExpiration(expiration));

  if (errors.length > 0 || !isTokenRole(role)) throw invalidToken(errors);
  const request: TokenRequest = { role };
  if (typeof serviceAccount === 'string') request.serviceAccountName = serviceAccount;
  if (typeof expiration === 'number') request.expirationSeconds = expiration;
  return request;
}

function checkTypeFields(object: Record<string, unknown>): void {
  const apiVersion = object['apiVersion'];
  if (apiVersion !== undefined && apiVersion !== tokenApiVersion) {
    throw badRequest(
      `the API version in the data (${JSON.stringify(apiVersion)}) does not match the expected API version (${tokenApiVersion})`,
    );
  }
  const kind = object['kind'];
  if (kind !== undefined && kind !== 'Token') {
    throw badRequest(
      `the kind in the data (${JSON.stringify(kind)}) does not match the expected kind (Token)`,
    );
  }
}

/** Returns the field paths of the body that a Token does not have. */
function unknownFieldsOf(object: Record<string, unknown>): string[] {
  const unknown: string[] = [];
  for (const [path, allowed] of Object.entries(allowedFields)) {
    const node = path === '' ? object : asRecord(object[path]);
    if (node === undefined) continue;
    for (const key of Object.keys(node)) {
      if (!allowed.includes(key)) unknown.push(path === '' ? key : `${path}.${key}`);
    }
  }
  return unknown;
}

function checkServiceAccount(value: unknown, namespace: string | undefined): FieldError[] {
  const field = 'spec.serviceAccountName';
  if (typeof value !== 'string') return [invalid(field, value, 'must be a string')];
  if (namespace === undefined) {
    return [
      forbiddenField(
        field,
        'a service account belongs to one namespace, so create its token in that namespace',
      ),
    ];
  }
  return checkDns1123Subdomain(value).map((message) => invalid(field, value, message));
}

function checkExpiration(value: unknown): FieldError[] {
  const field = 'spec.expirationSeconds';
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    return [invalid(field, value, 'must be a whole number of seconds')];
  }
  if (value < 1) return [invalid(field, value, 'must be at least 1')];
  if (value > maxExpirationSeconds) {
    return [invalid(field, value, `must be at most ${maxExpirationSeconds} (100 years)`)];
  }
  return [];
}

/** Kubernetes `metav1.CauseType` of the field error types used here. */
const causeTypes: Partial<Record<FieldError['type'], string>> = {
  Invalid: 'FieldValueInvalid',
  Required: 'FieldValueRequired',
  Unsupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
};

/** Returns the 422 Invalid error of a token create request, with one cause per field error. */
function invalidToken(errors: readonly FieldError[]): StatusError {
  const texts = errors.map(formatFieldError);
  let message = `Token.${tokenGroup} "" is invalid`;
  if (texts.length === 1) message += `: ${texts[0]}`;
  if (texts.length > 1) message += `: [${texts.join(', ')}]`;
  const causes = errors.map((error, index) => ({
    reason: causeTypes[error.type] ?? 'FieldValueInvalid',
    message: (texts[index] ?? '').slice(error.field.length + 2),
    field: error.field,
  }));
  return new StatusError(
    failureStatus(422, 'Invalid', message, { name: '', group: tokenGroup, kind: 'Token', causes }),
  );
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}
