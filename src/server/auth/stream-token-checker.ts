import type { Pod } from '../../api/types.js';
import type { Store } from '../../store/store.js';
import type { TokenRecord } from '../../store/tokens.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { unauthorized } from './errors.js';
import type { TokenInvalidity } from './token-validity.js';
import {
  boundPodNotRunningMessage,
  expiredTokenMessage,
  invalidTokenMessage,
  isBoundPodRunning,
  recheckToken,
} from './token-validity.js';

export interface StreamTokenCheckerOptions {
  store: Store;
  /** Source of the expiry timers and of the re-check timer. */
  clock: Clock;
  /** Receives the failures of re-checks and of ending streams. */
  logger: Logger;
  /** How often the token of each tracked stream is read from the store again, in milliseconds. */
  recheckIntervalMs: number;
}

/** Ends one tracked stream because its token is no longer valid. */
export type EndStream = (invalidity: TokenInvalidity) => void;

/** The open streams of one token. */
interface TrackedToken {
  /** The `end` functions of the token's tracked streams. */
  ends: Set<EndStream>;
  /**
   * Whether the latest re-check of one of the token's streams failed to read the store. A warning
   * is logged at the first failure of each run of failures, and an info line at the first success
   * after it, so an outage of the store is reported once per token.
   */
  recheckFailing: boolean;
}

/**
 * Ends long-lived responses (watches, followed logs) once the token that authenticated them stops
 * being valid, because authentication runs only when a request starts. A stream ends:
 *
 * - at once when this server's token API deletes the token (`tokenDeleted`);
 * - at the token's `expiresAt`, by a timer of the clock;
 * - at once when the store's watch reports that the pod of a token bound to a pod has finished or
 *   is gone;
 * - otherwise at a re-check, which reads the token and its bound pod from the store once right
 *   after the stream starts and then every `recheckIntervalMs`. That interval is the bound for a
 *   token that another process deleted, such as another `serve` replica or a worker when its
 *   attempt ends.
 *
 * NOTE: the role is not checked again, so a stream keeps the permission it started with, even
 * after a service account loses its role. Authorizing the request's attributes again at each
 * re-check would close this gap.
 */
export class StreamTokenChecker {
  /** The tracked streams, by token id. */
  private readonly tokens = new Map<string, TrackedToken>();

  constructor(private readonly options: StreamTokenCheckerOptions) {
    const interval = options.recheckIntervalMs;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new RangeError(
        `invalid token re-check interval ${interval} ms: expected a positive number of milliseconds`,
      );
    }
  }

  /**
   * Throws the 401 StatusError that authentication gives a request with `token` when the token
   * has expired by now. A stream calls it before it sends its status line, because the token can
   * expire while the stream reads its first data after authentication.
   */
  rejectIfExpired(token: TokenRecord): void {
    if (token.expiresAt !== undefined && token.expiresAt <= this.options.clock.now()) {
      throw unauthorized(expiredTokenMessage(token.id, token.expiresAt));
    }
  }

  /**
   * Starts checking `token`, the token that authenticated a stream, and calls `end` once when it
   * stops being valid. Returns the function that stops checking.
   */
  track(token: TokenRecord, end: EndStream): () => void {
    const { store, clock, recheckIntervalMs } = this.options;
    let stopped = false;
    let recheckTimer: Timer | undefined;
    let expiryTimer: Timer | undefined;
    let unwatchPod = (): void => undefined;

    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      recheckTimer?.cancel();
      expiryTimer?.cancel();
      unwatchPod();
      const tracked = this.tokens.get(token.id);
      tracked?.ends.delete(endOnce);
      if (tracked?.ends.size === 0) this.tokens.delete(token.id);
    };
    const endOnce: EndStream = (invalidity) => {
      if (stopped) return;
      stop();
      try {
        end(invalidity);
      } catch (error) {
        // An error of one stream must neither keep the token's other streams open nor propagate
        // into the timer or the store watch listener that called this.
        this.options.logger.warn(
          { err: error, token: token.id, reason: invalidity.reason },
          'ending a stream whose token is no longer valid failed',
        );
      }
    };

    const tracked = this.tokens.get(token.id) ?? { ends: new Set(), recheckFailing: false };
    tracked.ends.add(endOnce);
    this.tokens.set(token.id, tracked);

    const expiresAt = token.expiresAt;
    if (expiresAt !== undefined) {
      const expired = (): void =>
        endOnce({ reason: 'TokenExpired', message: expiredTokenMessage(token.id, expiresAt) });
      const delay = expiresAt - clock.now();
      // The caller is still setting its stream up, so even a token that has expired meanwhile
      // ends the stream only after this call returns.
      if (delay <= 0) queueMicrotask(expired);
      else expiryTimer = clock.setTimer(delay, expired);
    }

    const bound = token.boundPod;
    if (bound !== undefined) {
      const namespace = token.namespace ?? '';
      unwatchPod = store.watch('Pod', (event) => {
        const { metadata } = event.object;
        if (metadata.namespace !== namespace || metadata.name !== bound.name) return;
        if (event.type === 'DELETED' || !isBoundPodRunning(event.object as Pod, bound)) {
          endOnce({
            reason: 'BoundPodNotRunning',
            message: boundPodNotRunningMessage(token, bound),
          });
        }
      });
    }

    const recheck = async (): Promise<void> => {
      let invalidity: TokenInvalidity | undefined;
      try {
        invalidity = await recheckToken(store, token, clock.now());
      } catch (error) {
        // A failed read does not show whether the token is still valid, so the stream stays
        // open rather than ending every watch during a short database outage.
        this.recheckFailed(token.id, error);
        return;
      }
      this.recheckSucceeded(token.id);
      if (invalidity !== undefined) endOnce(invalidity);
    };
    const recheckPeriodically = async (): Promise<void> => {
      await recheck();
      if (stopped) return;
      recheckTimer = clock.setTimer(recheckIntervalMs, () => void recheckPeriodically());
    };
    recheckTimer = clock.setTimer(recheckIntervalMs, () => void recheckPeriodically());
    // A delete through the token API, or the end of the bound pod, between authentication and
    // this call found no tracked stream to end. The first re-check finds it as soon as the caller
    // has set its stream up.
    queueMicrotask(() => {
      if (!stopped) void recheck();
    });

    return stop;
  }

  /** Ends every tracked stream of token `id` at once. The token API calls it after a delete. */
  tokenDeleted(id: string): void {
    const ends = [...(this.tokens.get(id)?.ends ?? [])];
    for (const end of ends) end({ reason: 'TokenDeleted', message: invalidTokenMessage });
  }

  private recheckFailed(id: string, error: unknown): void {
    const tracked = this.tokens.get(id);
    if (tracked === undefined || tracked.recheckFailing) return;
    tracked.recheckFailing = true;
    this.options.logger.warn(
      { err: error, token: id, streams: tracked.ends.size },
      'token re-check of open streams failed, so they stay open',
    );
  }

  private recheckSucceeded(id: string): void {
    const tracked = this.tokens.get(id);
    if (tracked === undefined || !tracked.recheckFailing) return;
    tracked.recheckFailing = false;
    this.options.logger.info(
      { token: id, streams: tracked.ends.size },
      'token re-check of open streams succeeded again',
    );
  }
}
