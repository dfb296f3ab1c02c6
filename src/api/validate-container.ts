/**
 * Container validation (core/v1 validation of containers, env, ports, mounts, probes and
 * resources), with Kubernetes' field paths and messages. Input must have passed the schema check.
 */
import {
  duplicate,
  forbidden,
  invalid,
  notFound,
  required,
  unsupported,
  type FieldError,
} from './field-error.js';
import { childPath, keyPath } from './field-path.js';
import {
  checkConfigMapKey,
  checkDns1123Label,
  checkDns1123Subdomain,
  checkEnvVarName,
  checkPortName,
} from './names.js';
import { parseQuantity } from './quantity.js';
import type { Container, EnvFromSource, EnvVar, KeyRef } from './types.js';
import { validateProbes } from './validate-probes.js';
import type { SecurityContext } from './security-context.js';
import { checkMountSupport, type LocalVolumeMount } from './validate-local-volumes.js';
import { validateContainerSecurityContext } from './validate-security.js';

interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
}

interface VolumeMount extends LocalVolumeMount {
  name?: string;
}

const portRangeMessage = 'must be between 1 and 65535, inclusive';
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];
const portProtocols = ['SCTP', 'TCP', 'UDP'];
const envFieldPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const envResourceNames = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

export type ContainerRole = 'container' | 'initContainer';

/** Validates one container; `volumeNames` are the pod's volumes, for the mount checks. */
export function validateContainer(
  container: Container,
  path: string,
  role: ContainerRole,
  volumeNames: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  const name = container.name ?? '';
  if (name === '') errors.push(required(childPath(path, 'name'), ''));
  else
    for (const message of checkDns1123Label(name))
      errors.push(invalid(childPath(path, 'name'), name, message));

  // NOTE: image is not required. Pod templates may omit it in Kubernetes too, and cronmesh runs
  // the command as a local process, so the image is stored but not used.
  if (
    container.imagePullPolicy !== undefined &&
    !pullPolicies.includes(container.imagePullPolicy)
  ) {
    errors.push(
      unsupported(childPath(path, 'imagePullPolicy'), container.imagePullPolicy, pullPolicies),
    );
  }
  const messagePolicy = container.terminationMessagePolicy as string | undefined;
  if (messagePolicy !== undefined && !terminationMessagePolicies.includes(messagePolicy)) {
    errors.push(
      unsupported(
        childPath(path, 'terminationMessagePolicy'),
        messagePolicy,
        terminationMessagePolicies,
      ),
    );
  }

  errors.push(...validateContainerRestartPolicy(container, path, role));
  errors.push(
    ...validatePorts((container.ports ?? []) as ContainerPort[], childPath(path, 'ports')),
  );
  errors.push(...validateEnv(container.env ?? [], childPath(path, 'env')));
  errors.push(...validateEnvFrom(container.envFrom ?? [], childPath(path, 'envFrom')));
  errors.push(
    ...validateVolumeMounts(
      (container.volumeMounts ?? []) as VolumeMount[],
      childPath(path, 'volumeMounts'),
      volumeNames,
    ),
  );
  errors.push(...validateProbes(container, path, role));
  errors.push(...validateResources(container.resources, childPath(path, 'resources')));
  errors.push(
    ...validateContainerSecurityContext(
      container.securityContext as SecurityContext | undefined,
      childPath(path, 'securityContext'),
    ),
  );
  return errors;
}

function validateContainerRestartPolicy(
  container: Container,
  path: string,
  role: ContainerRole,
): FieldError[] {
  const policy = container.restartPolicy as string | undefined;
  if (policy === undefined) return [];
  const policyPath = childPath(path, 'restartPolicy');
  if (role === 'container')
    return [forbidden(policyPath, 'may not be set for non-init containers')];
  return policy === 'Always' ? [] : [unsupported(policyPath, policy, ['Always'])];
}

function validatePorts(ports: ContainerPort[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((port, index) => {
    const portPath = keyPath(path, index);
    if (port.name !== undefined && port.name !== '') {
      const messages = checkPortName(port.name);
      for (const message of messages)
        errors.push(invalid(childPath(portPath, 'name'), port.name, message));
      if (messages.length === 0 && names.has(port.name))
        errors.push(duplicate(childPath(portPath, 'name'), port.name));
      names.add(port.name);
    }
    if (port.containerPort === undefined || port.containerPort === 0) {
      errors.push(required(childPath(portPath, 'containerPort'), ''));
    } else if (!isPortNumber(port.containerPort)) {
      errors.push(
        invalid(childPath(portPath, 'containerPort'), port.containerPort, portRangeMessage),
      );
    }
    if (port.hostPort !== undefined && port.hostPort !== 0 && !isPortNumber(port.hostPort)) {
      errors.push(invalid(childPath(portPath, 'hostPort'), port.hostPort, portRangeMessage));
    }
    // An absent protocol is defaulted to TCP by the API server.
    if (port.protocol !== undefined && !portProtocols.includes(port.protocol)) {
      errors.push(unsupported(childPath(portPath, 'protocol'), port.protocol, portProtocols));
    }
  });
  return errors;
}

function isPortNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

function validateEnv(env: EnvVar[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  env.forEach((variable, index) => {
    const variablePath = keyPath(path, index);
    const name = variable.name ?? '';
    if (name === '') errors.push(required(childPath(variablePath, 'name'), ''));
    else
      for (const message of checkEnvVarName(name))
        errors.push(invalid(childPath(variablePath, 'name'), name, message));
    if (variable.valueFrom)
      errors.push(...validateEnvValueFrom(variable, childPath(variablePath, 'valueFrom')));
  });
  return errors;
}

function validateEnvValueFrom(variable: EnvVar, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const source = variable.valueFrom ?? {};
  let sources = 0;
  if (source.fieldRef) {
    sources += 1;
    const fieldPath = source.fieldRef.fieldPath ?? '';
    const refPath = childPath(childPath(path, 'fieldRef'), 'fieldPath');
    if (fieldPath === '') errors.push(required(refPath, ''));
    else if (!isSupportedEnvFieldPath(fieldPath))
      errors.push(unsupported(refPath, fieldPath, envFieldPaths));
  }
  if (source.resourceFieldRef) {
    sources += 1;
    const resource = source.resourceFieldRef.resource ?? '';
    const refPath = childPath(childPath(path, 'resourceFieldRef'), 'resource');
    if (resource === '') errors.push(required(refPath, ''));
    else if (!isSupportedEnvResource(resource))
      errors.push(unsupported(refPath, resource, envResourceNames));
  }
  if (source.configMapKeyRef) {
    sources += 1;
    errors.push(...validateKeySelector(source.configMapKeyRef, childPath(path, 'configMapKeyRef')));
  }
  if (source.secretKeyRef) {
    sources += 1;
    errors.push(...validateKeySelector(source.secretKeyRef, childPath(path, 'secretKeyRef')));
  }
  const fileKeyRef = (source as Record<string, unknown>).fileKeyRef;
  if (fileKeyRef !== undefined) sources += 1;

  if (sources === 0) {
    errors.push(
      invalid(
        path,
        '',
        'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ),
    );
  } else if ((variable.value ?? '') !== '') {
    errors.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  } else if (sources > 1) {
    errors.push(invalid(path, '', 'may not have more than one field specified at a time'));
  }
  return errors;
}

function isSupportedEnvFieldPath(fieldPath: string): boolean {
  if (envFieldPaths.includes(fieldPath)) return true;
  return /^metadata\.(labels|annotations)\['[^']+'\]$/.test(fieldPath);
}

function isSupportedEnvResource(resource: string): boolean {
  return envResourceNames.includes(resource) || /^(limits|requests)\.hugepages-.+$/.test(resource);
}

function validateKeySelector(selector: KeyRef, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const name = selector.name ?? '';
  if (name === '') errors.push(required(childPath(path, 'name'), ''));
  else
    for (const message of checkDns1123Subdomain(name))
      errors.push(invalid(childPath(path, 'name'), name, message));
  const key = selector.key ?? '';
  if (key === '') errors.push(required(childPath(path, 'key'), ''));
  else
    for (const message of checkConfigMapKey(key))
      errors.push(invalid(childPath(path, 'key'), key, message));
  return errors;
}

function validateEnvFrom(sources: EnvFromSource[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  sources.forEach((source, index) => {
    const sourcePath = keyPath(path, index);
    if (source.prefix !== undefined && source.prefix !== '') {
      for (const message of checkEnvVarName(source.prefix))
        errors.push(invalid(childPath(sourcePath, 'prefix'), source.prefix, message));
    }
    const references = [
      ['configMapRef', source.configMapRef],
      ['secretRef', source.secretRef],
    ] as const;
    let count = 0;
    for (const [field, reference] of references) {
      if (!reference) continue;
      count += 1;
      const name = reference.name ?? '';
      const namePath = childPath(childPath(sourcePath, field), 'name');
      if (name === '') errors.push(required(namePath, ''));
      else
        for (const message of checkDns1123Subdomain(name))
          errors.push(invalid(namePath, name, message));
    }
    if (count === 0)
      errors.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    if (count > 1)
      errors.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errors;
}

function validateVolumeMounts(
  mounts: VolumeMount[],
  path: string,
  volumeNames: ReadonlySet<string>,
): FieldError[] {
  const errors: FieldError[] = [];
  const mountPaths = new Set<string>();
  mounts.forEach((mount, index) => {
    const mountPath = keyPath(path, index);
    const name = mount.name ?? '';
    if (name === '') errors.push(required(childPath(mountPath, 'name'), ''));
    if (!volumeNames.has(name)) errors.push(notFound(childPath(mountPath, 'name'), name));

    const target = mount.mountPath ?? '';
    if (target === '') errors.push(required(childPath(mountPath, 'mountPath'), ''));
    if (mountPaths.has(target))
      errors.push(invalid(childPath(mountPath, 'mountPath'), target, 'must be unique'));
    mountPaths.add(target);

    if (mount.subPath !== undefined && mount.subPath !== '') {
      errors.push(...validateRelativePath(mount.subPath, childPath(mountPath, 'subPath')));
    }
    errors.push(...checkMountSupport(mount, mountPath));
  });
  return errors;
}

/** Paths inside a volume: relative, and never climbing out with `..`. */
export function validateRelativePath(value: string, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (value.startsWith('/')) errors.push(invalid(path, value, 'must be a relative path'));
  if (value.split('/').includes('..')) errors.push(invalid(path, value, "must not contain '..'"));
  return errors;
}

/** Kubernetes' error text for a quantity its parser rejects. */
const quantityFormat =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/**
 * Returns why cronmesh rejects a resource name, or undefined for cpu and memory, the two it
 * enforces (limits with cgroups or rlimits, requests by worker admission), and for
 * ephemeral-storage.
 */
function describeUnsupportedResource(resource: string): string | undefined {
  if (resource === 'cpu' || resource === 'memory') return undefined;
  // Accepted but not enforced, because cluster manifests commonly set it; `describe` lists it.
  if (resource === 'ephemeral-storage') return undefined;
  const supported = 'cronmesh supports only cpu and memory';
  if (resource.startsWith('hugepages-')) {
    return `not supported: cronmesh does not reserve huge pages; ${supported}`;
  }
  if (resource.includes('/')) {
    return `not supported: extended resources need a device plugin, which cronmesh lacks; ${supported}`;
  }
  return `must be a standard resource for containers; ${supported}`;
}

/**
 * Rejects pod-level `spec.resources`. cronmesh enforces limits and requests per container
 * (a cgroup per container run, worker admission by the containers' requests) and creates no
 * pod-level cgroup that a pod-wide limit could go to.
 */
export function validatePodResources(resources: unknown, path: string): FieldError[] {
  if (resources === undefined) return [];
  return [
    forbidden(
      path,
      'pod-level resources are not supported: cronmesh enforces resources per container; ' +
        'set resources.requests and resources.limits on each container instead',
    ),
  ];
}

/**
 * Checks that each resource is one cronmesh enforces, that quantities parse and are not
 * negative, that each request fits its limit, and that no resource claim is set.
 */
export function validateResources(resources: Container['resources'], path: string): FieldError[] {
  const errors: FieldError[] = [];
  if ((resources as { claims?: unknown } | undefined)?.claims !== undefined) {
    errors.push(
      forbidden(
        childPath(path, 'claims'),
        'resource claims are not supported: cronmesh has no dynamic resource allocation ' +
          'driver to prepare the devices they name',
      ),
    );
  }
  const limits = resources?.limits ?? {};
  const requests = resources?.requests ?? {};
  for (const [group, quantities] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [resource, quantity] of Object.entries(quantities)) {
      const unsupportedDetail = describeUnsupportedResource(resource);
      if (unsupportedDetail !== undefined) {
        errors.push(
          invalid(keyPath(childPath(path, group), resource), resource, unsupportedDetail),
        );
        continue;
      }
      const value = parseQuantity(quantity);
      // The schema check admits what matches Kubernetes' quantity pattern, which is looser
      // than its parser: `1.2.3Gi` matches, but no limit could be derived from it.
      if (value === undefined) {
        errors.push(
          invalid(keyPath(childPath(path, group), resource), String(quantity), quantityFormat),
        );
      } else if (value < 0) {
        errors.push(
          invalid(
            keyPath(childPath(path, group), resource),
            String(quantity),
            'must be greater than or equal to 0',
          ),
        );
      }
    }
  }
  for (const [resource, request] of Object.entries(requests)) {
    const limit = limits[resource];
    if (limit === undefined) continue;
    const requestValue = parseQuantity(request);
    const limitValue = parseQuantity(limit);
    if (requestValue === undefined || limitValue === undefined || requestValue <= limitValue)
      continue;
    errors.push(
      invalid(
        keyPath(childPath(path, 'requests'), resource),
        String(request),
        `must be less than or equal to ${resource} limit of ${String(limit)}`,
      ),
    );
  }
  return errors;
}
