import type { FastifyInstance } from 'fastify';

/** One named readiness condition; `check` throws an Error that says what is not ready. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/**
 * Registers `/healthz`, which returns `ok` while the process serves requests, and `/readyz`,
 * which runs every readiness check. Like the Kubernetes API server, a failed check gives 503 and
 * one `[+]name ok` or `[-]name failed: reason` line per check; `?verbose` lists them on success.
 */
export function registerHealthRoutes(app: FastifyInstance, checks: ReadinessCheck[]): void {
  app.get('/healthz', async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send('ok'),
  );

  app.get<{ Querystring: { verbose?: string } }>('/readyz', async (request, reply) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
          return { name, line: `[+]${name} ok`, ok: true };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return { name, line: `[-]${name} failed: ${reason}`, ok: false };
        }
      }),
    );
    const failed = results.filter((result) => !result.ok);
    reply.type('text/plain; charset=utf-8');
    if (failed.length > 0) {
      request.log.warn({ checks: failed.map((result) => result.line) }, 'readiness check failed');
      const lines = results.map((result) => result.line);
      return reply.code(503).send(`${lines.join('\n')}\nreadyz check failed\n`);
    }
    if (request.query.verbose !== undefined) {
      const lines = results.map((result) => result.line);
      return reply.send(`${lines.join('\n')}\nreadyz check passed\n`);
    }
    return reply.send('ok');
  });
}
