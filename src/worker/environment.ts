import type { ConfigMap, Container, EnvVar, Pod, Secret } from '../api/types.js';
import { InvalidProbeError, resolveProbes } from '../runtime/probes/resolve.js';
import type { ResolvedContainer } from '../runtime/types.js';
import { DecryptionError } from '../store/encryption/envelope.js';
import type { Store } from '../store/store.js';
import { containerLimits, InvalidResourcesError } from './pod-resources.js';
import { resourceFieldValue } from './resource-field.js';
import {
  comesFromSecret,
  containerFieldPath,
  findSecretArgument,
  secretArgumentMessage,
} from './secret-references.js';

/**
 * An attempt whose environment cannot be built: a missing ConfigMap, Secret or key that is not
 * optional, or a Secret that cannot be decrypted. Kubernetes reports this as the container
 * waiting reason CreateContainerConfigError. cronmesh also uses it for a command or args entry
 * that would expand a Secret's value.
 */
export class ContainerConfigError extends Error {
  readonly code = 'CreateContainerConfigError';
}

type Lookup = <T extends ConfigMap | Secret>(
  kind: T['kind'],
  name: string,
) => Promise<T | undefined>;

/**
 * Resolves one container of an attempt: `envFrom` first, then `env` in order (later entries
 * win), `valueFrom` references, and `$(VAR)` expansion in env values, command and args.
 * Throws ContainerConfigError when command, args or a probe command reference a variable whose
 * value comes from a Secret. Kubernetes would expand such a reference in command or args into
 * the process's arguments, and into an empty string in a probe command.
 */
export async function resolveContainer(
  pod: Pod,
  container: Container,
  store: Store,
): Promise<ResolvedContainer> {
  const namespace = pod.metadata.namespace ?? 'default';
  const cache = new Map<string, ConfigMap | Secret | undefined>();
  const lookup: Lookup = async (kind, name) => {
    const key = `${kind}/${name}`;
    if (!cache.has(key)) cache.set(key, await findDecrypted(store, kind, namespace, name));
    return cache.get(key) as never;
  };

  const env: Record<string, string> = {};
  // The variables whose current value comes from a Secret, directly or through `$(NAME)`.
  const secretVariables = new Set<string>();
  for (const source of container.envFrom ?? []) {
    Object.assign(env, await resolveEnvFrom(source, lookup, secretVariables));
  }
  for (const variable of container.env ?? []) {
    const fromSecret = comesFromSecret(variable, env, secretVariables);
    const value = await resolveEnvVar(variable, pod, container, lookup, env);
    if (value === undefined) continue;
    env[variable.name] = value;
    if (fromSecret) secretVariables.add(variable.name);
    else secretVariables.delete(variable.name);
  }
  const secretArgument = findSecretArgument(
    container,
    containerFieldPath(pod, container),
    env,
    secretVariables,
  );
  if (secretArgument !== undefined) {
    throw new ContainerConfigError(secretArgumentMessage(secretArgument));
  }

  const resolved: ResolvedContainer = {
    name: container.name,
    command: container.command?.map((part) => expandReferences(part, env)),
    args: (container.args ?? []).map((part) => expandReferences(part, env)),
    env,
  };
  if (container.image !== undefined) resolved.image = container.image;
  if (container.workingDir !== undefined) resolved.workingDir = container.workingDir;
  const secretValues = [...secretVariables].map((name) => env[name] ?? '');
  const probes = resolveContainerProbes(container, secretValues);
  if (probes !== undefined) resolved.probes = probes;
  const limits = resolveContainerLimits(pod, container);
  if (limits !== undefined) resolved.limits = limits;
  return resolved;
}

/** Parses the limits, reporting resources the runtime cannot honour as a configuration error. */
function resolveContainerLimits(pod: Pod, container: Container): ResolvedContainer['limits'] {
  try {
    return containerLimits(pod, container);
  } catch (error) {
    if (!(error instanceof InvalidResourcesError)) throw error;
    throw new ContainerConfigError(error.message);
  }
}

/** Resolves the probes, reporting a probe the runtime cannot run as a configuration error. */
function resolveContainerProbes(
  container: Container,
  secretValues: readonly string[],
): ResolvedContainer['probes'] {
  try {
    return resolveProbes(container, { expand: expandReferences, secretValues });
  } catch (error) {
    if (!(error instanceof InvalidProbeError)) throw error;
    throw new ContainerConfigError(`container ${JSON.stringify(container.name)}: ${error.message}`);
  }
}

/** Reads a ConfigMap or Secret, reporting a Secret that cannot be decrypted as a config error. */
async function findDecrypted(
  store: Store,
  kind: 'ConfigMap' | 'Secret',
  namespace: string,
  name: string,
): Promise<ConfigMap | Secret | undefined> {
  try {
    return await store.find<ConfigMap | Secret>(kind, namespace, name);
  } catch (error) {
    if (error instanceof DecryptionError) throw new ContainerConfigError(error.message);
    throw error;
  }
}

/**
 * Returns the variables of one `envFrom` source, and records in `secretVariables` which of them
 * come from a Secret.
 */
async function resolveEnvFrom(
  source: NonNullable<Container['envFrom']>[number],
  lookup: Lookup,
  secretVariables: Set<string>,
): Promise<Record<string, string>> {
  const prefix = source.prefix ?? '';
  const result: Record<string, string> = {};
  if (source.configMapRef) {
    const configMap = await lookup<ConfigMap>('ConfigMap', source.configMapRef.name);
    if (!configMap) {
      if (source.configMapRef.optional === true) return result;
      throw new ContainerConfigError(`configmap "${source.configMapRef.name}" not found`);
    }
    for (const [key, value] of Object.entries(configMap.data ?? {})) {
      result[prefix + key] = value;
      secretVariables.delete(prefix + key);
    }
  }
  if (source.secretRef) {
    const secret = await lookup<Secret>('Secret', source.secretRef.name);
    if (!secret) {
      if (source.secretRef.optional === true) return result;
      throw new ContainerConfigError(`secret "${source.secretRef.name}" not found`);
    }
    for (const [key, value] of Object.entries(secretValues(secret))) {
      result[prefix + key] = value;
      secretVariables.add(prefix + key);
    }
  }
  return result;
}

async function resolveEnvVar(
  variable: EnvVar,
  pod: Pod,
  container: Container,
  lookup: Lookup,
  env: Record<string, string>,
): Promise<string | undefined> {
  if (variable.value !== undefined) return expandReferences(variable.value, env);
  const from = variable.valueFrom;
  if (!from) return '';
  if (from.configMapKeyRef) {
    const ref = from.configMapKeyRef;
    const configMap = await lookup<ConfigMap>('ConfigMap', ref.name);
    const value = configMap?.data?.[ref.key];
    if (value !== undefined) return value;
    if (ref.optional === true) return undefined;
    throw new ContainerConfigError(
      configMap
        ? `couldn't find key ${ref.key} in ConfigMap ${pod.metadata.namespace ?? 'default'}/${ref.name}`
        : `configmap "${ref.name}" not found`,
    );
  }
  if (from.secretKeyRef) {
    const ref = from.secretKeyRef;
    const secret = await lookup<Secret>('Secret', ref.name);
    const value = secret ? secretValues(secret)[ref.key] : undefined;
    if (value !== undefined) return value;
    if (ref.optional === true) return undefined;
    throw new ContainerConfigError(
      secret
        ? `couldn't find key ${ref.key} in Secret ${pod.metadata.namespace ?? 'default'}/${ref.name}`
        : `secret "${ref.name}" not found`,
    );
  }
  if (from.fieldRef) return fieldValue(pod, from.fieldRef.fieldPath);
  if (from.resourceFieldRef) {
    const value = resourceFieldValue(pod, container, from.resourceFieldRef);
    if (value !== undefined) return value;
    throw new ContainerConfigError(
      `env "${variable.name}": cannot resolve resourceFieldRef ${JSON.stringify(from.resourceFieldRef.resource)}`,
    );
  }
  return '';
}

/** Returns the downward-API value of `fieldPath` for the attempt. */
function fieldValue(pod: Pod, fieldPath: string): string {
  const labelMatch = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelMatch) {
    const map = labelMatch[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations;
    return map?.[labelMatch[2] ?? ''] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.status?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.hostIP':
      return '127.0.0.1';
    default:
      throw new ContainerConfigError(`unsupported fieldRef.fieldPath "${fieldPath}"`);
  }
}

/** Decodes a Secret's base64 `data` and merges `stringData` over it. */
function secretValues(secret: Secret): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    values[key] = Buffer.from(value, 'base64').toString('utf8');
  }
  return Object.assign(values, secret.stringData ?? {});
}

/**
 * Expands `$(NAME)` with variables defined so far, as Kubernetes does: `$$(NAME)` escapes to a
 * literal `$(NAME)`, and a reference to an undefined variable is left as written.
 */
export function expandReferences(text: string, env: Record<string, string>): string {
  return text.replace(
    /\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g,
    (match, name: string | undefined) => {
      if (match === '$$') return '$';
      return name !== undefined && Object.hasOwn(env, name) ? (env[name] as string) : match;
    },
  );
}
