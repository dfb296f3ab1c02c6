import { InvalidAttemptSpecError } from './errors.js';
import type { AttemptSpec, ResolvedContainer } from './types.js';

/**
 * Throws InvalidAttemptSpecError for the first field that the executor cannot run.
 * The api layer has validated the manifest already. This check guards the executor against
 * mistakes in building the spec, such as strings that `spawn` would reject (NUL bytes).
 */
export function validateAttemptSpec(spec: AttemptSpec): void {
  if (!Array.isArray(spec.initContainers)) {
    throw new InvalidAttemptSpecError('initContainers', spec.initContainers, 'an array');
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) {
    throw new InvalidAttemptSpecError(
      'containers',
      spec.containers,
      'an array with at least one container',
    );
  }
  if (spec.restartPolicy !== 'OnFailure' && spec.restartPolicy !== 'Never') {
    throw new InvalidAttemptSpecError(
      'restartPolicy',
      spec.restartPolicy,
      '"OnFailure" or "Never"',
    );
  }

  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && !isNonNegativeInteger(grace)) {
    throw new InvalidAttemptSpecError(
      'terminationGracePeriodSeconds',
      grace,
      'an integer number of seconds >= 0',
    );
  }
  if (!isNonNegativeInteger(spec.logCapBytes)) {
    throw new InvalidAttemptSpecError('logCapBytes', spec.logCapBytes, 'an integer >= 0');
  }

  // Hooks and results identify containers by name, so names must be unique across both lists.
  const seen = new Set<string>();
  const groups: Array<[string, ResolvedContainer[]]> = [
    ['initContainers', spec.initContainers],
    ['containers', spec.containers],
  ];
  for (const [listName, list] of groups) {
    list.forEach((container, index) => {
      const path = `${listName}[${index}]`;
      validateContainer(container, path);
      if (seen.has(container.name)) {
        throw new InvalidAttemptSpecError(
          `${path}.name`,
          container.name,
          'a unique container name',
        );
      }
      seen.add(container.name);
    });
  }
}

function validateContainer(container: ResolvedContainer, path: string): void {
  if (typeof container.name !== 'string' || container.name === '') {
    throw new InvalidAttemptSpecError(`${path}.name`, container.name, 'a non-empty string');
  }
  if (container.command !== undefined) {
    validateStringList(container.command, `${path}.command`);
  }
  validateStringList(container.args, `${path}.args`);

  if (typeof container.env !== 'object' || container.env === null) {
    throw new InvalidAttemptSpecError(`${path}.env`, container.env, 'an object of strings');
  }
  for (const [name, value] of Object.entries(container.env)) {
    if (name === '' || name.includes('=') || name.includes('\0')) {
      throw new InvalidAttemptSpecError(
        `${path}.env`,
        name,
        'variable names that are non-empty and contain no "=" or NUL byte',
      );
    }
    validatePlainString(value, `${path}.env.${name}`);
  }

  if (container.workingDir !== undefined) {
    validatePlainString(container.workingDir, `${path}.workingDir`);
    if (container.workingDir === '') {
      throw new InvalidAttemptSpecError(
        `${path}.workingDir`,
        container.workingDir,
        'a directory path, or no workingDir',
      );
    }
  }
}

function validateStringList(list: unknown, path: string): void {
  if (!Array.isArray(list)) {
    throw new InvalidAttemptSpecError(path, list, 'an array of strings');
  }
  list.forEach((item: unknown, index) => validatePlainString(item, `${path}[${index}]`));
}

function validatePlainString(value: unknown, path: string): void {
  if (typeof value !== 'string' || value.includes('\0')) {
    throw new InvalidAttemptSpecError(path, value, 'a string without NUL bytes');
  }
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
