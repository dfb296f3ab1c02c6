import type { ConfigMap, CronJob, Job, Labels, OwnerReference, Pod } from '../../src/api/types.js';

/** 2024-01-01T00:00:00Z, the creation instant most tests pass to `create`. */
export const createdAt = Date.parse('2024-01-01T00:00:00Z');

export interface FixtureOptions {
  namespace?: string;
  labels?: Labels;
  owners?: OwnerReference[];
}

function metadataOf(name: string, options: FixtureOptions) {
  return {
    name,
    namespace: options.namespace ?? 'default',
    ...(options.labels ? { labels: options.labels } : {}),
    ...(options.owners ? { ownerReferences: options.owners } : {}),
  };
}

export function cronJob(name: string, options: FixtureOptions = {}): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadataOf(name, options),
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [{ name: 'hello', image: 'busybox', command: ['date'] }],
            },
          },
        },
      },
    },
  };
}

export function job(name: string, options: FixtureOptions = {}): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadataOf(name, options),
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'hello', image: 'busybox', command: ['date'] }],
        },
      },
    },
  };
}

export function pod(name: string, options: FixtureOptions = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: metadataOf(name, options),
    spec: { containers: [{ name: 'hello', command: ['date'] }] },
  };
}

export function configMap(
  name: string,
  data: Record<string, string>,
  options: FixtureOptions = {},
): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadataOf(name, options), data };
}

/** Returns a controller owner reference to a stored object. */
export function ownerReference(owner: CronJob | Job): OwnerReference {
  return {
    apiVersion: 'batch/v1',
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
  };
}

/** Returns the error a promise rejects with, and fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

/** Returns `namespace/name` of each object, the shape list assertions compare. */
export function keysOf(objects: { metadata: { namespace?: string; name: string } }[]): string[] {
  return objects.map((object) => `${object.metadata.namespace ?? ''}/${object.metadata.name}`);
}
