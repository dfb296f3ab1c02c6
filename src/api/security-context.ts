/**
 * Pod and container securityContext types, and the merge that gives a container's effective
 * security settings. Kubernetes merges them in `DetermineEffectiveSecurityContext`
 * (pkg/securitycontext): a field set on the container wins over the same field on the pod.
 */

/** A seccomp or AppArmor profile: `RuntimeDefault`, `Unconfined` or `Localhost`. */
export interface SecurityProfile {
  type?: string;
  localhostProfile?: string;
}

export interface Capabilities {
  add?: string[];
  drop?: string[];
}

/** Fields that the pod and the container both have; the container's value wins. */
interface SharedSecurityFields {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  seLinuxOptions?: Record<string, unknown>;
  windowsOptions?: Record<string, unknown>;
  seccompProfile?: SecurityProfile;
  appArmorProfile?: SecurityProfile;
}

export interface PodSecurityContext extends SharedSecurityFields {
  fsGroup?: number;
  fsGroupChangePolicy?: string;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: string;
  sysctls?: { name?: string; value?: string }[];
  seLinuxChangePolicy?: string;
}

export interface SecurityContext extends SharedSecurityFields {
  capabilities?: Capabilities;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  procMount?: string;
}

/** Field paths of the effective settings, so a message can name where a value came from. */
export type EffectiveFieldPaths = Partial<Record<keyof SharedSecurityFields, string>>;

/**
 * A container's effective security settings: the container's own fields, plus the pod's
 * shared fields it did not set, plus the pod-only group settings.
 */
export interface EffectiveSecurityContext extends SecurityContext {
  fsGroup?: number;
  supplementalGroups?: number[];
  supplementalGroupsPolicy?: string;
  /** Field path each shared field came from, e.g. `spec.securityContext.runAsUser`. */
  sources: EffectiveFieldPaths;
}

const sharedFields = [
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'seLinuxOptions',
  'windowsOptions',
  'seccompProfile',
  'appArmorProfile',
] as const;

/**
 * Merges the pod's securityContext into a container's. `podPath` and `containerPath` are the
 * field paths of the two securityContext objects, used to record each shared field's source.
 */
export function mergeSecurityContext(
  pod: PodSecurityContext | undefined,
  container: SecurityContext | undefined,
  podPath: string,
  containerPath: string,
): EffectiveSecurityContext {
  const merged: EffectiveSecurityContext = { ...(container ?? {}), sources: {} };
  for (const field of sharedFields) {
    if (container?.[field] !== undefined) {
      merged.sources[field] = `${containerPath}.${field}`;
    } else if (pod?.[field] !== undefined) {
      copyField(merged, pod, field);
      merged.sources[field] = `${podPath}.${field}`;
    }
  }
  // The schema gives containers no group fields, but a decoded object might carry them anyway.
  delete merged.fsGroup;
  delete merged.supplementalGroups;
  delete merged.supplementalGroupsPolicy;
  if (pod?.fsGroup !== undefined) merged.fsGroup = pod.fsGroup;
  if (pod?.supplementalGroups !== undefined) merged.supplementalGroups = pod.supplementalGroups;
  if (pod?.supplementalGroupsPolicy !== undefined) {
    merged.supplementalGroupsPolicy = pod.supplementalGroupsPolicy;
  }
  return merged;
}

function copyField<K extends keyof SharedSecurityFields>(
  target: SharedSecurityFields,
  source: SharedSecurityFields,
  field: K,
): void {
  target[field] = source[field];
}
