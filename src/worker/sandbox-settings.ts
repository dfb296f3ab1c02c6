/**
 * Builds each container's sandbox settings from its pod: the merged securityContext, the
 * volume mounts resolved to the attempt's host directories, and the pod's namespace options.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { mergeSecurityContext, type PodSecurityContext } from '../api/security-context.js';
import type { Container, Pod } from '../api/types.js';
import type { SandboxMode, SandboxMount, SandboxSettings } from '../runtime/sandbox/types.js';
import type { AttemptSpec, ResolvedContainer } from '../runtime/types.js';
import { ContainerConfigError, expandReferences } from './environment.js';
import { serviceAccountMountPath, type ServiceAccountToken } from './service-account.js';
import type { AttemptVolumes } from './volumes.js';

interface VolumeMountSpec {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
}

/**
 * Adds a read-only mount of the token's host directory at Kubernetes' service account path to a
 * sandboxed container, and returns the variables that point there.
 */
export function bindServiceAccountToken(
  container: ResolvedContainer,
  token: ServiceAccountToken,
): Record<string, string> {
  container.sandbox?.mounts.push({
    source: token.hostDirectory,
    volumeRoot: token.hostDirectory,
    target: serviceAccountMountPath,
    readOnly: true,
    field: `${container.sandbox.field}.serviceAccountToken`,
  });
  return token.envAt(serviceAccountMountPath);
}

/** Kubernetes truncates a pod name used as host name to 63 characters. */
const maxHostnameLength = 63;

/**
 * Sets `sandbox` on every container of `spec`, whose containers are in the pod's order. In
 * bubblewrap mode `workingDir` moves into the settings, because it may exist only inside the
 * sandbox, as a mountPath.
 */
export async function attachSandboxSettings(
  spec: AttemptSpec,
  pod: Pod,
  volumes: AttemptVolumes,
  mode: SandboxMode,
): Promise<void> {
  const groups = [
    ['initContainers', spec.initContainers, pod.spec.initContainers ?? []],
    ['containers', spec.containers, pod.spec.containers],
  ] as const;
  for (const [list, resolved, declared] of groups) {
    for (const [index, container] of resolved.entries()) {
      const source = declared[index];
      if (source === undefined) continue;
      const field = `spec.${list}[${index}]`;
      container.sandbox = await buildSandboxSettings(pod, source, container, field, volumes);
      if (mode === 'bubblewrap' && container.workingDir !== undefined) {
        container.sandbox.workingDir = container.workingDir;
        delete container.workingDir;
      }
    }
  }
}

async function buildSandboxSettings(
  pod: Pod,
  container: Container,
  resolved: ResolvedContainer,
  field: string,
  volumes: AttemptVolumes,
): Promise<SandboxSettings> {
  const security = mergeSecurityContext(
    pod.spec.securityContext as PodSecurityContext | undefined,
    container.securityContext as Parameters<typeof mergeSecurityContext>[1],
    'spec.securityContext',
    `${field}.securityContext`,
  );
  const mounts: SandboxMount[] = [];
  const declared = (container.volumeMounts ?? []) as VolumeMountSpec[];
  for (const [index, mount] of declared.entries()) {
    const mountField = `${field}.volumeMounts[${index}]`;
    mounts.push(await resolveMount(mount, mountField, resolved.env, volumes));
  }
  const settings: SandboxSettings = {
    podField: 'spec',
    field,
    podDescription: `${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`,
    security,
    mounts,
    hostPID: pod.spec.hostPID === true,
    hostIPC: pod.spec.hostIPC === true,
    shareProcessNamespace: pod.spec.shareProcessNamespace === true,
  };
  if (pod.spec.hostNetwork !== true) settings.hostname = podHostname(pod);
  return settings;
}

async function resolveMount(
  mount: VolumeMountSpec,
  field: string,
  env: Record<string, string>,
  volumes: AttemptVolumes,
): Promise<SandboxMount> {
  const root = volumes.directories.get(mount.name);
  if (root === undefined) {
    throw new ContainerConfigError(`${field}.name: volume ${JSON.stringify(mount.name)} not found`);
  }
  const subPathField = mount.subPathExpr === undefined ? 'subPath' : 'subPathExpr';
  const subPath =
    mount.subPathExpr === undefined
      ? (mount.subPath ?? '')
      : expandReferences(mount.subPathExpr, env);
  let source = root;
  if (subPath !== '') {
    // An expanded subPathExpr has not been validated yet, so both forms are checked here.
    const parts = subPath.split('/');
    if (posix.isAbsolute(subPath) || parts.includes('..')) {
      throw new ContainerConfigError(
        `${field}.${subPathField}: Invalid value: ${JSON.stringify(subPath)}: must be a relative path without '..'`,
      );
    }
    source = join(root, subPath);
    await createMissingSubPath(source, root);
  }
  return {
    source,
    volumeRoot: root,
    target: posix.normalize(mount.mountPath),
    readOnly: mount.readOnly === true,
    field,
  };
}

/** Creates a missing subPath as a directory with the volume root's mode, as kubelet does. */
async function createMissingSubPath(path: string, root: string): Promise<void> {
  const mode = (await stat(root)).mode & 0o7777;
  await mkdir(path, { recursive: true, mode });
}

/** Returns `spec.hostname`, or the pod name cut to 63 characters without a trailing `-` or `.`. */
function podHostname(pod: Pod): string {
  const hostname = pod.spec.hostname;
  if (typeof hostname === 'string' && hostname !== '') return hostname;
  return pod.metadata.name.slice(0, maxHostnameLength).replace(/[-.]+$/, '');
}
