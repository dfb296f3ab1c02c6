import type { TokenGrant } from '../../store/issue-token.js';
import { roleRank } from '../../store/tokens.js';
import { toRfc3339 } from '../../util/time.js';
import type { ResourceAttributes } from './attributes.js';
import { forbidden } from './errors.js';
import type { Identity } from './identity.js';

/**
 * Checks that a token `identity` creates grants no more than `identity` has: no higher role, no
 * other namespace, and no later expiry than the creator's own token. A request without an expiry
 * from a creator whose token expires gets the creator's expiry. Returns the grant to issue;
 * throws 403 Forbidden for an escalation.
 */
export function limitGrant(
  identity: Identity,
  grant: TokenGrant & { role: NonNullable<TokenGrant['role']> },
  attributes: ResourceAttributes,
): TokenGrant {
  if (identity.unrestricted === true) return grant;
  const deny = (reason: string) => forbidden(identity.user, attributes, reason);

  if (identity.role === undefined || roleRank(grant.role) > roleRank(identity.role)) {
    throw deny(
      `a token cannot grant role ${JSON.stringify(grant.role)}, which is above the caller's ` +
        `role ${JSON.stringify(identity.role ?? 'none')}`,
    );
  }
  if (identity.namespace !== undefined && grant.namespace !== identity.namespace) {
    throw deny(
      `a token cannot grant access outside the caller's namespace ${JSON.stringify(identity.namespace)}`,
    );
  }

  const callerExpiry = identity.token?.expiresAt;
  if (callerExpiry === undefined) return grant;
  if (grant.expiresAt === undefined) return { ...grant, expiresAt: callerExpiry };
  if (grant.expiresAt > callerExpiry) {
    throw deny(
      `the caller's token expires at ${toRfc3339(callerExpiry)}, and a token it creates ` +
        'cannot expire later: request a shorter spec.expirationSeconds',
    );
  }
  return grant;
}
