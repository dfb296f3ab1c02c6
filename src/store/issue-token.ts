import { AlreadyExistsError } from './errors.js';
import type { Store } from './store.js';
import type { BoundPod, TokenRecord, TokenRole } from './tokens.js';
import { generateToken } from './tokens.js';

/** The permissions of a new token; see TokenRecord for each field. */
export interface TokenGrant {
  role?: TokenRole;
  namespace?: string;
  serviceAccount?: string;
  boundPod?: BoundPod;
  expiresAt?: number;
}

/** Ids are random, so a second clash in a row means a broken random source, not bad luck. */
const maxIdAttempts = 3;

/**
 * Generates a token for `grant`, stores its hash, and returns the record with the bearer string,
 * which exists nowhere else afterwards. Expired tokens are deleted first, so that tokens minted
 * for attempts that never revoked theirs do not pile up.
 */
export async function issueToken(
  store: Store,
  grant: TokenGrant,
  now: number,
): Promise<{ record: TokenRecord; bearer: string }> {
  await store.deleteExpiredTokens(now);
  for (let attempt = 1; ; attempt += 1) {
    const generated = generateToken();
    const record: TokenRecord = {
      id: generated.id,
      secretHash: generated.secretHash,
      createdAt: now,
    };
    if (grant.role !== undefined) record.role = grant.role;
    if (grant.namespace !== undefined) record.namespace = grant.namespace;
    if (grant.serviceAccount !== undefined) record.serviceAccount = grant.serviceAccount;
    if (grant.boundPod !== undefined) record.boundPod = grant.boundPod;
    if (grant.expiresAt !== undefined) record.expiresAt = grant.expiresAt;
    try {
      await store.createToken(record);
      return { record, bearer: generated.bearer };
    } catch (error) {
      if (!(error instanceof AlreadyExistsError) || attempt === maxIdAttempts) throw error;
    }
  }
}
