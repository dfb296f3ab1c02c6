/**
 * Top-level helpers for the CLI and the HTTP server: manifest files to validated resources, and
 * resources to objects ready to store.
 */
import { randomUUID } from 'node:crypto';
import { decodeManifests, type DecodedDocument } from './decode.js';
import { applyDefaults } from './defaults.js';
import {
  DecodeError,
  ManifestError,
  NoKindMatchError,
  ValidationError,
  type ManifestProblem,
} from './errors.js';
import type { ApiWarning, FieldError } from './field-error.js';
import { generateJobSelector } from './job-selector.js';
import { describeKindMismatch, findServedKind } from './kinds.js';
import { checkSchema, type UnknownFieldMode } from './schema.js';
import { collectWarnings, validateResource, type Operation } from './validate.js';
import { redactedSecretValue } from './validate-config.js';
import type { AnyResource, Job } from './types.js';

export interface ParseOptions {
  /** Handling of fields the schema does not know, as kubectl's `--validate`. Default `strict`. */
  validate?: UnknownFieldMode;
  /** Rule set to apply, default `create`. The server validates again against the stored object. */
  operation?: Operation;
}

/** Origin of a parsed resource in its manifest file. */
export interface ManifestSource {
  file: string;
  /** 1-based line where the resource's document starts. */
  line: number;
  /** Returns the line of a field path, or of its closest ancestor present in the document. */
  lineOf(path: string): number;
}

export interface ParsedManifests {
  resources: AnyResource[];
  /** `sources[i]` is where `resources[i]` came from. */
  sources: ManifestSource[];
  warnings: ApiWarning[];
}

export interface ResourceCheck {
  resource: AnyResource;
  /** Unknown fields in `warn` mode. */
  warnings: ApiWarning[];
}

interface FieldCheck extends ResourceCheck {
  /** Wrong types, plus unknown fields in `strict` mode, located in the manifest. */
  errors: FieldError[];
}

/**
 * Routes a decoded object to its kind and checks its fields against the schema. Returns the
 * resource without unknown fields. Throws NoKindMatchError for an unserved apiVersion/kind,
 * ValidationError for wrong types (and unknown fields in `strict` mode), and DecodeError when
 * apiVersion or kind is missing.
 */
export function checkResource(
  object: Record<string, unknown>,
  mode: UnknownFieldMode = 'strict',
  source?: ManifestSource,
): ResourceCheck {
  const { resource, errors, warnings } = checkFields(object, mode, source);
  if (errors.length > 0) throw new ValidationError(resource.kind, resourceName(resource), errors);
  return { resource, warnings };
}

function checkFields(
  object: Record<string, unknown>,
  mode: UnknownFieldMode,
  source: ManifestSource | undefined,
): FieldCheck {
  const { apiVersion, kind } = object;
  const hasApiVersion = typeof apiVersion === 'string' && apiVersion !== '';
  const hasKind = typeof kind === 'string' && kind !== '';
  if (!hasApiVersion || !hasKind) {
    const missing = [
      ...(hasApiVersion ? [] : ['apiVersion not set']),
      ...(hasKind ? [] : ['kind not set']),
    ];
    throw new DecodeError(source?.file ?? '<input>', missing.join(', '), source?.line);
  }

  const served = findServedKind(apiVersion, kind);
  if (!served) {
    throw new NoKindMatchError(
      apiVersion,
      kind,
      describeKindMismatch(apiVersion, kind),
      source?.file,
      source?.line,
    );
  }

  const checked = checkSchema(object, served.schema, mode);
  if (served.kind === 'Secret') checked.errors = checked.errors.map(redactSecretValue);
  const warnings = locate(checked.unknownFields, source).map((error) => ({
    message: `unknown field ${JSON.stringify(error.field)}`,
    field: error.field,
    ...(error.file !== undefined ? { file: error.file } : {}),
    ...(error.line !== undefined ? { line: error.line } : {}),
  }));
  return {
    resource: checked.value as AnyResource,
    errors: locate(checked.errors, source),
    warnings,
  };
}

/** Replaces the value of an error on a Secret's `data` or `stringData`, which may be a password. */
function redactSecretValue(error: FieldError): FieldError {
  if (!('value' in error) || !/^(data|stringData)(\[|$)/.test(error.field)) return error;
  return { ...error, value: redactedSecretValue };
}

/**
 * Decodes, checks and validates every document of a manifest file. Returns the resources as
 * written (without defaults and without unknown fields) and all warnings. Throws ManifestError
 * listing the problems of every document when any document is invalid.
 */
export function parseManifests(
  text: string,
  file: string,
  options: ParseOptions = {},
): ParsedManifests {
  const mode = options.validate ?? 'strict';
  const operation = options.operation ?? 'create';
  const decoded = decodeManifests(text, file);
  const problems: ManifestProblem[] = [...decoded.errors];
  const result: ParsedManifests = { resources: [], sources: [], warnings: [] };

  for (const document of decoded.documents) {
    const source = toSource(document);
    try {
      const { resource, errors, warnings } = checkFields(document.object, mode, source);
      // Semantic rules assume correct types, but unknown fields do not get in their way, so
      // a manifest with a typo also gets its other errors reported.
      if (errors.every((error) => error.type === 'Unknown')) {
        errors.push(...locate(validateResource(resource, { operation }), source));
      }
      if (errors.length > 0) {
        throw new ValidationError(resource.kind, resourceName(resource), errors);
      }
      result.resources.push(resource);
      result.sources.push(source);
      result.warnings.push(...warnings, ...locateWarnings(collectWarnings(resource), source));
    } catch (error) {
      if (
        error instanceof ValidationError ||
        error instanceof NoKindMatchError ||
        error instanceof DecodeError
      ) {
        problems.push(error);
        continue;
      }
      throw error;
    }
  }

  // Decode errors were added first, so sort to report everything in file order.
  problems.sort((left, right) => problemLine(left) - problemLine(right));
  if (problems.length > 0) throw new ManifestError(file, problems);
  return result;
}

export interface PrepareOptions {
  /** uid for a Job's generated selector when `metadata.uid` is unset; default a random UUID. */
  uid?: string;
}

/**
 * Returns the object to store for a create: defaulted, without status, and for Jobs without a
 * manual selector with `metadata.uid` set and the selector generated. Throws ValidationError.
 */
export function prepareForCreate<T extends AnyResource>(
  resource: T,
  options: PrepareOptions = {},
): T {
  let prepared = applyDefaults(resource);
  if ('status' in prepared) delete prepared.status;
  if (prepared.kind === 'Job' && prepared.spec.manualSelector !== true) {
    const uid = prepared.metadata.uid ?? options.uid ?? randomUUID();
    const withSelector: Job = generateJobSelector(prepared, uid);
    withSelector.metadata.uid = uid;
    prepared = withSelector as T;
  }
  throwIfInvalid(prepared, validateResource(prepared, { operation: 'create' }));
  return prepared;
}

/**
 * Returns the object to store for an update of `old`: defaulted, with the stored status and uid
 * kept, and a Job's generated selector and labels carried over. Throws ValidationError.
 */
export function prepareForUpdate<T extends AnyResource>(resource: T, old: T): T {
  let prepared = applyDefaults(resource);
  prepared.metadata.uid ??= old.metadata.uid;
  prepared.metadata.creationTimestamp ??= old.metadata.creationTimestamp;
  if ('status' in old && old.status !== undefined) {
    (prepared as { status?: unknown }).status = structuredClone(old.status);
  } else if ('status' in prepared) {
    delete prepared.status;
  }
  const uid = prepared.metadata.uid;
  if (prepared.kind === 'Job' && prepared.spec.manualSelector !== true && uid !== undefined) {
    prepared = generateJobSelector(prepared, uid) as T;
  }
  throwIfInvalid(prepared, validateResource(prepared, { operation: 'update', old }));
  return prepared;
}

function throwIfInvalid(resource: AnyResource, errors: FieldError[]): void {
  if (errors.length > 0) throw new ValidationError(resource.kind, resourceName(resource), errors);
}

/** Adds the file and line of each error's field, when the resource came from a manifest. */
export function locate(
  errors: readonly FieldError[],
  source: ManifestSource | undefined,
): FieldError[] {
  if (!source) return [...errors];
  return errors.map((error) => ({ ...error, file: source.file, line: source.lineOf(error.field) }));
}

function locateWarnings(warnings: readonly ApiWarning[], source: ManifestSource): ApiWarning[] {
  return warnings.map((warning) => ({
    ...warning,
    file: source.file,
    line: warning.field !== undefined ? source.lineOf(warning.field) : source.line,
  }));
}

function toSource(document: DecodedDocument): ManifestSource {
  return { file: document.file, line: document.line, lineOf: (path) => document.lineOf(path) };
}

function resourceName(resource: AnyResource): string {
  const metadata = resource.metadata as Partial<AnyResource['metadata']> | undefined;
  return metadata?.name ?? '';
}

function problemLine(problem: ManifestProblem): number {
  if (problem instanceof ValidationError) return problem.errors[0]?.line ?? 0;
  return problem.line ?? 0;
}
