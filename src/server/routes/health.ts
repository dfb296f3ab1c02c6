import type { FastifyInstance } from 'fastify';

/** Registers the liveness and readiness probes; both return `ok` while the server runs. */
export function registerHealthRoutes(app: FastifyInstance): void {
  for (const path of ['/healthz', '/readyz']) {
    app.get(path, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok'));
  }
}
