/**
 * Lists the fields of a resource that cronmesh stores but does not act on, so `describe` can
 * tell users which parts of a cluster manifest have no effect here.
 */
import { childPath, keyPath } from './field-path.js';
import type { AnyResource, ObjectMeta, PodSpec, PodTemplateSpec } from './types.js';

// Remove an entry when the runtime starts to enforce the field.
const unenforcedPodFields = new Set([
  'nodeName',
  'affinity',
  'tolerations',
  'topologySpreadConstraints',
  'schedulerName',
  'schedulingGates',
  'priorityClassName',
  'priority',
  'preemptionPolicy',
  'imagePullSecrets',
  'hostAliases',
  'hostname',
  'subdomain',
  'setHostnameAsFQDN',
  'dnsPolicy',
  'dnsConfig',
  'runtimeClassName',
  'overhead',
  'readinessGates',
  'enableServiceLinks',
  'os',
  'resourceClaims',
  'ephemeralContainers',
]);

const unenforcedContainerFields = new Set([
  'image',
  'imagePullPolicy',
  'ports',
  'resizePolicy',
  'lifecycle',
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

/**
 * Lists the part of a container's `resources` that has no effect: `ephemeral-storage`, which
 * validation accepts because cluster manifests commonly set it. Validation rejects resource
 * claims and every other resource name but cpu and memory.
 */
function unenforcedResources(resources: unknown, path: string): string[] {
  if (typeof resources !== 'object' || resources === null) return [];
  const paths: string[] = [];
  for (const group of ['requests', 'limits'] as const) {
    const quantities = (resources as Record<string, unknown>)[group];
    if (
      typeof quantities === 'object' &&
      quantities !== null &&
      'ephemeral-storage' in quantities
    ) {
      paths.push(keyPath(childPath(path, group), 'ephemeral-storage'));
    }
  }
  return paths;
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
        paths.push(
          ...unenforcedResources(container.resources, childPath(containerPath, 'resources')),
        );
      });
    }
  }
  return paths;
}
