/**
 * Validation of pod and container securityContext, with Kubernetes' rules and messages, plus
 * the settings cronmesh rejects because no local process can honour them (SELinux labels,
 * Windows options, sysctls, privileged containers, unmasked /proc, Localhost profiles).
 */
import { normalizeCapability } from './capabilities.js';
import { forbidden, invalid, required, unsupported, type FieldError } from './field-error.js';
import { childPath, keyPath } from './field-path.js';
import type { PodSecurityContext, SecurityContext, SecurityProfile } from './security-context.js';

const maxId = 2_147_483_647;
const idRangeMessage = `must be between 0 and ${maxId}, inclusive`;
const profileTypes = ['Localhost', 'RuntimeDefault', 'Unconfined'];
const fsGroupChangePolicies = ['OnRootMismatch', 'Always'];
const supplementalGroupsPolicies = ['Merge', 'Strict'];
const seLinuxChangePolicies = ['MountOption', 'Recursive'];
const procMountTypes = ['Default', 'Unmasked'];

export function validatePodSecurityContext(
  context: PodSecurityContext | undefined,
  path: string,
): FieldError[] {
  if (context === undefined) return [];
  const errors = validateSharedFields(context, path);
  if (context.fsGroup !== undefined) errors.push(...checkId(context.fsGroup, path, 'fsGroup'));
  (context.supplementalGroups ?? []).forEach((group, index) => {
    const groupPath = keyPath(childPath(path, 'supplementalGroups'), index);
    if (!isId(group)) errors.push(invalid(groupPath, group, idRangeMessage));
  });
  errors.push(
    ...checkEnum(context.fsGroupChangePolicy, path, 'fsGroupChangePolicy', fsGroupChangePolicies),
    ...checkEnum(
      context.supplementalGroupsPolicy,
      path,
      'supplementalGroupsPolicy',
      supplementalGroupsPolicies,
    ),
    ...checkEnum(context.seLinuxChangePolicy, path, 'seLinuxChangePolicy', seLinuxChangePolicies),
  );
  if ((context.sysctls ?? []).length > 0) {
    errors.push(
      forbidden(
        childPath(path, 'sysctls'),
        'cronmesh runs jobs as host processes and cannot set sysctls for one job; remove the field',
      ),
    );
  }
  return errors;
}

export function validateContainerSecurityContext(
  context: SecurityContext | undefined,
  path: string,
): FieldError[] {
  if (context === undefined) return [];
  const errors = validateSharedFields(context, path);
  if (context.privileged === true) {
    errors.push(
      forbidden(
        childPath(path, 'privileged'),
        'cronmesh cannot run a privileged container: it never gives a job all host devices and capabilities',
      ),
    );
    if (context.allowPrivilegeEscalation === false) {
      errors.push(
        invalid(
          path,
          context,
          'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
        ),
      );
    }
  }
  const procMount = context.procMount;
  errors.push(...checkEnum(procMount, path, 'procMount', procMountTypes));
  if (procMount === 'Unmasked') {
    errors.push(
      forbidden(childPath(path, 'procMount'), 'cronmesh supports only the Default /proc mount'),
    );
  }
  errors.push(...validateCapabilities(context, childPath(path, 'capabilities')));
  return errors;
}

function validateSharedFields(
  context: PodSecurityContext | SecurityContext,
  path: string,
): FieldError[] {
  const errors: FieldError[] = [];
  if (context.runAsUser !== undefined)
    errors.push(...checkId(context.runAsUser, path, 'runAsUser'));
  if (context.runAsGroup !== undefined) {
    errors.push(...checkId(context.runAsGroup, path, 'runAsGroup'));
  }
  if (context.seLinuxOptions !== undefined) {
    errors.push(
      forbidden(
        childPath(path, 'seLinuxOptions'),
        'cronmesh cannot apply SELinux labels to a job; remove the field',
      ),
    );
  }
  if (context.windowsOptions !== undefined) {
    errors.push(forbidden(childPath(path, 'windowsOptions'), 'cronmesh runs Linux processes only'));
  }
  errors.push(
    ...validateProfile(
      context.seccompProfile,
      childPath(path, 'seccompProfile'),
      'use RuntimeDefault or Unconfined, or remove the profile',
    ),
  );
  errors.push(
    ...validateProfile(
      context.appArmorProfile,
      childPath(path, 'appArmorProfile'),
      'use Unconfined or remove the profile',
    ),
  );
  return errors;
}

/** Checks a seccomp or AppArmor profile. `fix` is the advice in the message about Localhost. */
function validateProfile(
  profile: SecurityProfile | undefined,
  path: string,
  fix: string,
): FieldError[] {
  if (profile === undefined) return [];
  const type = profile.type ?? '';
  const typePath = childPath(path, 'type');
  const localhostPath = childPath(path, 'localhostProfile');
  if (type === '') return [required(typePath, '')];
  if (!profileTypes.includes(type)) return [unsupported(typePath, type, profileTypes)];
  if (type !== 'Localhost') {
    return profile.localhostProfile === undefined
      ? []
      : [
          invalid(
            localhostPath,
            profile.localhostProfile,
            'can only be set if the type is Localhost',
          ),
        ];
  }
  return [forbidden(typePath, `cronmesh has no store of Localhost profiles; ${fix}`)];
}

function validateCapabilities(context: SecurityContext, path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const list of ['add', 'drop'] as const) {
    (context.capabilities?.[list] ?? []).forEach((name, index) => {
      if (normalizeCapability(name) !== undefined) return;
      errors.push(
        invalid(
          keyPath(childPath(path, list), index),
          name,
          'must be ALL or a Linux capability name, such as NET_BIND_SERVICE or CAP_NET_BIND_SERVICE',
        ),
      );
    });
  }
  const addsSysAdmin = (context.capabilities?.add ?? []).some(
    (name) => normalizeCapability(name) === 'CAP_SYS_ADMIN',
  );
  if (addsSysAdmin && context.allowPrivilegeEscalation === false) {
    errors.push(
      invalid(
        path.slice(0, path.lastIndexOf('.')),
        context,
        'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
      ),
    );
  }
  return errors;
}

function checkId(value: number, path: string, field: string): FieldError[] {
  return isId(value) ? [] : [invalid(childPath(path, field), value, idRangeMessage)];
}

function isId(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= maxId;
}

function checkEnum(
  value: string | undefined,
  path: string,
  field: string,
  allowed: string[],
): FieldError[] {
  if (value === undefined || allowed.includes(value)) return [];
  return [unsupported(childPath(path, field), value, allowed)];
}
