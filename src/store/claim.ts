import type { Pod } from '../api/types.js';
import { formatTimestamp } from './metadata.js';

/** Returns whether a worker with `labels` may claim `pod` now. */
export function isClaimable(pod: Pod, labels: Record<string, string>): boolean {
  if (pod.status?.phase !== 'Pending' || pod.status.nodeName !== undefined) return false;
  if (pod.metadata.deletionTimestamp !== undefined) return false;
  const selector = pod.spec.nodeSelector ?? {};
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** Returns `pod` assigned to `worker` and running since `now`, as a claim writes it. */
export function claimedPod(pod: Pod, worker: string, now: number): Pod {
  const claimed = structuredClone(pod);
  claimed.status = {
    ...claimed.status,
    phase: 'Running',
    nodeName: worker,
    startTime: formatTimestamp(now),
  };
  return claimed;
}
