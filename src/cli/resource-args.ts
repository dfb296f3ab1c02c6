import type { ResourceInfo } from '../server/kinds.js';
import { findResource, resources } from '../server/kinds.js';
import { CliError } from './errors.js';

/** One object a command line names: `cronjob/hello`, or a type followed by names. */
export interface ResourceTarget {
  info: ResourceInfo;
  name: string;
}

/** Resolves a resource type as kubectl does; throws CliError naming the accepted types. */
export function resolveType(type: string): ResourceInfo {
  const info = findResource(type);
  if (info === undefined) {
    const known = resources.map((resource) => resource.plural).join(', ');
    throw new CliError(
      `the server doesn't have a resource type ${JSON.stringify(type)}; known types: ${known}`,
    );
  }
  return info;
}

/**
 * Reads `TYPE NAME...` or `TYPE/NAME...` arguments. Returns the type and the named objects, which
 * may be empty for `TYPE` alone.
 */
export function parseResourceArgs(args: readonly string[]): {
  info: ResourceInfo;
  targets: ResourceTarget[];
} {
  const [first, ...rest] = args;
  if (first === undefined) {
    throw new CliError(
      'you must specify the type of resource: cronjobs, jobs, pods, configmaps, secrets or events',
    );
  }

  if (!first.includes('/')) {
    const info = resolveType(first);
    return { info, targets: rest.map((name) => ({ info, name: checkName(name) })) };
  }

  const targets = args.map((arg) => parseTypedName(arg));
  const info = targets[0]?.info ?? resolveType(first);
  if (targets.some((target) => target.info !== info)) {
    throw new CliError('all TYPE/NAME arguments of one command must name the same resource type');
  }
  return { info, targets };
}

/** Parses `TYPE/NAME`; throws CliError when either part is missing. */
export function parseTypedName(arg: string): ResourceTarget {
  const slash = arg.indexOf('/');
  if (slash <= 0 || slash === arg.length - 1) {
    throw new CliError(
      `arguments in resource/name form must have a single resource and name: ${JSON.stringify(arg)}`,
    );
  }
  const info = resolveType(arg.slice(0, slash));
  return { info, name: checkName(arg.slice(slash + 1)) };
}

function checkName(name: string): string {
  if (name.includes('/')) {
    throw new CliError(
      `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form: ${JSON.stringify(name)}`,
    );
  }
  return name;
}
