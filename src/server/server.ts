import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { AuthSettings } from './auth/register.js';
import { registerAuth } from './auth/register.js';
import { StreamTokenChecker } from './auth/stream-token-checker.js';
import { registerBodyParsers } from './body.js';
import { toStatus } from './error-status.js';
import type { CronmeshMetrics } from './metrics/registry.js';
import type { ReadinessCheck } from './routes/health.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerLogRoutes } from './routes/logs.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerResourceRoutes } from './routes/resources.js';
import { unknownPath } from './status.js';
import { OpenStreams } from './streams.js';

export interface ServerOptions {
  store: Store;
  /** Source of creation timestamps and of the log-follow poll timer. */
  clock: Clock;
  /** A pino-compatible logger. */
  logger?: FastifyBaseLogger;
  /**
   * Without `logger`, the level of the JSON logger Fastify creates on stdout (`info`, `debug`,
   * ...). Nothing is logged when both are omitted.
   */
  logLevel?: string;
  /** Largest accepted request body in bytes, default 1 MiB. Larger bodies get 413. */
  bodyLimit?: number;
  /** How often a followed log is read for new output, in milliseconds. Default 250. */
  logPollIntervalMs?: number;
  /** Unsent watch output in bytes at which a slow watcher is disconnected. Default 8 MiB. */
  maxWatchBufferBytes?: number;
  /** Served at `/metrics` when given. */
  metrics?: CronmeshMetrics;
  /** Readiness checks run by `/readyz` besides the store's own. */
  readinessChecks?: ReadinessCheck[];
  /** Bearer token checks; by default a request without a token may do anything. */
  auth?: AuthSettings;
  /**
   * How often a watch or followed log reads its token from the store again on a server that
   * requires tokens, in milliseconds. Default 5000. It bounds how long such a stream outlives a
   * token that another process deletes. Deletes through this server's token API, expiry, and the
   * end of a bound pod that the store's watch reports end the stream at once. The first re-check
   * runs as soon as the stream starts.
   */
  tokenRecheckIntervalMs?: number;
}

export const defaultBodyLimit = 1024 * 1024;

export const defaultTokenRecheckIntervalMs = 5000;

/**
 * Creates the HTTP API on the Kubernetes paths for CronJobs, Jobs, Pods, ConfigMaps, Secrets and
 * Events, the token API under `/apis/cronmesh.io/v1`, plus `/healthz`, `/readyz` and, with
 * `metrics`, `/metrics`. Every API error is a Kubernetes Status. The caller starts listening.
 */
export function createServer(options: ServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? defaultBodyLimit;
  // close() destroys every connection, because HTTP clients such as undici open spare
  // connections that send no request, and Node would wait for them until the keep-alive timeout.
  // Fastify's own per-request lines are replaced by one debug line per response below.
  const base = {
    bodyLimit,
    forceCloseConnections: true,
    logController: new LogController({ disableRequestLogging: true }),
  };
  let app: FastifyInstance;
  if (options.logger !== undefined) {
    app = Fastify({ ...base, loggerInstance: options.logger });
  } else if (options.logLevel !== undefined) {
    app = Fastify({ ...base, logger: { level: options.logLevel } });
  } else {
    app = Fastify({ ...base, logger: false });
  }
  // Servers that do not require tokens keep streaming after a token is deleted, because on
  // them a request without a token may do anything.
  const tokenChecker =
    options.auth?.required === true
      ? new StreamTokenChecker({
          store: options.store,
          clock: options.clock,
          logger: app.log,
          recheckIntervalMs: options.tokenRecheckIntervalMs ?? defaultTokenRecheckIntervalMs,
        })
      : undefined;
  const streams = new OpenStreams(tokenChecker);

  registerBodyParsers(app);

  app.setErrorHandler((error, request, reply) => {
    const length = Number(request.headers['content-length'] ?? Number.NaN);
    const status = toStatus(error, bodyLimit, Number.isSafeInteger(length) ? length : undefined);
    if (status.code >= 500) {
      request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    } else {
      // The message is not logged, because it can quote values from Secrets. A 404 is routine
      // (apply looks up each object first), so it is logged at debug only.
      const fields = { code: status.code, reason: status.reason };
      if (status.code === 404) request.log.debug(fields, 'request rejected');
      else request.log.info(fields, 'request rejected');
    }
    return reply.code(status.code).type('application/json').send(status);
  });

  app.setNotFoundHandler((request, reply) => {
    const status = unknownPath(request.method, request.url).status;
    return reply.code(status.code).type('application/json').send(status);
  });

  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        responseTimeMs: reply.elapsedTime,
      },
      'request completed',
    );
    done();
  });

  // Watches and followed logs would otherwise keep close() waiting for their clients.
  app.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });

  const store = options.store;
  registerAuth(app, {
    store,
    clock: options.clock,
    settings: options.auth ?? { required: false },
    onTokenDeleted: (id) => tokenChecker?.tokenDeleted(id),
  });
  registerHealthRoutes(app, [
    { name: 'store', check: () => store.checkReady() },
    ...(options.readinessChecks ?? []),
  ]);
  if (options.metrics !== undefined) registerMetricsRoute(app, options.metrics);
  registerResourceRoutes(app, {
    store: options.store,
    clock: options.clock,
    streams,
    maxWatchBufferBytes: options.maxWatchBufferBytes ?? 8 * 1024 * 1024,
  });
  registerLogRoutes(app, {
    store: options.store,
    clock: options.clock,
    streams,
    logPollIntervalMs: options.logPollIntervalMs ?? 250,
  });
  return app;
}
