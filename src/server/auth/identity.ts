import type { TokenRecord, TokenRole } from '../../store/tokens.js';

/** The caller of one API request, as authentication established it. */
export interface Identity {
  /**
   * The user name in messages and logs: `token:<id>`, `system:serviceaccount:<namespace>:<name>`,
   * or `system:anonymous` for a request without a token on a server that allows those.
   */
  user: string;
  /** The role in `namespace`; absent for a service account that no token grants a role. */
  role?: TokenRole;
  /** The namespace the role applies in; absent when it applies in every namespace. */
  namespace?: string;
  /** Set for the anonymous caller of a server without `--auth`, which may do anything. */
  unrestricted?: boolean;
  /** The token the request carried. */
  token?: TokenRecord;
}

/** The caller of every request that carries no token when the server does not require one. */
export const anonymousIdentity: Identity = Object.freeze({
  user: 'system:anonymous',
  unrestricted: true,
});

/** Returns the Kubernetes user name of a service account. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** Returns the user name a token acts as: its service account's, or `token:<id>`. */
export function userOf(token: TokenRecord): string {
  if (token.serviceAccount !== undefined && token.namespace !== undefined) {
    return serviceAccountUser(token.namespace, token.serviceAccount);
  }
  return `token:${token.id}`;
}

/** Returns whether `identity` has the admin role in every namespace. */
export function isClusterAdmin(identity: Identity): boolean {
  if (identity.unrestricted === true) return true;
  return identity.role === 'admin' && identity.namespace === undefined;
}
