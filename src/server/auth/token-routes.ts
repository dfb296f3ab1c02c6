import type { FastifyInstance, FastifyRequest } from 'fastify';
import { issueToken } from '../../store/issue-token.js';
import type { TokenGrant } from '../../store/issue-token.js';
import type { Store } from '../../store/store.js';
import type { TokenRecord } from '../../store/tokens.js';
import type { Clock } from '../../util/clock.js';
import { StatusError, failureStatus } from '../status.js';
import type { ResourceAttributes } from './attributes.js';
import { limitGrant } from './grant.js';
import { toTokenList, toTokenObject, tokenGroup, tokenResource } from './token-object.js';
import { parseTokenRequest } from './token-request.js';

export interface TokenRouteContext {
  store: Store;
  clock: Clock;
  /** Called with the id of each token the API deletes, after the store has deleted it. */
  onTokenDeleted?: (id: string) => void;
}

interface NamespaceParams {
  namespace?: string;
}

interface TokenParams extends NamespaceParams {
  name: string;
}

const base = '/apis/cronmesh.io/v1';

/**
 * Registers the token API: `/apis/cronmesh.io/v1/namespaces/{ns}/tokens[/{id}]` for the tokens
 * of one namespace, and `/apis/cronmesh.io/v1/tokens[/{id}]` for tokens of every namespace, where
 * the list returns all tokens. Creating returns the bearer string once; the store keeps only its
 * hash. The authorization hook has already checked the verb; these handlers check what the new
 * token grants.
 */
export function registerTokenRoutes(app: FastifyInstance, context: TokenRouteContext): void {
  for (const collection of [`${base}/tokens`, `${base}/namespaces/:namespace/tokens`]) {
    app.post<{ Params: NamespaceParams }>(collection, async (request, reply) => {
      const created = await createToken(context, request, request.params.namespace);
      return reply.code(201).send(created);
    });

    app.get<{ Params: NamespaceParams }>(collection, async (request) => {
      const namespace = request.params.namespace;
      const now = context.clock.now();
      const tokens = await context.store.listTokens(namespace === undefined ? {} : { namespace });
      return toTokenList(tokens.filter((token) => !isExpired(token, now)));
    });

    app.get<{ Params: TokenParams }>(`${collection}/:name`, async (request) => {
      const token = await findToken(context.store, request.params);
      return toTokenObject(token);
    });

    app.delete<{ Params: TokenParams }>(`${collection}/:name`, async (request) => {
      const token = await findToken(context.store, request.params);
      const removed = await context.store.deleteToken(token.id);
      // Another replica may have deleted it after the read above.
      if (removed)
        request.log.info({ token: token.id, user: request.identity?.user }, 'token deleted');
      context.onTokenDeleted?.(token.id);
      return {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: token.id, group: tokenGroup, kind: tokenResource },
        code: 200,
      };
    });
  }
}

async function createToken(
  context: TokenRouteContext,
  request: FastifyRequest,
  namespace: string | undefined,
): Promise<object> {
  const spec = parseTokenRequest(request.body, namespace);
  const now = context.clock.now();
  const requested: TokenGrant & { role: typeof spec.role } = { role: spec.role };
  if (namespace !== undefined) requested.namespace = namespace;
  if (spec.serviceAccountName !== undefined) requested.serviceAccount = spec.serviceAccountName;
  if (spec.expirationSeconds !== undefined) {
    requested.expiresAt = now + spec.expirationSeconds * 1000;
  }

  const attributes: ResourceAttributes = {
    type: 'resource',
    verb: 'create',
    group: tokenGroup,
    resource: tokenResource,
  };
  if (namespace !== undefined) attributes.namespace = namespace;
  // Fails closed: the authentication hook sets the identity on every route but the probes.
  if (request.identity === null)
    throw new Error('a token create request reached its handler unauthenticated');
  const grant = limitGrant(request.identity, requested, attributes);

  const issued = await issueToken(context.store, grant, now);
  request.log.info(
    {
      token: issued.record.id,
      role: issued.record.role,
      namespace: issued.record.namespace,
      serviceAccount: issued.record.serviceAccount,
      user: request.identity?.user,
    },
    'token created',
  );
  return toTokenObject(issued.record, issued.bearer);
}

/**
 * Returns the token `name` of the path's namespace, or of every namespace on the path without
 * one. Throws 404 for a token of another scope, so the paths of one namespace show nothing else.
 */
async function findToken(store: Store, params: TokenParams): Promise<TokenRecord> {
  const token = await store.findToken(params.name);
  if (token === undefined || token.namespace !== params.namespace) {
    throw new StatusError(
      failureStatus(
        404,
        'NotFound',
        `${tokenResource}.${tokenGroup} ${JSON.stringify(params.name)} not found`,
        {
          name: params.name,
          group: tokenGroup,
          kind: tokenResource,
        },
      ),
    );
  }
  return token;
}

function isExpired(token: TokenRecord, now: number): boolean {
  return token.expiresAt !== undefined && token.expiresAt <= now;
}
