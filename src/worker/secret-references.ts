import type { Container, EnvVar, Pod } from '../api/types.js';

const referencePattern = /\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g;

/**
 * Returns the names of the variables whose values `$(NAME)` expansion would put into `text`:
 * references to defined variables, without those escaped as `$$(NAME)`.
 */
export function referencedVariables(text: string, env: Record<string, string>): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(referencePattern)) {
    const name = match[1];
    if (name !== undefined && Object.hasOwn(env, name)) names.push(name);
  }
  return names;
}

/**
 * Returns whether the value `variable` gets comes from a Secret: from a `secretKeyRef`, or by
 * expanding a variable in `secretVariables`. Call it before `env` contains the new value, because
 * `$(NAME)` in a value refers to the variables defined before it.
 */
export function comesFromSecret(
  variable: EnvVar,
  env: Record<string, string>,
  secretVariables: ReadonlySet<string>,
): boolean {
  if (variable.valueFrom?.secretKeyRef !== undefined) return true;
  if (variable.value === undefined) return false;
  return referencedVariables(variable.value, env).some((name) => secretVariables.has(name));
}

/** Returns the field path of a container in the pod spec, such as `spec.initContainers[0]`. */
export function containerFieldPath(pod: Pod, container: Container): string {
  const init = (pod.spec.initContainers ?? []).findIndex((item) => item.name === container.name);
  if (init !== -1) return `spec.initContainers[${init}]`;
  const index = pod.spec.containers.findIndex((item) => item.name === container.name);
  return `spec.containers[${index === -1 ? 0 : index}]`;
}

/** The first command or args entry that would expand a Secret's value, and the variable. */
export interface SecretArgument {
  field: string;
  variable: string;
}

/**
 * Finds the first entry of `command`, `args` or a probe's `exec.command` that references a
 * variable in `secretVariables`. Such values must not reach a process's arguments, because
 * every local user can read those in the process list (`/proc/PID/cmdline`), unlike its
 * environment.
 */
export function findSecretArgument(
  container: Container,
  fieldPath: string,
  env: Record<string, string>,
  secretVariables: ReadonlySet<string>,
): SecretArgument | undefined {
  const lists: Array<[string, unknown]> = [
    ['command', container.command],
    ['args', container.args],
    ['startupProbe.exec.command', execCommandOf(container.startupProbe)],
    ['livenessProbe.exec.command', execCommandOf(container.livenessProbe)],
    ['readinessProbe.exec.command', execCommandOf(container.readinessProbe)],
  ];
  for (const [name, list] of lists) {
    if (!Array.isArray(list)) continue;
    for (const [index, part] of list.entries()) {
      if (typeof part !== 'string') continue;
      const variable = referencedVariables(part, env).find((item) => secretVariables.has(item));
      if (variable !== undefined) return { field: `${fieldPath}.${name}[${index}]`, variable };
    }
  }
  return undefined;
}

function execCommandOf(probe: unknown): unknown {
  if (typeof probe !== 'object' || probe === null) return undefined;
  const exec = (probe as { exec?: unknown }).exec;
  if (typeof exec !== 'object' || exec === null) return undefined;
  return (exec as { command?: unknown }).command;
}

/** Returns the message of an attempt that would put a Secret's value into its arguments. */
export function secretArgumentMessage(found: SecretArgument): string {
  return (
    `${found.field} references $(${found.variable}), whose value comes from a Secret. cronmesh ` +
    'does not put Secret values into command or args, because every local user can read them ' +
    'in the process list. Read the variable from the environment instead, such as ' +
    `"$${found.variable}" in a shell script`
  );
}
