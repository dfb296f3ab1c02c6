import type { Pod } from '../../api/types.js';
import type { Store } from '../../store/store.js';
import type { BoundPod, TokenRecord } from '../../store/tokens.js';
import { toRfc3339 } from '../../util/time.js';

/** The reason that a token which authenticated a request no longer authenticates requests. */
export type TokenInvalidReason = 'TokenDeleted' | 'TokenExpired' | 'BoundPodNotRunning';

/**
 * Why a token no longer authenticates requests: the reason, and the message of the 401 that
 * authentication gives a request with that token.
 */
export interface TokenInvalidity {
  reason: TokenInvalidReason;
  message: string;
}

/**
 * The 401 message for a malformed, unknown or deleted token, or one with a wrong secret. It is
 * one message for all of them, so a caller learns nothing from the difference.
 */
export const invalidTokenMessage = 'invalid bearer token: it is malformed, unknown or deleted';

/** Returns the 401 message for token `id`, which expired at `expiresAt` (epoch milliseconds). */
export function expiredTokenMessage(id: string, expiresAt: number): string {
  return `invalid bearer token: token ${id} expired at ${toRfc3339(expiresAt)}`;
}

/** Returns the 401 message for `token`, whose bound pod `bound` has finished or is gone. */
export function boundPodNotRunningMessage(token: TokenRecord, bound: BoundPod): string {
  const namespace = token.namespace ?? '';
  return (
    `invalid bearer token: token ${token.id} was issued for pod ${JSON.stringify(bound.name)} ` +
    `in the namespace ${JSON.stringify(namespace)}, which is no longer running`
  );
}

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
): Promise<TokenInvalidity | undefined> {
  const stored = await store.findToken(token.id);
  if (stored === undefined || stored.secretHash !== token.secretHash) {
    return { reason: 'TokenDeleted', message: invalidTokenMessage };
  }
  if (stored.expiresAt !== undefined && stored.expiresAt <= now) {
    return { reason: 'TokenExpired', message: expiredTokenMessage(stored.id, stored.expiresAt) };
  }
  const bound = stored.boundPod;
  if (bound !== undefined) {
    const pod = await store.find<Pod>('Pod', stored.namespace ?? '', bound.name);
    if (!isBoundPodRunning(pod, bound)) {
      return { reason: 'BoundPodNotRunning', message: boundPodNotRunningMessage(stored, bound) };
    }
  }
  return undefined;
}
