import type { FastifyInstance } from 'fastify';

/** One named readiness condition; `check` throws an Error that describes what is not ready. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

/**
 * Registers `/healthz`, which returns `ok` while the process serves requests, and `/readyz`,
 * which runs every readiness check, each bounded by `checkTimeoutMs`. Like the Kubernetes API server, a failed check gives 503 and
 * one `[+]name ok` or `[-]name failed: reason` line per check; `?verbose` lists them on success.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  checks: ReadinessCheck[],
  checkTimeoutMs = 1500,
): void {
  // Probes repeat every few seconds, so a failure is logged when the set of failed checks changes.
  let lastFailures = '';

  app.get('/healthz', async (_request, reply) =>
    reply.type('text/plain; charset=utf-8').send('ok'),
  );

  app.get<{ Querystring: { verbose?: string } }>('/readyz', async (request, reply) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await withTimeout(check(), checkTimeoutMs);
          return { name, line: `[+]${name} ok`, ok: true };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          return { name, line: `[-]${name} failed: ${reason}`, ok: false };
        }
      }),
    );
    const failed = results.filter((result) => !result.ok);
    const failures = failed.map((result) => result.line).join('\n');
    if (failures !== lastFailures) {
      if (failures === '') request.log.info('readiness checks passing again');
      else
        request.log.warn({ checks: failed.map((result) => result.line) }, 'readiness check failed');
      lastFailures = failures;
    }
    reply.type('text/plain; charset=utf-8');
    if (failed.length > 0) {
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

/** Rejects when `promise` has not settled within `timeoutMs`. */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
