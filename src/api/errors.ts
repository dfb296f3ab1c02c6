/**
 * Error classes of the api layer. Each has a stable `code` that callers and the HTTP API can
 * switch on. The message is meant for people and follows kubectl's wording.
 */
import { formatFieldError, formatLocation, type FieldError } from './field-error.js';

export abstract class ApiError extends Error {
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * One resource failed validation. The message reads like kubectl's:
 * `The CronJob "hello" is invalid: spec.schedule: Invalid value: "* * *": ... (file hello.yaml, line 7)`,
 * with one `* ` line per error when there are several.
 */
export class ValidationError extends ApiError {
  readonly code = 'Invalid';

  constructor(
    readonly kind: string,
    readonly resourceName: string,
    readonly errors: readonly FieldError[],
  ) {
    super(formatInvalid(kind, resourceName, errors));
  }
}

function formatInvalid(kind: string, name: string, errors: readonly FieldError[]): string {
  const header = `The ${kind} ${JSON.stringify(name)} is invalid:`;
  const lines = errors.map(
    (error) => formatFieldError(error) + formatLocation(error.file, error.line),
  );
  if (lines.length === 1) return `${header} ${lines[0] ?? ''}`;
  return [header, ...lines.map((line) => `* ${line}`)].join('\n');
}

/** A manifest is not well-formed YAML or JSON, or a document is not a resource object. */
export class DecodeError extends ApiError {
  readonly code = 'DecodeFailed';

  constructor(
    readonly file: string,
    readonly detail: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(`error parsing ${file}: ${formatPosition(line, column)}${detail}`);
  }
}

function formatPosition(line: number | undefined, column: number | undefined): string {
  if (line === undefined) return '';
  if (column === undefined) return `line ${line}: `;
  return `line ${line}, column ${column}: `;
}

/** The apiVersion/kind pair of a manifest is not served by cronmesh. */
export class NoKindMatchError extends ApiError {
  readonly code = 'NoKindMatch';

  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    /** Advice on the valid form, e.g. `use apiVersion batch/v1`. */
    readonly hint: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(
      `no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}: ${hint}` +
        formatLocation(file, line),
    );
  }
}

export type ManifestProblem = ValidationError | DecodeError | NoKindMatchError;

/** Every problem found in a manifest file; the message lists them one per line. */
export class ManifestError extends ApiError {
  readonly code = 'InvalidManifest';

  constructor(
    readonly file: string,
    readonly problems: readonly ManifestProblem[],
  ) {
    super(problems.map((problem) => problem.message).join('\n'));
  }
}

/** A label selector string such as `app=web,tier in (a,b)` cannot be parsed. */
export class SelectorError extends ApiError {
  readonly code = 'InvalidSelector';

  constructor(
    readonly selector: string,
    readonly detail: string,
  ) {
    super(`invalid label selector ${JSON.stringify(selector)}: ${detail}`);
  }
}
