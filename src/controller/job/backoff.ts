import type { Pod } from '../../api/types.js';
import { finishTime } from './pods.js';

/** Kubernetes' DefaultJobPodFailureBackOff: the delay after the first failure. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
/** Kubernetes' MaxJobPodFailureBackOff: the cap of the doubling delay. */
export const MAX_POD_FAILURE_BACKOFF_MS = 600_000;

/**
 * Returns how long to wait before creating a replacement pod: 10 s doubled per failure since
 * the last success, capped at 10 minutes, minus the time since the last failure (at least 0).
 */
export function remainingBackoff(pods: Pod[], now: number): number {
  const succeeded = pods.filter((pod) => pod.status?.phase === 'Succeeded').map(finishTime);
  const lastSuccess = succeeded.length === 0 ? -Infinity : Math.max(...succeeded);
  const failures = pods
    .filter((pod) => pod.status?.phase === 'Failed')
    .map(finishTime)
    .filter((at) => at > lastSuccess);
  if (failures.length === 0) return 0;

  const delay = Math.min(
    POD_FAILURE_BACKOFF_MS * 2 ** (failures.length - 1),
    MAX_POD_FAILURE_BACKOFF_MS,
  );
  const sinceLastFailure = now - Math.max(...failures);
  return Math.max(0, delay - sinceLastFailure);
}
