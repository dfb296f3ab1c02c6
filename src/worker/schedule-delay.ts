import { SCHEDULED_TIMESTAMP_ANNOTATION } from '../api/annotations.js';
import type { Job, ObjectMeta, Pod } from '../api/types.js';
import type { Store } from '../store/store.js';
import type { CronJobKey } from '../util/metrics.js';

/** The CronJob and scheduled instant an attempt's start is measured against. */
export interface ScheduledRun {
  cronJob: CronJobKey;
  /** The Job's scheduled time, in milliseconds. */
  scheduledAt: number;
}

/**
 * Returns the scheduled run behind `pod` when the pod is among the first attempts of a Job that a
 * CronJob created, that is, created in the same second as the Job's earliest attempt (several
 * when the Job runs in parallel). Retries are left out, because their delay measures the Job's
 * back-off of at least 10 s and not how late the scheduler was.
 */
export async function scheduledRunOf(store: Store, pod: Pod): Promise<ScheduledRun | undefined> {
  const jobRef = controllerOf(pod.metadata);
  if (jobRef?.kind !== 'Job') return undefined;
  const namespace = pod.metadata.namespace ?? 'default';
  const job = await store.find<Job>('Job', namespace, jobRef.name);
  if (job === undefined || job.metadata.uid !== jobRef.uid) return undefined;

  const cronJobRef = controllerOf(job.metadata);
  const scheduled = Date.parse(job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION] ?? '');
  if (cronJobRef?.kind !== 'CronJob' || Number.isNaN(scheduled)) return undefined;

  const attempts = await store.list<Pod>('Pod', { namespace, ownerUid: jobRef.uid });
  const earliest = Math.min(...attempts.map(createdAt));
  if (createdAt(pod) !== earliest) return undefined;
  return { cronJob: { namespace, name: cronJobRef.name }, scheduledAt: scheduled };
}

function controllerOf(
  metadata: ObjectMeta,
): { kind: string; name: string; uid: string } | undefined {
  return metadata.ownerReferences?.find((ref) => ref.controller === true);
}

function createdAt(pod: Pod): number {
  return Date.parse(pod.metadata.creationTimestamp ?? '');
}
