import type { AnyResource } from '../../api/types.js';
import { findResource, objectPath, qualifiedSingular } from '../../server/kinds.js';
import type { ResourceInfo } from '../../server/kinds.js';
import { ServerError } from '../client.js';
import type { CommandContext } from '../context.js';
import { CliError, formatError } from '../errors.js';
import { parseResourceArgs } from '../resource-args.js';

export interface DeleteOptions {
  cascade?: string;
  ignoreNotFound?: boolean;
}

/** One object to delete. */
export interface DeleteTarget {
  info: ResourceInfo;
  namespace: string;
  name: string;
}

const cascadePolicies: Record<string, string> = {
  background: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
  // kubectl still accepts the boolean form from before 1.20.
  true: 'Background',
  false: 'Orphan',
};

/** Maps `--cascade` to the API's propagationPolicy; throws CliError for other values. */
export function propagationPolicy(cascade: string | undefined): string {
  const policy = cascadePolicies[cascade ?? 'background'];
  if (policy === undefined) {
    throw new CliError(
      `invalid cascade value (${cascade ?? ''}). Must be "background", "foreground", or "orphan"`,
    );
  }
  return policy;
}

/** Runs `delete TYPE NAME...` or `delete TYPE/NAME...`. Returns the exit code. */
export async function runDelete(
  context: CommandContext,
  args: readonly string[],
  options: DeleteOptions,
): Promise<number> {
  const { targets } = parseResourceArgs(args);
  if (targets.length === 0) {
    throw new CliError('resource(s) were provided, but no name was specified');
  }
  return deleteTargets(
    context,
    targets.map((target) => ({ ...target, namespace: context.namespace })),
    options,
  );
}

/** Returns the objects that `delete -f FILE` deletes: those the manifests describe. */
export function targetsOfManifests(
  resources: readonly AnyResource[],
  namespace: string,
): DeleteTarget[] {
  return resources.map((resource) => {
    const info = findResource(resource.kind);
    if (info === undefined) throw new CliError(`cronmesh does not serve kind ${resource.kind}`);
    return {
      info,
      namespace: resource.metadata.namespace ?? namespace,
      name: resource.metadata.name,
    };
  });
}

/** Deletes each target in turn, printing kubectl's lines; errors do not stop the others. */
export async function deleteTargets(
  context: CommandContext,
  targets: readonly DeleteTarget[],
  options: DeleteOptions,
): Promise<number> {
  const policy = propagationPolicy(options.cascade);
  let exitCode = 0;
  for (const target of targets) {
    const label = `${qualifiedSingular(target.info)} ${JSON.stringify(target.name)}`;
    try {
      await context.client.delete(objectPath(target.info, target.namespace, target.name), {
        propagationPolicy: policy,
      });
      context.out.stdout(`${label} deleted\n`);
    } catch (error) {
      if (
        options.ignoreNotFound === true &&
        error instanceof ServerError &&
        error.code === 'NotFound'
      ) {
        continue;
      }
      context.out.stderr(formatError(error));
      exitCode = 1;
    }
  }
  return exitCode;
}
