import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The roles a token grants, each a superset of the one before it, like the Kubernetes
 * ClusterRoles `view`, `edit` and `admin` bound in a namespace.
 */
export const tokenRoles = ['viewer', 'editor', 'admin'] as const;

export type TokenRole = (typeof tokenRoles)[number];

export function isTokenRole(value: unknown): value is TokenRole {
  return typeof value === 'string' && (tokenRoles as readonly string[]).includes(value);
}

/** Returns the position of `role` in tokenRoles, so a larger rank grants more. */
export function roleRank(role: TokenRole): number {
  return tokenRoles.indexOf(role);
}

/** The attempt a token was minted for; the token is valid only while that attempt runs. */
export interface BoundPod {
  name: string;
  uid: string;
}

/** One bearer token as the store keeps it: the secret itself is never stored, only its hash. */
export interface TokenRecord {
  /** Public identifier, the `ID` part of the bearer string and of the user name `token:ID`. */
  id: string;
  /** Lower-case hex SHA-256 of the secret part of the bearer string. */
  secretHash: string;
  /**
   * Absent on tokens minted for an attempt: those act with the role that the service account's
   * tokens grant at the time of each request.
   */
  role?: TokenRole;
  /** The namespace the role applies in; absent for a token that spans all namespaces. */
  namespace?: string;
  /** Makes the token act as `system:serviceaccount:<namespace>:<serviceAccount>`. */
  serviceAccount?: string;
  boundPod?: BoundPod;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  /** Milliseconds since the Unix epoch; absent for a token that does not expire. */
  expiresAt?: number;
}

/** Selects tokens in Store.listTokens; each given field must match. */
export interface TokenFilter {
  namespace?: string;
  serviceAccount?: string;
}

/** Prefix of every bearer string, so secret scanners and people can recognise one. */
export const bearerPrefix = 'cmt_';

/** A new token: the bearer string to hand out once, and the parts the store keeps. */
export interface GeneratedToken {
  id: string;
  secretHash: string;
  /** `cmt_<id>_<secret>`, shown to the user once and never stored. */
  bearer: string;
}

/**
 * Generates a token: a 48-bit random id, which is public, and a 256-bit random secret. SHA-256
 * without salt or stretching suffices for the stored hash, because the secret is random and as
 * long as the hash, so it cannot be guessed from a dictionary.
 */
export function generateToken(): GeneratedToken {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secretHash: hashSecret(secret), bearer: `${bearerPrefix}${id}_${secret}` };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Splits a bearer string into its id and secret; undefined when it does not have the format. */
export function parseBearer(bearer: string): { id: string; secret: string } | undefined {
  const match = /^cmt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(bearer);
  if (match === null) return undefined;
  return { id: match[1] ?? '', secret: match[2] ?? '' };
}

/** Returns whether `secret` hashes to `secretHash`, comparing the hashes in constant time. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const actual = Buffer.from(hashSecret(secret), 'hex');
  const expected = Buffer.from(secretHash, 'hex');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
