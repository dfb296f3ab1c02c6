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

interface ContainerPort {
  name?: string;
  containerPort?: number;
  hostPort?: number;
  protocol?: string;
}

interface VolumeMount {
  name?: string;
  mountPath?: string;
  subPath?: string;
}

type Handler = Record<string, unknown> & {
  httpGet?: { port?: number | string };
  tcpSocket?: { port?: number | string };
  grpc?: { port?: number };
};

type Probe = Handler & Record<string, unknown>;

const portRangeMessage = 'must be between 1 and 65535, inclusive';
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const terminationMessagePolicies = ['File', 'FallbackToLogsOnError'];
const portProtocols = ['SCTP', 'TCP', 'UDP'];
const probeCounters = [
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
];
const handlerTypes = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];
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

function validateProbes(container: Container, path: string, role: ContainerRole): FieldError[] {
  const errors: FieldError[] = [];
  const isSidecar = role === 'initContainer' && container.restartPolicy === 'Always';
  for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = container[probeName] as Probe | undefined;
    if (probe === undefined) continue;
    const probePath = childPath(path, probeName);
    if (role === 'initContainer' && !isSidecar) {
      errors.push(
        forbidden(probePath, 'may not be set for init containers without restartPolicy=Always'),
      );
      continue;
    }
    errors.push(...validateHandler(probe, probePath));
    for (const counter of probeCounters) {
      const value = probe[counter];
      if (typeof value === 'number' && value < 0) {
        errors.push(
          invalid(childPath(probePath, counter), value, 'must be greater than or equal to 0'),
        );
      }
    }
    const threshold = probe.successThreshold;
    if (probeName !== 'readinessProbe' && typeof threshold === 'number' && threshold !== 1) {
      errors.push(invalid(childPath(probePath, 'successThreshold'), threshold, 'must be 1'));
    }
    const grace = probe.terminationGracePeriodSeconds;
    if (typeof grace === 'number' && grace <= 0) {
      errors.push(
        invalid(
          childPath(probePath, 'terminationGracePeriodSeconds'),
          grace,
          'must be greater than 0',
        ),
      );
    }
  }

  const lifecycle = container.lifecycle as { postStart?: Handler; preStop?: Handler } | undefined;
  for (const hook of ['postStart', 'preStop'] as const) {
    const handler = lifecycle?.[hook];
    if (handler)
      errors.push(...validateHandler(handler, childPath(childPath(path, 'lifecycle'), hook)));
  }
  return errors;
}

function validateHandler(handler: Handler, path: string): FieldError[] {
  const present = handlerTypes.filter((type) => handler[type] !== undefined);
  if (present.length === 0) return [required(path, 'must specify a handler type')];
  const errors = present
    .slice(1)
    .map((type) => forbidden(childPath(path, type), 'may not specify more than 1 handler type'));

  for (const type of ['httpGet', 'tcpSocket'] as const) {
    const port = handler[type]?.port;
    if (port === undefined) continue;
    const portPath = childPath(childPath(path, type), 'port');
    if (typeof port === 'number' && !isPortNumber(port))
      errors.push(invalid(portPath, port, portRangeMessage));
    if (typeof port === 'string')
      for (const message of checkPortName(port)) errors.push(invalid(portPath, port, message));
  }
  const grpcPort = handler.grpc?.port;
  if (grpcPort !== undefined && !isPortNumber(grpcPort)) {
    errors.push(invalid(childPath(childPath(path, 'grpc'), 'port'), grpcPort, portRangeMessage));
  }
  return errors;
}

/** Checks that quantities are not negative and that each request fits its limit. */
export function validateResources(resources: Container['resources'], path: string): FieldError[] {
  const errors: FieldError[] = [];
  const limits = resources?.limits ?? {};
  const requests = resources?.requests ?? {};
  for (const [group, quantities] of [
    ['limits', limits],
    ['requests', requests],
  ] as const) {
    for (const [resource, quantity] of Object.entries(quantities)) {
      const value = parseQuantity(quantity);
      if (value !== undefined && value < 0) {
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
