import { DecodeError, NoKindMatchError, ValidationError } from '../api/errors.js';
import type { FieldError, FieldErrorType } from '../api/field-error.js';
import { formatFieldError, formatWarning } from '../api/field-error.js';
import type { FieldSchema } from '../api/index.js';
import {
  checkResource,
  checkSchema,
  collectWarnings,
  eventSchema,
  podSchema,
  statusSchemas,
} from '../api/index.js';
import type { AnyResource } from '../api/types.js';
import type { ResourceInfo } from './kinds.js';
import type { StatusCause, StatusError } from './status.js';
import { badRequest, invalid } from './status.js';

/** Kubernetes `metav1.CauseType` for each field error type. */
const causeTypes: Record<FieldErrorType, string> = {
  Invalid: 'FieldValueInvalid',
  Required: 'FieldValueRequired',
  Unsupported: 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden',
  TooLong: 'FieldValueTooLong',
  TooMany: 'FieldValueTooMany',
  Duplicate: 'FieldValueDuplicate',
  NotFound: 'FieldValueNotFound',
  // Kubernetes reports unknown fields through strict decoding, not as field causes. Alone they
  // become a BadRequest (see checkFields), and next to other errors they are Invalid causes.
  Unknown: 'FieldValueInvalid',
};

/** The treatment of unknown fields, set by the Kubernetes `fieldValidation` query parameter. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Parses `fieldValidation`; Kubernetes' default is `Warn`. Throws BadRequest for other values. */
export function parseFieldValidation(value: string | undefined): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(
    `fieldValidation: Unsupported value: ${JSON.stringify(value)}: supported values: "Ignore", "Warn", "Strict"`,
  );
}

/** Converts field errors to the Kubernetes Invalid (422) Status error. */
export function invalidFromFieldErrors(
  info: ResourceInfo,
  name: string,
  errors: readonly FieldError[],
): StatusError {
  return invalid(info, name, errors.map(toCause));
}

function toCause(error: FieldError): StatusCause {
  const text = formatFieldError(error);
  const prefix = `${error.field}: `;
  const message = text.startsWith(prefix) ? text.slice(prefix.length) : text;
  return { reason: causeTypes[error.type], message, field: error.field };
}

/** Throws a ValidationError from the api layer as the Invalid Status error; rethrows others. */
export function rethrowValidation(error: unknown, info: ResourceInfo, name: string): never {
  if (error instanceof ValidationError) {
    throw invalidFromFieldErrors(info, error.resourceName || name, error.errors);
  }
  throw error;
}

const unknownFieldModes = { Strict: 'strict', Warn: 'warn', Ignore: 'ignore' } as const;

/**
 * Checks field names and types of a request body against the api schema. Unknown fields are
 * dropped; `Strict` rejects them with 400, as Kubernetes' strict decoding does, and `Warn`
 * returns them as warnings. Wrong types get 422 Invalid.
 */
export function checkFields(
  info: ResourceInfo,
  object: AnyResource,
  mode: FieldValidation,
): { resource: AnyResource; warnings: string[] } {
  if (info.kind === 'Pod' || info.kind === 'Event') {
    const schema = info.kind === 'Pod' ? podSchema : eventSchema;
    const checked = checkAgainstSchema(info, object, '', object, schema, mode);
    return { resource: checked.value as AnyResource, warnings: checked.warnings };
  }

  try {
    const checked = checkResource(
      object as unknown as Record<string, unknown>,
      unknownFieldModes[mode],
    );
    const warnings = [...checked.warnings, ...collectWarnings(checked.resource)];
    return { resource: checked.resource, warnings: warnings.map(formatWarning) };
  } catch (error) {
    if (error instanceof ValidationError && error.errors.every((item) => item.type === 'Unknown')) {
      const fields = error.errors.map((item) => formatFieldError(item));
      throw badRequest(`strict decoding error: ${fields.join(', ')}`);
    }
    if (error instanceof NoKindMatchError || error instanceof DecodeError) {
      throw badRequest(error.message);
    }
    rethrowValidation(error, info, object.metadata.name ?? '');
  }
}

/**
 * Checks the `status` of a write to the `/status` subresource like `checkFields` checks a whole
 * object, and returns `object` with the checked status.
 */
export function checkStatusFields(
  info: ResourceInfo,
  object: AnyResource,
  mode: FieldValidation,
): { resource: AnyResource; warnings: string[] } {
  const { status, ...rest } = object as AnyResource & { status?: unknown };
  // JSON null means "unset", as in checkSchema.
  if (status === undefined || status === null) return { resource: rest, warnings: [] };
  if (info.kind !== 'CronJob' && info.kind !== 'Job' && info.kind !== 'Pod') {
    throw new Error(`kind ${info.kind} has no status subresource`);
  }
  const checked = checkAgainstSchema(
    info,
    object,
    'status',
    status,
    statusSchemas[info.kind],
    mode,
  );
  return {
    resource: { ...object, status: checked.value } as AnyResource,
    warnings: checked.warnings,
  };
}

/** Checks `value`, found at field path `path` of `object`, with the error rules of checkFields. */
function checkAgainstSchema(
  info: ResourceInfo,
  object: AnyResource,
  path: string,
  value: unknown,
  schema: FieldSchema,
  mode: FieldValidation,
): { value: unknown; warnings: string[] } {
  const checked = checkSchema(value, schema, unknownFieldModes[mode], path);
  const errors = checked.errors;
  if (errors.length > 0 && errors.every((error) => error.type === 'Unknown')) {
    const fields = errors.map((error) => formatFieldError(error));
    throw badRequest(`strict decoding error: ${fields.join(', ')}`);
  }
  if (errors.length > 0) throw invalidFromFieldErrors(info, object.metadata.name ?? '', errors);
  const warnings = checked.unknownFields.map((error) => formatFieldError(error));
  return { value: checked.value, warnings };
}
