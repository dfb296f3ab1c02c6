import type { FastifyRequest } from 'fastify';
import type { StreamTokenChecker } from './auth/stream-token-checker.js';

/**
 * Long-lived responses (watches, followed logs) that the server ends when it closes, because an
 * HTTP server waits for open responses before its close completes. With a StreamTokenChecker,
 * which servers that require tokens have, a response also ends when its token stops being valid.
 */
export class OpenStreams {
  private readonly closers = new Set<() => void>();

  constructor(private readonly tokenChecker?: StreamTokenChecker) {}

  /**
   * Registers `close`, which ends the response to `request`, to run at server shutdown and when
   * the token that authenticated `request` stops being valid. Returns the function that
   * unregisters it.
   */
  add(close: () => void, request: FastifyRequest): () => void {
    this.closers.add(close);
    const untrack = this.trackToken(close, request);
    return () => {
      untrack();
      this.closers.delete(close);
    };
  }

  /** Ends every registered stream. */
  closeAll(): void {
    for (const close of [...this.closers]) close();
    this.closers.clear();
  }

  get size(): number {
    return this.closers.size;
  }

  private trackToken(close: () => void, request: FastifyRequest): () => void {
    // Anonymous requests and the process-local tokens of `serve` have no stored token to check.
    const token = request.identity?.token;
    if (this.tokenChecker === undefined || token === undefined) return () => undefined;

    return this.tokenChecker.track(token, {
      end: (reason) => {
        request.log.info(
          { token: token.id, reason, method: request.method, url: request.url },
          'stream ended because its token is no longer valid',
        );
        close();
      },
      recheckFailed: (error) => {
        request.log.warn(
          { err: error, token: token.id, url: request.url },
          'token re-check of an open stream failed, so the stream stays open',
        );
      },
    });
  }
}
