/**
 * Lists the fields of a resource that cronmesh stores but does not act on, so `describe` can
 * tell users which parts of a cluster manifest have no effect here.
 */
import { childPath, keyPath } from './field-path.js';
import type { AnyResource, ObjectMeta, PodSpec, PodTemplateSpec } from './types.js';

// Remove an entry when the runtime starts to enforce the field.
const unenforcedPodFields = new Set([
  'volumes',
  'nodeName',
  'affinity',
  'tolerations',
  'topologySpreadConstraints',
  'schedulerName',
  'schedulingGates',
  'priorityClassName',
  'priority',
  'preemptionPolicy',
  'serviceAccountName',
  'serviceAccount',
  'automountServiceAccountToken',
  'securityContext',
  'imagePullSecrets',
  'hostAliases',
  'hostname',
  'subdomain',
  'setHostnameAsFQDN',
  'dnsPolicy',
  'dnsConfig',
  'hostNetwork',
  'hostPID',
  'hostIPC',
  'hostUsers',
  'shareProcessNamespace',
  'runtimeClassName',
  'overhead',
  'readinessGates',
  'enableServiceLinks',
  'os',
  'resourceClaims',
  'resources',
  'ephemeralContainers',
]);

const unenforcedContainerFields = new Set([
  'image',
  'imagePullPolicy',
  'ports',
  'resources',
  'resizePolicy',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'securityContext',
  'volumeMounts',
  'volumeDevices',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'stdin',
  'stdinOnce',
  'tty',
]);

/** Istio's annotations (`sidecar.istio.io/inject`, `proxy.istio.io/config`, ...) need a mesh. */
function isMeshAnnotation(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash === -1) return false;
  const prefix = key.slice(0, slash);
  return prefix === 'istio.io' || prefix.endsWith('.istio.io');
}

/**
 * Returns the field paths, in document order, that are present in `resource` but have no effect
 * in cronmesh, e.g. `spec.jobTemplate.spec.template.spec.containers[0].ports`.
 */
export function describeUnenforcedFields(resource: AnyResource): string[] {
  const paths: string[] = [];
  paths.push(...meshAnnotations(resource.metadata, 'metadata'));

  switch (resource.kind) {
    case 'CronJob':
      paths.push(
        ...meshAnnotations(resource.spec?.jobTemplate?.metadata, 'spec.jobTemplate.metadata'),
      );
      paths.push(
        ...templateFields(
          resource.spec?.jobTemplate?.spec?.template,
          'spec.jobTemplate.spec.template',
        ),
      );
      break;
    case 'Job':
      paths.push(...templateFields(resource.spec?.template, 'spec.template'));
      break;
    case 'Pod':
      paths.push(...podSpecFields(resource.spec, 'spec'));
      break;
    default:
      break;
  }
  return paths;
}

function meshAnnotations(metadata: Partial<ObjectMeta> | undefined, path: string): string[] {
  return Object.keys(metadata?.annotations ?? {})
    .filter(isMeshAnnotation)
    .map((key) => keyPath(childPath(path, 'annotations'), key));
}

function templateFields(template: PodTemplateSpec | undefined, path: string): string[] {
  return [
    ...meshAnnotations(template?.metadata, childPath(path, 'metadata')),
    ...podSpecFields(template?.spec, childPath(path, 'spec')),
  ];
}

function podSpecFields(spec: PodSpec | undefined, path: string): string[] {
  const paths: string[] = [];
  for (const [field, value] of Object.entries(spec ?? {})) {
    if (value === undefined) continue;
    if (unenforcedPodFields.has(field)) {
      paths.push(childPath(path, field));
    } else if ((field === 'containers' || field === 'initContainers') && Array.isArray(value)) {
      value.forEach((container: Record<string, unknown>, index) => {
        const containerPath = keyPath(childPath(path, field), index);
        for (const [containerField, containerValue] of Object.entries(container)) {
          if (containerValue !== undefined && unenforcedContainerFields.has(containerField)) {
            paths.push(childPath(containerPath, containerField));
          }
        }
      });
    }
  }
  return paths;
}
