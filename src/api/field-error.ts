/**
 * Field-level validation errors in the shape of Kubernetes' `field.Error`, with the same
 * rendering: `<field path>: <type text>[: <value>][: <detail>]`.
 */

export type FieldErrorType =
  | 'Invalid'
  | 'Required'
  | 'Unsupported'
  | 'Forbidden'
  | 'TooLong'
  | 'TooMany'
  | 'Unknown'
  | 'Duplicate'
  | 'NotFound';

export interface FieldError {
  type: FieldErrorType;
  /** Kubernetes field path, e.g. `spec.jobTemplate.spec.template.spec.containers[0].image`. */
  field: string;
  /** Offending value. When the property is absent the message shows no value. */
  value?: unknown;
  detail: string;
  /** Manifest file the value came from, when known. */
  file?: string;
  /** 1-based line of the field in `file`, when known. */
  line?: number;
}

/** A non-fatal message about a resource, like the `Warning:` lines kubectl prints. */
export interface ApiWarning {
  message: string;
  field?: string;
  file?: string;
  line?: number;
}

const typeTexts: Record<Exclude<FieldErrorType, 'Unknown'>, string> = {
  Invalid: 'Invalid value',
  Required: 'Required value',
  Unsupported: 'Unsupported value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  Duplicate: 'Duplicate value',
  NotFound: 'Not found',
};

// Kubernetes never prints the value for these types, whatever the error carries.
const valueless = new Set<FieldErrorType>(['Required', 'Forbidden', 'TooLong']);

export function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'Invalid', field, value, detail };
}

/** Invalid value whose message shows no value, like Kubernetes' `field.OmitValueType`. */
export function invalidOmitValue(field: string, detail: string): FieldError {
  return { type: 'Invalid', field, detail };
}

export function required(field: string, detail = ''): FieldError {
  return { type: 'Required', field, detail };
}

export function unsupported(
  field: string,
  value: unknown,
  supported: readonly string[],
): FieldError {
  const quoted = supported.map((item) => JSON.stringify(item)).join(', ');
  return { type: 'Unsupported', field, value, detail: `supported values: ${quoted}` };
}

export function forbidden(field: string, detail: string): FieldError {
  return { type: 'Forbidden', field, detail };
}

export function tooLong(field: string, maxBytes: number): FieldError {
  return { type: 'TooLong', field, detail: `may not be more than ${maxBytes} bytes` };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'TooMany', field, value: actual, detail: `must have at most ${max} items` };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { type: 'Duplicate', field, value, detail: '' };
}

export function notFound(field: string, value: unknown): FieldError {
  return { type: 'NotFound', field, value, detail: '' };
}

export function unknownField(field: string): FieldError {
  return { type: 'Unknown', field, detail: '' };
}

/** Renders a value as Kubernetes does: strings quoted, numbers and booleans bare. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Renders ` (file hello.yaml, line 7)`, or an empty string when nothing is known. */
export function formatLocation(file: string | undefined, line: number | undefined): string {
  const parts: string[] = [];
  if (file !== undefined) parts.push(`file ${file}`);
  if (line !== undefined) parts.push(`line ${line}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/**
 * Renders one error as the API server does, e.g. `spec.schedule: Invalid value: "* * *": expected
 * exactly 5 fields, found 3: [* * *]`. Unknown fields use the strict-decoding text
 * `unknown field "spec.foo"`. The location is not included.
 */
export function formatFieldError(error: FieldError): string {
  if (error.type === 'Unknown') return `unknown field ${JSON.stringify(error.field)}`;

  let body = typeTexts[error.type];
  if (!valueless.has(error.type) && 'value' in error) {
    body += `: ${formatValue(error.value)}`;
  }
  if (error.detail !== '') body += `: ${error.detail}`;
  return `${error.field}: ${body}`;
}

export function formatWarning(warning: ApiWarning): string {
  return warning.message + formatLocation(warning.file, warning.line);
}
