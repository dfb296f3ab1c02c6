/**
 * Checks that refuse a container before it starts when cronmesh cannot honour one of its
 * settings in the current sandbox mode. Each failure is a ConfinementError with the Kubernetes
 * reason CreateContainerConfigError and a message that names the manifest field.
 */
import { ConfinementError } from '../confinement.js';
import { currentGid, currentUid } from './identity.js';
import type { SandboxSettings } from './types.js';

const configError = 'CreateContainerConfigError';

/**
 * Refuses a container with runAsNonRoot that would run as uid 0, with kubelet's messages.
 * Without runAsUser the process runs as cronmesh's own user, the counterpart of an image's USER.
 */
export function checkRunAsNonRoot(settings: SandboxSettings, containerName: string): void {
  const { security, podDescription } = settings;
  if (security.runAsNonRoot !== true) return;
  const where = `(pod: ${JSON.stringify(podDescription)}, container: ${containerName})`;
  if (security.runAsUser !== undefined) {
    if (security.runAsUser === 0) {
      throw new ConfinementError(
        configError,
        `container's runAsUser breaks non-root policy ${where}`,
      );
    }
    return;
  }
  if (currentUid() === 0) {
    throw new ConfinementError(
      configError,
      `container has runAsNonRoot and image will run as root ${where}`,
    );
  }
}

/**
 * Rejects an AppArmor profile other than Unconfined. cronmesh loads no AppArmor profile, and
 * kubelet too rejects a pod that requests one on a host without AppArmor.
 */
export function checkAppArmorProfile(settings: SandboxSettings): void {
  const { security } = settings;
  const type = security.appArmorProfile?.type;
  if (type === undefined || type === 'Unconfined') return;
  const path = `${security.sources.appArmorProfile ?? `${settings.field}.securityContext.appArmorProfile`}.type`;
  throw new ConfinementError(
    configError,
    `${path} ${JSON.stringify(type)} cannot be honoured: cronmesh loads no AppArmor profile; set it to Unconfined or remove it`,
  );
}

/**
 * Refuses a container that sets a field only the bubblewrap sandbox can honour, on a worker
 * that runs containers as plain host processes (`--sandbox=none`).
 */
export function checkHostProcessFields(settings: SandboxSettings): void {
  const field = firstSandboxOnlyField(settings);
  if (field === undefined) return;
  throw new ConfinementError(
    configError,
    `${field} needs the bubblewrap sandbox, but this worker runs containers without one ` +
      '(--sandbox=none, or bwrap did not work); install bubblewrap and start the worker with ' +
      '--sandbox=bubblewrap, or remove the field',
  );
}

function firstSandboxOnlyField(settings: SandboxSettings): string | undefined {
  const { security, field } = settings;
  const context = `${field}.securityContext`;
  if (settings.mounts.length > 0) return `${field}.volumeMounts`;
  if (security.readOnlyRootFilesystem === true) return `${context}.readOnlyRootFilesystem`;
  if (security.runAsUser !== undefined && security.runAsUser !== currentUid()) {
    return security.sources.runAsUser;
  }
  if (security.runAsGroup !== undefined && security.runAsGroup !== currentGid()) {
    return security.sources.runAsGroup;
  }
  const podContext = `${settings.podField}.securityContext`;
  if (security.fsGroup !== undefined) return `${podContext}.fsGroup`;
  if ((security.supplementalGroups ?? []).length > 0) return `${podContext}.supplementalGroups`;
  if (security.allowPrivilegeEscalation === false) return `${context}.allowPrivilegeEscalation`;
  if (security.seccompProfile?.type === 'RuntimeDefault') {
    return `${security.sources.seccompProfile ?? `${context}.seccompProfile`}.type`;
  }
  if ((security.capabilities?.add ?? []).length > 0) return `${context}.capabilities.add`;
  if ((security.capabilities?.drop ?? []).length > 0) return `${context}.capabilities.drop`;
  return undefined;
}

/** Refuses what the bubblewrap sandbox cannot give. */
export function checkSandboxFields(settings: SandboxSettings): void {
  const { security, field } = settings;
  if (security.allowPrivilegeEscalation === true) {
    throw new ConfinementError(
      configError,
      `${field}.securityContext.allowPrivilegeEscalation true cannot be honoured: bubblewrap ` +
        'always sets no_new_privs, so no process in the sandbox can gain privileges; remove the field',
    );
  }
  if (settings.shareProcessNamespace && !settings.hostPID) {
    throw new ConfinementError(
      configError,
      `${settings.podField}.shareProcessNamespace true cannot be honoured: each container gets its own ` +
        'PID namespace in the bubblewrap sandbox; remove the field or set hostPID',
    );
  }
}
