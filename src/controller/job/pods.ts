import { randomInt } from 'node:crypto';
import type { Job, Pod } from '../../api/types.js';
import { parseTimestamp } from '../../util/time.js';

/** The alphabet Kubernetes uses for generated name suffixes: no vowels, no look-alike digits. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function isTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** Returns true for a pod that is neither finished nor being stopped. */
export function isActive(pod: Pod): boolean {
  return !isTerminal(pod) && pod.metadata.deletionTimestamp === undefined;
}

/** Returns true for a pod whose Ready condition is True, which Job `status.ready` counts. */
export function isReady(pod: Pod): boolean {
  const conditions = pod.status?.conditions ?? [];
  return conditions.some((condition) => condition.type === 'Ready' && condition.status === 'True');
}

/** Returns true for a pod that is being stopped and has not finished yet. */
export function isTerminating(pod: Pod): boolean {
  return !isTerminal(pod) && pod.metadata.deletionTimestamp !== undefined;
}

/** Returns true for a failed pod. As in Kubernetes, a pod being stopped counts as failed. */
export function isFailed(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' || isTerminating(pod);
}

/**
 * Returns up to `count` active pods to stop when a Job has more than it wants: unclaimed ones
 * first, because nothing runs them yet, then the most recently created.
 */
export function podsToStop(active: Pod[], count: number): Pod[] {
  const created = (pod: Pod): number => parseTimestamp(pod.metadata.creationTimestamp) ?? 0;
  const claimed = (pod: Pod): number => (pod.status?.nodeName === undefined ? 0 : 1);
  const ranked = [...active].sort((a, b) => claimed(a) - claimed(b) || created(b) - created(a));
  return ranked.slice(0, Math.max(0, count));
}

/**
 * Returns the instant a pod finished, as Kubernetes' Job back-off reads it: the latest finish of
 * its containers (and sidecar init containers) when all of them have one, else the deletion
 * time, else the creation time.
 */
export function finishTime(pod: Pod): number {
  return (
    containersFinishTime(pod) ??
    parseTimestamp(pod.metadata.deletionTimestamp) ??
    parseTimestamp(pod.metadata.creationTimestamp) ??
    0
  );
}

/** Returns the latest container finish, or undefined while any container has none. */
function containersFinishTime(pod: Pod): number | undefined {
  // Sidecars (init containers with restartPolicy Always) stop after the main containers.
  const sidecars = new Set(
    (pod.spec.initContainers ?? [])
      .filter((container) => container.restartPolicy === 'Always')
      .map((container) => container.name),
  );
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []).filter((status) => sidecars.has(status.name)),
  ];
  let latest: number | undefined;
  for (const status of statuses) {
    const finished = parseTimestamp(status.state?.terminated?.finishedAt);
    if (finished === undefined) return undefined;
    if (latest === undefined || finished > latest) latest = finished;
  }
  return latest;
}

/** Sums container restarts of a pod, init containers included, as the OnFailure limit counts. */
export function restartCount(pod: Pod): number {
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
  ];
  return statuses.reduce((sum, status) => sum + status.restartCount, 0);
}

/** Builds a new attempt of `job`: the pod template with a generated name and a controller reference. */
export function podFor(job: Job): Pod {
  const template = job.spec.template;
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${job.metadata.name}-${suffix}`,
      namespace: job.metadata.namespace ?? 'default',
      labels: { ...(template.metadata?.labels ?? {}) },
      annotations: { ...(template.metadata?.annotations ?? {}) },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'Job',
          name: job.metadata.name,
          uid: job.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(template.spec),
    status: { phase: 'Pending' },
  };
  return pod;
}
