import type { Pod } from '../../api/types.js';
import type { Store } from '../../store/store.js';
import type { BoundPod, TokenRecord } from '../../store/tokens.js';
import { generateToken, parseBearer, secretMatches } from '../../store/tokens.js';
import type { Clock } from '../../util/clock.js';
import { unauthorized } from './errors.js';
import type { Identity } from './identity.js';
import { anonymousIdentity, userOf } from './identity.js';
import { serviceAccountRole } from './service-accounts.js';
import {
  boundPodNotRunningMessage,
  expiredTokenMessage,
  invalidTokenMessage,
  isBoundPodRunning,
} from './token-validity.js';

/** A token that exists only in this process's memory, never in the store. */
export interface LocalToken {
  id: string;
  secretHash: string;
  identity: Identity;
}

/**
 * Creates a token for `identity` that only this process accepts, such as the one `serve` uses to
 * apply its `-f` manifests. Returns the bearer string to send and the entry for
 * AuthenticatorOptions.localTokens.
 */
export function createLocalToken(identity: Identity): { bearer: string; token: LocalToken } {
  const generated = generateToken();
  return {
    bearer: generated.bearer,
    token: { id: generated.id, secretHash: generated.secretHash, identity },
  };
}

export interface AuthenticatorOptions {
  store: Store;
  /** Source of the time that token expiry is checked against. */
  clock: Clock;
  /**
   * Whether a request without a token is rejected with 401. Otherwise it runs as
   * `system:anonymous` with every permission. A request that carries a token is checked either way.
   */
  required: boolean;
  localTokens?: readonly LocalToken[];
}

const missingTokenMessage =
  'this server requires a bearer token: send the header "Authorization: Bearer TOKEN", ' +
  'or pass --token, --token-file, CRONMESH_TOKEN or CRONMESH_TOKEN_FILE to the cronmesh CLI. ' +
  'serve --auth writes the first admin token to admin.token in its data directory';

/** Establishes the Identity of each request from its `Authorization` header. */
export class Authenticator {
  constructor(private readonly options: AuthenticatorOptions) {}

  get required(): boolean {
    return this.options.required;
  }

  /** Returns the caller of a request. Throws the 401 StatusError when the credentials are bad. */
  async authenticate(authorization: string | undefined): Promise<Identity> {
    if (authorization === undefined || authorization.trim() === '') {
      if (this.options.required) throw unauthorized(missingTokenMessage);
      return anonymousIdentity;
    }

    const match = /^(\S+)\s+(\S+)\s*$/.exec(authorization.trim());
    const scheme = match?.[1] ?? authorization.trim().split(/\s/)[0] ?? '';
    if (scheme.toLowerCase() !== 'bearer') {
      throw unauthorized(
        `unsupported Authorization scheme ${JSON.stringify(scheme)}: expected "Bearer TOKEN"`,
      );
    }
    const parsed = parseBearer(match?.[2] ?? '');
    if (parsed === undefined) throw unauthorized(invalidTokenMessage);

    const local = this.options.localTokens?.find((token) => token.id === parsed.id);
    if (local !== undefined) {
      if (!secretMatches(parsed.secret, local.secretHash)) throw unauthorized(invalidTokenMessage);
      return local.identity;
    }

    const token = await this.options.store.findToken(parsed.id);
    if (token === undefined || !secretMatches(parsed.secret, token.secretHash)) {
      throw unauthorized(invalidTokenMessage);
    }
    const now = this.options.clock.now();
    if (token.expiresAt !== undefined && token.expiresAt <= now) {
      throw unauthorized(expiredTokenMessage(token.id, token.expiresAt));
    }
    if (token.boundPod !== undefined) await this.checkBoundPod(token, token.boundPod);
    return this.identityOf(token, now);
  }

  /**
   * Rejects a token minted for an attempt once that attempt has finished or its Pod is gone, as
   * Kubernetes does for tokens bound to a Pod.
   */
  private async checkBoundPod(token: TokenRecord, bound: BoundPod) {
    const namespace = token.namespace ?? '';
    const pod = await this.options.store.find<Pod>('Pod', namespace, bound.name);
    if (!isBoundPodRunning(pod, bound)) throw unauthorized(boundPodNotRunningMessage(token, bound));
  }

  private async identityOf(token: TokenRecord, now: number): Promise<Identity> {
    const identity: Identity = { user: userOf(token), token };
    if (token.namespace !== undefined) identity.namespace = token.namespace;

    let role = token.role;
    if (role === undefined && token.serviceAccount !== undefined) {
      role = await serviceAccountRole(
        this.options.store,
        token.namespace ?? '',
        token.serviceAccount,
        now,
      );
    }
    if (role !== undefined) identity.role = role;
    return identity;
  }
}
