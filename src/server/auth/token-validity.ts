import type { Pod } from '../../api/types.js';
import type { Store } from '../../store/store.js';
import type { BoundPod, TokenRecord } from '../../store/tokens.js';

/** The reason that a token which authenticated a request no longer authenticates requests. */
export type TokenInvalidReason = 'TokenDeleted' | 'TokenExpired' | 'BoundPodNotRunning';

/**
 * Returns whether `pod` is the attempt that `bound` names, with the same uid, and has neither
 * succeeded nor failed. A token bound to a pod is valid only then, as in Kubernetes.
 */
export function isBoundPodRunning(pod: Pod | undefined, bound: BoundPod): boolean {
  const phase = pod?.status?.phase;
  return (
    pod !== undefined &&
    pod.metadata.uid === bound.uid &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}

/**
 * Reads `token` from the store again and returns why it no longer authenticates requests, or
 * undefined while it still does. A token id whose stored secret hash changed counts as deleted.
 */
export async function recheckToken(
  store: Store,
  token: TokenRecord,
  now: number,
): Promise<TokenInvalidReason | undefined> {
  const stored = await store.findToken(token.id);
  if (stored === undefined || stored.secretHash !== token.secretHash) return 'TokenDeleted';
  if (stored.expiresAt !== undefined && stored.expiresAt <= now) return 'TokenExpired';
  if (stored.boundPod !== undefined) {
    const pod = await store.find<Pod>('Pod', stored.namespace ?? '', stored.boundPod.name);
    if (!isBoundPodRunning(pod, stored.boundPod)) return 'BoundPodNotRunning';
  }
  return undefined;
}
