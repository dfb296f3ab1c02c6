import type { ResourceKind } from '../api/types.js';

/** The REST API names and paths of one resource kind, as in Kubernetes API discovery. */
export interface ResourceInfo {
  kind: ResourceKind;
  listKind: string;
  /** Lower-case plural used in URL paths, e.g. `cronjobs`. */
  plural: string;
  singular: string;
  shortNames: readonly string[];
  /** API group; empty for the core group. */
  group: string;
  apiVersion: string;
  /** Path prefix of the group version: `/apis/batch/v1` or `/api/v1`. */
  prefix: string;
  /** Whether the kind has the `/status` subresource. */
  hasStatus: boolean;
}

export const resources: readonly ResourceInfo[] = Object.freeze([
  {
    kind: 'CronJob',
    listKind: 'CronJobList',
    plural: 'cronjobs',
    singular: 'cronjob',
    shortNames: ['cj'],
    group: 'batch',
    apiVersion: 'batch/v1',
    prefix: '/apis/batch/v1',
    hasStatus: true,
  },
  {
    kind: 'Job',
    listKind: 'JobList',
    plural: 'jobs',
    singular: 'job',
    shortNames: [],
    group: 'batch',
    apiVersion: 'batch/v1',
    prefix: '/apis/batch/v1',
    hasStatus: true,
  },
  {
    kind: 'Pod',
    listKind: 'PodList',
    plural: 'pods',
    singular: 'pod',
    shortNames: ['po'],
    group: '',
    apiVersion: 'v1',
    prefix: '/api/v1',
    hasStatus: true,
  },
  {
    kind: 'ConfigMap',
    listKind: 'ConfigMapList',
    plural: 'configmaps',
    singular: 'configmap',
    shortNames: ['cm'],
    group: '',
    apiVersion: 'v1',
    prefix: '/api/v1',
    hasStatus: false,
  },
  {
    kind: 'Secret',
    listKind: 'SecretList',
    plural: 'secrets',
    singular: 'secret',
    shortNames: [],
    group: '',
    apiVersion: 'v1',
    prefix: '/api/v1',
    hasStatus: false,
  },
  {
    kind: 'Event',
    listKind: 'EventList',
    plural: 'events',
    singular: 'event',
    shortNames: ['ev'],
    group: '',
    apiVersion: 'v1',
    prefix: '/api/v1',
    hasStatus: false,
  },
]);

/** Returns the API description of `kind`. */
export function resourceInfo(kind: ResourceKind): ResourceInfo {
  const info = resources.find((candidate) => candidate.kind === kind);
  if (info === undefined) throw new Error(`no API resource is registered for kind ${kind}`);
  return info;
}

/**
 * Finds the resource a user names on the command line: plural, singular, short name or kind,
 * optionally qualified by its group (`cronjobs.batch`), case-insensitive.
 */
export function findResource(name: string): ResourceInfo | undefined {
  const lower = name.toLowerCase();
  return resources.find((info) => {
    const names = [info.plural, info.singular, info.kind.toLowerCase(), ...info.shortNames];
    if (names.includes(lower)) return true;
    if (info.group === '') return false;
    return names.some((candidate) => `${candidate}.${info.group}` === lower);
  });
}

/** Returns the group-qualified resource used in messages and `-o name`: `cronjobs.batch`, `pods`. */
export function qualifiedPlural(info: ResourceInfo): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

/** Returns the group-qualified singular used by kubectl output: `cronjob.batch`, `pod`. */
export function qualifiedSingular(info: ResourceInfo): string {
  return info.group === '' ? info.singular : `${info.singular}.${info.group}`;
}

/** Returns the collection path, namespaced unless `namespace` is undefined. */
export function collectionPath(info: ResourceInfo, namespace: string | undefined): string {
  if (namespace === undefined) return `${info.prefix}/${info.plural}`;
  return `${info.prefix}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`;
}

/** Returns the path of one object. */
export function objectPath(info: ResourceInfo, namespace: string, name: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}
