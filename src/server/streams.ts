import type { FastifyRequest } from 'fastify';
import { unauthorized } from './auth/errors.js';
import type { StreamTokenChecker } from './auth/stream-token-checker.js';
import type { Status } from './status.js';

/** The two ways a route ends one of its long-lived responses. */
export interface OpenStream {
  /** Ends the response as complete, at server shutdown. */
  close(): void;
  /**
   * Ends the response because the token that authenticated it is no longer valid, in a way the
   * client can tell from a complete response. `status` is the 401 Status that a new request
   * with that token gets.
   */
  endForInvalidToken(status: Status): void;
}

/**
 * Long-lived responses (watches, followed logs) that the server ends when it closes, because an
 * HTTP server waits for open responses before its close completes. With a StreamTokenChecker,
 * which servers that require tokens have, a response also ends when its token stops being valid.
 */
export class OpenStreams {
  private readonly streams = new Set<OpenStream>();

  constructor(private readonly tokenChecker?: StreamTokenChecker) {}

  /**
   * Throws the 401 StatusError that authentication gives when the token of `request` has expired
   * since the request was authenticated. A route calls it before it sends the status line of a
   * stream. Servers that do not require tokens check nothing here.
   */
  rejectExpiredToken(request: FastifyRequest): void {
    const token = request.identity?.token;
    if (token !== undefined) this.tokenChecker?.rejectIfExpired(token);
  }

  /**
   * Registers `stream`, the response to `request`, to be closed at server shutdown and ended when
   * the token that authenticated `request` stops being valid. Returns the function that
   * unregisters it.
   */
  add(request: FastifyRequest, stream: OpenStream): () => void {
    this.streams.add(stream);
    const untrack = this.trackToken(request, stream);
    return () => {
      untrack();
      this.streams.delete(stream);
    };
  }

  /** Ends every registered stream. */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.close();
    this.streams.clear();
  }

  get size(): number {
    return this.streams.size;
  }

  private trackToken(request: FastifyRequest, stream: OpenStream): () => void {
    // Anonymous requests and the process-local tokens of `serve` have no stored token to check.
    const token = request.identity?.token;
    if (this.tokenChecker === undefined || token === undefined) return () => undefined;

    return this.tokenChecker.track(token, (invalidity) => {
      request.log.info(
        { token: token.id, reason: invalidity.reason, method: request.method, url: request.url },
        'stream ended because its token is no longer valid',
      );
      stream.endForInvalidToken(unauthorized(invalidity.message).status);
    });
  }
}
