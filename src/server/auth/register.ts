import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import { StatusError } from '../status.js';
import type { RequestAttributes } from './attributes.js';
import { requestAttributes } from './attributes.js';
import type { LocalToken } from './authenticate.js';
import { Authenticator } from './authenticate.js';
import { authorize } from './authorize.js';
import type { Identity } from './identity.js';
import { anonymousIdentity } from './identity.js';
import { checkAnonymousHost } from './loopback-host.js';
import { checkServiceAccountUse } from './service-account-use.js';
import { registerTokenRoutes } from './token-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by the authentication hook; null on the routes that need no token. */
    identity: Identity | null;
  }
}

export interface AuthSettings {
  /**
   * Whether every request needs a bearer token. Without it, requests without a token may do
   * anything, and requests with one are checked as usual.
   */
  required: boolean;
  /**
   * Whether a request without a token must name a loopback host in its Host header, so that a
   * web page cannot reach an API that needs no token through DNS rebinding. `serve` sets it
   * unless `--insecure-allow-anonymous` is given.
   */
  anonymousLoopbackOnly?: boolean;
  /** Tokens that only this process accepts. */
  localTokens?: readonly LocalToken[];
}

export interface AuthContext {
  store: Store;
  clock: Clock;
  settings: AuthSettings;
  /** Called with the id of each token the token API deletes. */
  onTokenDeleted?: (id: string) => void;
}

/**
 * Probes and Prometheus scrapes carry no token, so these stay open. `/metrics` shows namespace
 * and CronJob names and counts, but no object contents.
 */
const publicRoutes = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Adds authentication and authorization to every route of `app` and to its not-found handler,
 * and registers the token API. A request with bad credentials gets 401. A
 * request that its role does not permit gets 403 with the Kubernetes message.
 *
 * NOTE: a route that does not follow the Kubernetes path layout is open only to an admin of
 * every namespace. A new route of that kind needs a rule in attributes.ts or rules.ts.
 */
export function registerAuth(app: FastifyInstance, context: AuthContext): void {
  const { store, clock } = context;
  const authenticator = new Authenticator({
    store,
    clock,
    required: context.settings.required,
    localTokens: context.settings.localTokens,
  });
  app.decorateRequest('identity', null);

  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && publicRoutes.has(route)) return;

    try {
      request.identity = await authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof StatusError && error.status.code === 401) {
        void reply.header('WWW-Authenticate', 'Bearer realm="cronmesh"');
      }
      throw error;
    }
    if (request.identity === anonymousIdentity && context.settings.anonymousLoopbackOnly === true) {
      checkAnonymousHost(request.headers.host);
    }
    // Paths without a route get the 404 of the not-found handler.
    if (route === undefined) return;
    authorize(request.identity, attributesOf(request, route));
  });

  // The body is parsed only after onRequest, so the service accounts it names are checked here.
  app.addHook('preHandler', async (request) => {
    const route = request.routeOptions.url;
    if (request.identity === null || route === undefined || request.body === undefined) return;
    const attributes = attributesOf(request, route);
    await checkServiceAccountUse(store, clock.now(), request.identity, attributes, request.body);
  });

  registerTokenRoutes(app, { store, clock, onTokenDeleted: context.onTokenDeleted });
}

function attributesOf(request: FastifyRequest, route: string): RequestAttributes {
  return requestAttributes({
    method: request.method,
    route,
    path: request.url.split('?')[0] ?? request.url,
    params: request.params as Record<string, string | undefined>,
    query: request.query as Record<string, unknown>,
  });
}
