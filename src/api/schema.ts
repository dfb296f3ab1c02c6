/**
 * Structural checking of decoded manifests against a description of the known fields, like the
 * API server's strict decoding. Unknown fields are errors (`strict`), warnings (`warn`) or
 * silently dropped (`ignore`). Values of the wrong type are errors in every mode.
 */
import { childPath, keyPath } from './field-path.js';
import { invalid, unknownField, type FieldError } from './field-error.js';

export type FieldSchema =
  | { kind: 'string' }
  | { kind: 'boolean' }
  | { kind: 'int32' }
  | { kind: 'int64' }
  | { kind: 'number' }
  /** Kubernetes resource.Quantity: a string such as `500m` or `1Gi`, or a number. */
  | { kind: 'quantity' }
  /** Kubernetes IntOrString, used for ports and percentages. */
  | { kind: 'intOrString' }
  /** Any JSON value, for parts cronmesh does not model. */
  | { kind: 'any' }
  /** An object with a fixed set of fields. */
  | { kind: 'struct'; fields: Readonly<Record<string, FieldSchema>> }
  /** An object with free-form keys, such as labels. */
  | { kind: 'map'; values: FieldSchema }
  | { kind: 'list'; items: FieldSchema };

export type UnknownFieldMode = 'strict' | 'warn' | 'ignore';

export interface SchemaCheckResult {
  /** A copy of the input without unknown fields and without fields set to null. */
  value: unknown;
  /** Wrong types, plus unknown fields in `strict` mode. */
  errors: FieldError[];
  /** Unknown fields found in `warn` mode (type `Unknown`). */
  unknownFields: FieldError[];
}

export const str: FieldSchema = { kind: 'string' };
export const bool: FieldSchema = { kind: 'boolean' };
export const int32: FieldSchema = { kind: 'int32' };
export const int64: FieldSchema = { kind: 'int64' };
export const num: FieldSchema = { kind: 'number' };
export const quantity: FieldSchema = { kind: 'quantity' };
export const intOrString: FieldSchema = { kind: 'intOrString' };
export const anyValue: FieldSchema = { kind: 'any' };
export const anyObject: FieldSchema = { kind: 'map', values: anyValue };
export const stringMap: FieldSchema = { kind: 'map', values: str };
export const stringList: FieldSchema = { kind: 'list', items: str };

export function struct(fields: Record<string, FieldSchema>): FieldSchema {
  return { kind: 'struct', fields };
}

export function listOf(items: FieldSchema): FieldSchema {
  return { kind: 'list', items };
}

export function mapOf(values: FieldSchema): FieldSchema {
  return { kind: 'map', values };
}

const int32Range = { min: -2_147_483_648, max: 2_147_483_647 };

/** Kubernetes' resource.Quantity grammar, and its parse error text. */
const quantityPattern = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const quantityError =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/** Checks `value` against `schema`; `path` is the field path of `value` itself. */
export function checkSchema(
  value: unknown,
  schema: FieldSchema,
  mode: UnknownFieldMode,
  path = '',
): SchemaCheckResult {
  const result: SchemaCheckResult = { value: undefined, errors: [], unknownFields: [] };
  result.value = checkValue(value, schema, path, mode, result);
  return result;
}

function checkValue(
  value: unknown,
  schema: FieldSchema,
  path: string,
  mode: UnknownFieldMode,
  result: SchemaCheckResult,
): unknown {
  switch (schema.kind) {
    case 'any':
      return value;
    case 'string':
      return expect(typeof value === 'string', value, path, 'a string', result);
    case 'boolean':
      return expect(typeof value === 'boolean', value, path, 'a boolean', result);
    case 'number':
      return expect(typeof value === 'number', value, path, 'a number', result);
    case 'int32':
    case 'int64':
      return checkInteger(value, schema.kind, path, result);
    case 'intOrString':
      if (typeof value === 'string') return value;
      return expect(Number.isInteger(value), value, path, 'an integer or a string', result);
    case 'quantity':
      return checkQuantity(value, path, result);
    case 'struct':
      return checkStruct(value, schema.fields, path, mode, result);
    case 'map':
      return checkMap(value, schema.values, path, mode, result);
    case 'list':
      return checkList(value, schema.items, path, mode, result);
  }
}

function expect(
  ok: boolean,
  value: unknown,
  path: string,
  expected: string,
  result: SchemaCheckResult,
): unknown {
  if (!ok) result.errors.push(typeError(path, value, expected));
  return value;
}

function checkInteger(
  value: unknown,
  kind: 'int32' | 'int64',
  path: string,
  result: SchemaCheckResult,
): unknown {
  if (typeof value !== 'number') {
    result.errors.push(typeError(path, value, 'an integer'));
  } else if (
    kind === 'int32' &&
    (!Number.isInteger(value) || value < int32Range.min || value > int32Range.max)
  ) {
    result.errors.push(
      invalid(path, value, `must be an integer between ${int32Range.min} and ${int32Range.max}`),
    );
  } else if (kind === 'int64' && !Number.isSafeInteger(value)) {
    result.errors.push(
      invalid(
        path,
        value,
        `must be an integer between ${Number.MIN_SAFE_INTEGER} and ${Number.MAX_SAFE_INTEGER}`,
      ),
    );
  }
  return value;
}

function checkQuantity(value: unknown, path: string, result: SchemaCheckResult): unknown {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') {
    result.errors.push(typeError(path, value, 'a quantity such as "500m" or "1Gi"'));
  } else if (!quantityPattern.test(value.trim())) {
    result.errors.push(invalid(path, value, quantityError));
  }
  return value;
}

function checkStruct(
  value: unknown,
  fields: Readonly<Record<string, FieldSchema>>,
  path: string,
  mode: UnknownFieldMode,
  result: SchemaCheckResult,
): unknown {
  if (!isObject(value)) {
    result.errors.push(typeError(path, value, 'an object'));
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [name, fieldValue] of Object.entries(value)) {
    const fieldPath = childPath(path, name);
    const fieldSchema = Object.hasOwn(fields, name) ? fields[name] : undefined;
    if (!fieldSchema) {
      if (mode === 'strict') result.errors.push(unknownField(fieldPath));
      if (mode === 'warn') result.unknownFields.push(unknownField(fieldPath));
      continue;
    }
    // JSON null means "unset" to the Kubernetes decoder.
    if (fieldValue === null) continue;
    copy[name] = checkValue(fieldValue, fieldSchema, fieldPath, mode, result);
  }
  return copy;
}

function checkMap(
  value: unknown,
  values: FieldSchema,
  path: string,
  mode: UnknownFieldMode,
  result: SchemaCheckResult,
): unknown {
  if (!isObject(value)) {
    result.errors.push(typeError(path, value, 'an object'));
    return value;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    // Go decodes a null map value into the zero value: "" for string maps.
    if (entry === null) {
      copy[key] = values.kind === 'string' ? '' : null;
      continue;
    }
    copy[key] = checkValue(entry, values, keyPath(path, key), mode, result);
  }
  return copy;
}

function checkList(
  value: unknown,
  items: FieldSchema,
  path: string,
  mode: UnknownFieldMode,
  result: SchemaCheckResult,
): unknown {
  if (!Array.isArray(value)) {
    result.errors.push(typeError(path, value, 'a list'));
    return value;
  }
  return value.map((item: unknown, index) =>
    checkValue(item, items, keyPath(path, index), mode, result),
  );
}

function typeError(path: string, value: unknown, expected: string): FieldError {
  const detail = `must be ${expected}, not ${describeType(value)}`;
  // Objects and lists are not echoed back: the path and the detail identify them.
  if (typeof value === 'object' && value !== null) return { type: 'Invalid', field: path, detail };
  return invalid(path, value, detail);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
