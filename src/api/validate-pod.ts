/**
 * Pod template and PodSpec validation (the core/v1 rules that matter for Job templates), with
 * Kubernetes' field paths and messages. Input must have passed the schema check.
 */
import { isIP } from 'node:net';
import {
  duplicate,
  forbidden,
  invalid,
  required,
  unsupported,
  type FieldError,
} from './field-error.js';
import { childPath, keyPath } from './field-path.js';
import {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkLabelValue,
  checkQualifiedName,
} from './names.js';
import {
  validateContainer,
  validateRelativePath,
  validatePodResources,
} from './validate-container.js';
import { validateAnnotations, validateLabels } from './validate-meta.js';
import { checkItemPath, checkVolumeSupport } from './validate-local-volumes.js';
import { validatePodSecurityContext } from './validate-security.js';
import type { PodSecurityContext } from './security-context.js';
import type { PodSpec, PodTemplateSpec } from './types.js';

interface Volume {
  name?: string;
  [source: string]: unknown;
}

interface KeyToPath {
  key?: string;
  path?: string;
  mode?: number;
}

interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

const restartPolicies = ['Always', 'OnFailure', 'Never'];
const dnsPolicies = ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'];
const taintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const tolerationOperators = ['Equal', 'Exists'];
const fileModeMessage = 'must be a number between 0 and 0777 (octal), both inclusive';
const maxInt32 = 2_147_483_647;

export function validatePodTemplate(
  template: PodTemplateSpec | undefined,
  path: string,
): FieldError[] {
  if (!template) return [required(path, '')];
  const metadataPath = childPath(path, 'metadata');
  return [
    ...validateLabels(template.metadata?.labels, childPath(metadataPath, 'labels')),
    ...validateAnnotations(template.metadata?.annotations, childPath(metadataPath, 'annotations')),
    ...validatePodSpec(template.spec, childPath(path, 'spec')),
  ];
}

export function validatePodSpec(spec: PodSpec | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const volumes = (spec?.volumes ?? []) as Volume[];
  errors.push(...validateVolumes(volumes, childPath(path, 'volumes')));
  const volumeNames = new Set(volumes.map((volume) => volume.name ?? ''));

  errors.push(...validateAllContainers(spec, path, volumeNames));

  const restartPolicy = spec?.restartPolicy;
  if (restartPolicy === undefined || (restartPolicy as string) === '') {
    errors.push(required(childPath(path, 'restartPolicy'), ''));
  } else if (!restartPolicies.includes(restartPolicy)) {
    errors.push(unsupported(childPath(path, 'restartPolicy'), restartPolicy, restartPolicies));
  }

  const dnsPolicy = spec?.dnsPolicy as string | undefined;
  if (dnsPolicy !== undefined && !dnsPolicies.includes(dnsPolicy)) {
    errors.push(unsupported(childPath(path, 'dnsPolicy'), dnsPolicy, dnsPolicies));
  }
  const grace = spec?.terminationGracePeriodSeconds;
  if (grace !== undefined && grace < 0) {
    errors.push(
      invalid(
        childPath(path, 'terminationGracePeriodSeconds'),
        grace,
        'must be greater than or equal to 0',
      ),
    );
  }
  const deadline = spec?.activeDeadlineSeconds;
  if (deadline !== undefined && (deadline < 1 || deadline > maxInt32)) {
    errors.push(
      invalid(
        childPath(path, 'activeDeadlineSeconds'),
        deadline,
        `must be between 1 and ${maxInt32}, inclusive`,
      ),
    );
  }

  errors.push(...validateLabels(spec?.nodeSelector, childPath(path, 'nodeSelector')));
  for (const field of ['serviceAccountName', 'priorityClassName'] as const) {
    const value = spec?.[field] as string | undefined;
    if (value === undefined || value === '') continue;
    for (const message of checkDns1123Subdomain(value))
      errors.push(invalid(childPath(path, field), value, message));
  }
  for (const field of ['hostname', 'subdomain'] as const) {
    const value = spec?.[field] as string | undefined;
    if (value === undefined || value === '') continue;
    for (const message of checkDns1123Label(value))
      errors.push(invalid(childPath(path, field), value, message));
  }
  errors.push(
    ...validateTolerations(
      (spec?.tolerations ?? []) as Toleration[],
      childPath(path, 'tolerations'),
    ),
  );
  errors.push(
    ...validateHostAliases(
      spec?.hostAliases as HostAlias[] | undefined,
      childPath(path, 'hostAliases'),
    ),
  );
  errors.push(...validatePodResources(spec?.resources, childPath(path, 'resources')));
  errors.push(
    ...validatePodSecurityContext(
      spec?.securityContext as PodSecurityContext | undefined,
      childPath(path, 'securityContext'),
    ),
  );
  if (spec?.hostUsers === false) {
    errors.push(
      forbidden(childPath(path, 'hostUsers'), 'cronmesh cannot run a job in a user namespace'),
    );
  }
  return errors;
}

function validateAllContainers(
  spec: PodSpec | undefined,
  path: string,
  volumeNames: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  const containers = spec?.containers ?? [];
  const initContainers = spec?.initContainers ?? [];
  if (containers.length === 0) errors.push(required(childPath(path, 'containers'), ''));

  // Container names must be unique across init and regular containers.
  const names = new Set<string>();
  const groups = [
    ['initContainers', initContainers, 'initContainer'],
    ['containers', containers, 'container'],
  ] as const;
  for (const [field, list, role] of groups) {
    list.forEach((container, index) => {
      const containerPath = keyPath(childPath(path, field), index);
      errors.push(...validateContainer(container, containerPath, role, volumeNames));
      const name = container.name ?? '';
      if (name !== '' && names.has(name))
        errors.push(duplicate(childPath(containerPath, 'name'), name));
      names.add(name);
    });
  }
  return errors;
}

function validateVolumes(volumes: Volume[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  volumes.forEach((volume, index) => {
    const volumePath = keyPath(path, index);
    const namePath = childPath(volumePath, 'name');
    const name = volume.name ?? '';
    if (name === '') errors.push(required(namePath, ''));
    else
      for (const message of checkDns1123Label(name)) errors.push(invalid(namePath, name, message));
    if (names.has(name)) errors.push(duplicate(namePath, name));
    names.add(name);

    const sources = Object.keys(volume).filter((key) => key !== 'name');
    if (sources.length === 0) errors.push(required(volumePath, 'must specify a volume type'));
    for (const extra of sources.slice(1)) {
      errors.push(
        forbidden(childPath(volumePath, extra), 'may not specify more than 1 volume type'),
      );
    }
    const [source] = sources;
    if (source !== undefined) {
      errors.push(...validateVolumeSource(source, volume[source], childPath(volumePath, source)));
      errors.push(...checkVolumeSupport(source, volume[source], volumePath));
    }
  });
  return errors;
}

function validateVolumeSource(type: string, source: unknown, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const fields = (source ?? {}) as Record<string, unknown>;
  const requiredName = {
    configMap: 'name',
    secret: 'secretName',
    persistentVolumeClaim: 'claimName',
    hostPath: 'path',
  }[type];
  if (requiredName !== undefined && (fields[requiredName] ?? '') === '') {
    errors.push(required(childPath(path, requiredName), ''));
  }
  const mode = fields.defaultMode;
  if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) {
    errors.push(invalid(childPath(path, 'defaultMode'), mode, fileModeMessage));
  }
  const items = fields.items;
  if ((type === 'configMap' || type === 'secret') && Array.isArray(items)) {
    (items as KeyToPath[]).forEach((item, index) =>
      errors.push(...validateKeyToPath(item, keyPath(childPath(path, 'items'), index))),
    );
  }
  return errors;
}

function validateKeyToPath(item: KeyToPath, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if ((item.key ?? '') === '') errors.push(required(childPath(path, 'key'), ''));
  const target = item.path ?? '';
  if (target === '') errors.push(required(childPath(path, 'path'), ''));
  else {
    errors.push(...validateRelativePath(target, childPath(path, 'path')));
    errors.push(...checkItemPath(target, childPath(path, 'path')));
  }
  if (item.mode !== undefined && (item.mode < 0 || item.mode > 0o777)) {
    errors.push(invalid(childPath(path, 'mode'), item.mode, fileModeMessage));
  }
  return errors;
}

function validateTolerations(tolerations: Toleration[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  tolerations.forEach((toleration, index) => {
    const tolerationPath = keyPath(path, index);
    const key = toleration.key ?? '';
    const operator = toleration.operator ?? '';
    const effect = toleration.effect ?? '';
    if (key !== '') {
      for (const message of checkQualifiedName(key))
        errors.push(invalid(childPath(tolerationPath, 'key'), key, message));
    }
    if (key === '' && operator !== 'Exists') {
      errors.push(
        invalid(
          childPath(tolerationPath, 'operator'),
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (toleration.tolerationSeconds !== undefined && effect !== 'NoExecute') {
      errors.push(
        invalid(
          childPath(tolerationPath, 'effect'),
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    if (operator === '' || operator === 'Equal') {
      const messages = checkLabelValue(toleration.value ?? '');
      if (messages.length > 0)
        errors.push(
          invalid(childPath(tolerationPath, 'operator'), toleration.value, messages.join(';')),
        );
    } else if (operator === 'Exists') {
      if ((toleration.value ?? '') !== '') {
        errors.push(
          invalid(
            childPath(tolerationPath, 'operator'),
            toleration,
            "value must be empty when `operator` is 'Exists'",
          ),
        );
      }
    } else {
      errors.push(
        unsupported(childPath(tolerationPath, 'operator'), operator, tolerationOperators),
      );
    }
    if (effect !== '' && !taintEffects.includes(effect)) {
      errors.push(unsupported(childPath(tolerationPath, 'effect'), effect, taintEffects));
    }
  });
  return errors;
}

interface HostAlias {
  ip?: string;
  hostnames?: string[];
}

function validateHostAliases(aliases: HostAlias[] | undefined, path: string): FieldError[] {
  const errors: FieldError[] = [];
  (aliases ?? []).forEach((alias, index) => {
    const aliasPath = keyPath(path, index);
    const ip = alias.ip ?? '';
    if (isIP(ip) === 0) {
      errors.push(
        invalid(
          childPath(aliasPath, 'ip'),
          ip,
          'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        ),
      );
    }
    (alias.hostnames ?? []).forEach((hostname, hostIndex) => {
      const hostPath = keyPath(childPath(aliasPath, 'hostnames'), hostIndex);
      for (const message of checkDns1123Subdomain(hostname))
        errors.push(invalid(hostPath, hostname, message));
    });
  });
  return errors;
}
