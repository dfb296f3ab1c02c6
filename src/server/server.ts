import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { registerBodyParsers } from './body.js';
import { toStatus } from './error-status.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerLogRoutes } from './routes/logs.js';
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
  /** Largest accepted request body in bytes; larger bodies get 413. Default 1 MiB. */
  bodyLimit?: number;
  /** How often a followed log is read for new output, in milliseconds. Default 250. */
  logPollIntervalMs?: number;
  /** Unsent watch output in bytes at which a slow watcher is disconnected. Default 8 MiB. */
  maxWatchBufferBytes?: number;
}

export const defaultBodyLimit = 1024 * 1024;

/**
 * Creates the HTTP API on the Kubernetes paths for CronJobs, Jobs, Pods, ConfigMaps, Secrets and
 * Events, plus `/healthz`. Every error is a Kubernetes Status. The caller starts listening.
 */
export function createServer(options: ServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? defaultBodyLimit;
  let app: FastifyInstance;
  if (options.logger !== undefined) {
    app = Fastify({ loggerInstance: options.logger, bodyLimit });
  } else if (options.logLevel !== undefined) {
    app = Fastify({ logger: { level: options.logLevel }, bodyLimit });
  } else {
    app = Fastify({ logger: false, bodyLimit });
  }
  const streams = new OpenStreams();

  registerBodyParsers(app);

  app.setErrorHandler((error, request, reply) => {
    const status = toStatus(error, bodyLimit);
    if (status.code >= 500) {
      request.log.error({ err: error, method: request.method, url: request.url }, 'request failed');
    } else {
      // The message is not logged, because it can quote values from Secrets.
      request.log.info({ code: status.code, reason: status.reason }, 'request rejected');
    }
    return reply.code(status.code).type('application/json').send(status);
  });

  app.setNotFoundHandler((request, reply) => {
    const status = unknownPath(request.method, request.url).status;
    return reply.code(status.code).type('application/json').send(status);
  });

  // Watches and followed logs would otherwise keep close() waiting for their clients.
  app.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });

  registerHealthRoutes(app);
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
