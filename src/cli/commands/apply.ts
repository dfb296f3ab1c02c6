import { applyDefaults, parseManifests } from '../../api/index.js';
import type { ManifestSource as ResourceOrigin } from '../../api/index.js';
import { formatWarning } from '../../api/field-error.js';
import type { AnyResource } from '../../api/types.js';
import { collectionPath, findResource, objectPath, qualifiedSingular } from '../../server/kinds.js';
import { canonicalJson } from '../../store/metadata.js';
import { mergeForApply, withLastApplied } from '../apply-merge.js';
import { ServerError } from '../client.js';
import type { CommandContext, Output } from '../context.js';
import { CliError, formatError } from '../errors.js';
import type { ManifestSource } from '../manifest-files.js';

export type ValidateMode = 'strict' | 'warn' | 'ignore';

const validateModes: Record<string, ValidateMode> = {
  strict: 'strict',
  warn: 'warn',
  ignore: 'ignore',
  // kubectl's older boolean spellings.
  true: 'strict',
  false: 'ignore',
};

/** Parses `--validate`. Throws CliError for other values. */
export function parseValidateMode(value: string | undefined): ValidateMode {
  const mode = validateModes[value ?? 'strict'];
  if (mode === undefined) {
    throw new CliError(
      `invalid --validate value ${JSON.stringify(value)}: use strict, warn or ignore`,
    );
  }
  return mode;
}

/** The resources of manifest files; `origins[i]` is the file and line `resources[i]` came from. */
export interface ParsedSources {
  resources: AnyResource[];
  origins: ResourceOrigin[];
}

/**
 * Decodes and checks every manifest before anything is sent, so one bad file changes nothing.
 * Warnings go to stderr as `Warning: ...`. Returns undefined after printing the errors.
 */
export function parseSources(
  out: Output,
  sources: readonly ManifestSource[],
  validate: ValidateMode,
): ParsedSources | undefined {
  const result: ParsedSources = { resources: [], origins: [] };
  let failed = false;
  for (const source of sources) {
    try {
      const parsed = parseManifests(source.text, source.file, { validate });
      for (const warning of parsed.warnings) {
        out.stderr(`Warning: ${formatWarning(warning)}\n`);
      }
      result.resources.push(...parsed.resources);
      result.origins.push(...parsed.sources);
    } catch (error) {
      out.stderr(formatError(error));
      failed = true;
    }
  }
  return failed ? undefined : result;
}

/** Runs `apply -f ...`: creates each object, or updates it when it exists. Returns the exit code. */
export async function runApply(
  context: CommandContext,
  sources: readonly ManifestSource[],
  validate: ValidateMode,
): Promise<number> {
  const parsed = parseSources(context.out, sources, validate);
  if (parsed === undefined) {
    // One bad manifest stops the whole apply, so the valid ones were not applied either.
    context.out.stderr('error: no objects were applied\n');
    return 1;
  }
  if (parsed.resources.length === 0) throw new CliError('no objects passed to apply');
  return applyResources(context, parsed);
}

/**
 * Applies each resource in order and prints kubectl's result lines. An error is printed, naming
 * the manifest file and line, and the remaining resources are still applied.
 */
export async function applyResources(
  context: CommandContext,
  { resources, origins }: ParsedSources,
): Promise<number> {
  let exitCode = 0;
  for (const [index, resource] of resources.entries()) {
    try {
      const { label, result } = await applyOne(context, resource);
      context.out.stdout(`${label} ${result}\n`);
    } catch (error) {
      context.out.stderr(formatError(error, origins[index]));
      exitCode = 1;
    }
  }
  return exitCode;
}

async function applyOne(
  context: CommandContext,
  resource: AnyResource,
): Promise<{ label: string; result: 'created' | 'configured' | 'unchanged' }> {
  const info = findResource(resource.kind);
  if (info === undefined) throw new CliError(`cronmesh does not serve kind ${resource.kind}`);
  const name = resource.metadata.name;
  const label = `${qualifiedSingular(info)}/${name}`;

  const manifest = structuredClone(resource);
  delete (manifest as { status?: unknown }).status;
  const namespace = manifest.metadata.namespace ?? context.namespace;
  if (context.namespaceFromFlag && namespace !== context.namespace) {
    throw new CliError(
      `the namespace from the provided object ${JSON.stringify(namespace)} does not match the namespace ${JSON.stringify(context.namespace)}. You must pass '--namespace=${namespace}' to perform this operation.`,
    );
  }
  manifest.metadata.namespace = namespace;
  const annotated = withLastApplied(manifest);

  const path = objectPath(info, namespace, name);
  let live: AnyResource;
  try {
    live = await context.client.get<AnyResource>(path);
  } catch (error) {
    if (!(error instanceof ServerError && error.code === 'NotFound')) throw error;
    await context.client.post(collectionPath(info, namespace), annotated);
    return { label, result: 'created' };
  }

  const desired = applyDefaults(mergeForApply(live, annotated));
  if (canonicalJson(desired) === canonicalJson(live)) return { label, result: 'unchanged' };
  desired.metadata.resourceVersion = live.metadata.resourceVersion;
  await context.client.put(path, desired);
  return { label, result: 'configured' };
}
