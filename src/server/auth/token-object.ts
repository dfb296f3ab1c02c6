import type { BoundPod, TokenRecord, TokenRole } from '../../store/tokens.js';
import { toRfc3339 } from '../../util/time.js';
import { userOf } from './identity.js';

export const tokenApiVersion = 'cronmesh.io/v1';
export const tokenGroup = 'cronmesh.io';
export const tokenResource = 'tokens';

/** A token as the API returns it. The bearer string appears only in the create response. */
export interface TokenObject {
  apiVersion: typeof tokenApiVersion;
  kind: 'Token';
  metadata: {
    /** The token id. */
    name: string;
    /** Absent for a token that spans all namespaces. */
    namespace?: string;
    creationTimestamp: string;
  };
  spec: {
    /** Absent on a token minted for an attempt, which acts with its service account's role. */
    role?: TokenRole;
    serviceAccountName?: string;
  };
  status: {
    /** The user name that messages and logs show for requests with this token. */
    user: string;
    expirationTimestamp?: string;
    /** The attempt the token was minted for. */
    boundPod?: BoundPod;
    /** The bearer string, in the response to the create request only. */
    token?: string;
  };
}

export function toTokenObject(record: TokenRecord, bearer?: string): TokenObject {
  const object: TokenObject = {
    apiVersion: tokenApiVersion,
    kind: 'Token',
    metadata: { name: record.id, creationTimestamp: toRfc3339(record.createdAt) },
    spec: {},
    status: { user: userOf(record) },
  };
  if (record.namespace !== undefined) object.metadata.namespace = record.namespace;
  if (record.role !== undefined) object.spec.role = record.role;
  if (record.serviceAccount !== undefined) object.spec.serviceAccountName = record.serviceAccount;
  if (record.expiresAt !== undefined) {
    object.status.expirationTimestamp = toRfc3339(record.expiresAt);
  }
  if (record.boundPod !== undefined) object.status.boundPod = record.boundPod;
  if (bearer !== undefined) object.status.token = bearer;
  return object;
}

export function toTokenList(records: readonly TokenRecord[]): object {
  return {
    apiVersion: tokenApiVersion,
    kind: 'TokenList',
    metadata: {},
    items: records.map((record) => toTokenObject(record)),
  };
}
