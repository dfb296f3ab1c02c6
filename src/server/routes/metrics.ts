import type { FastifyInstance } from 'fastify';
import type { CronmeshMetrics } from '../metrics/registry.js';

/** Registers `GET /metrics` in the Prometheus text exposition format. */
export function registerMetricsRoute(app: FastifyInstance, metrics: CronmeshMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await metrics.render();
    return reply.type(metrics.contentType).send(text);
  });
}
