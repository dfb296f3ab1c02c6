import type { Store } from '../../store/store.js';
import type { TokenRole } from '../../store/tokens.js';
import { roleRank } from '../../store/tokens.js';

/**
 * Returns the role of service account `name` in `namespace`: the highest role among its
 * unexpired tokens that `token create --service-account` made, or undefined when it has none.
 * The tokens minted for single attempts carry no role and do not count.
 */
export async function serviceAccountRole(
  store: Store,
  namespace: string,
  name: string,
  now: number,
): Promise<TokenRole | undefined> {
  let best: TokenRole | undefined;
  for (const token of await store.listTokens({ namespace, serviceAccount: name })) {
    if (token.role === undefined) continue;
    if (token.expiresAt !== undefined && token.expiresAt <= now) continue;
    if (best === undefined || roleRank(token.role) > roleRank(best)) best = token.role;
  }
  return best;
}
