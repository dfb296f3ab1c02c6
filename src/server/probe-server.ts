import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';
import type { CronmeshMetrics } from './metrics/registry.js';
import type { ReadinessCheck } from './routes/health.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';

export interface ProbeServerOptions {
  store: Store;
  metrics: CronmeshMetrics;
  /** Readiness checks run by `/readyz` besides the store's own. */
  readinessChecks: ReadinessCheck[];
  /** A pino-compatible logger. */
  logger: FastifyBaseLogger;
}

/**
 * Creates the HTTP server of a process that serves no API, such as `cronmesh worker`: `/healthz`,
 * `/readyz` (the store, then `readinessChecks`) and `/metrics`, as `cronmesh serve` serves them.
 * Any other path gets 404. The caller starts listening.
 */
export function createProbeServer(options: ProbeServerOptions): FastifyInstance {
  // Probes and scrapes keep connections open, so close() destroys them instead of waiting.
  const app = Fastify({
    loggerInstance: options.logger,
    forceCloseConnections: true,
    logController: new LogController({ disableRequestLogging: true }),
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

  const store = options.store;
  registerHealthRoutes(app, [
    { name: 'store', check: () => store.checkReady() },
    ...options.readinessChecks,
  ]);
  registerMetricsRoute(app, options.metrics);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type('text/plain; charset=utf-8')
      .send(
        `${request.method} ${request.url} not found: this server serves only /healthz, /readyz and /metrics\n`,
      ),
  );
  return app;
}
