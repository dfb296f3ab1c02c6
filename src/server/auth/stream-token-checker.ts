import type { Pod } from '../../api/types.js';
import type { Store } from '../../store/store.js';
import type { TokenRecord } from '../../store/tokens.js';
import type { Clock, Timer } from '../../util/clock.js';
import type { TokenInvalidReason } from './token-validity.js';
import { isBoundPodRunning, recheckToken } from './token-validity.js';

export interface StreamTokenCheckerOptions {
  store: Store;
  /** Source of the expiry timers and of the re-check timer. */
  clock: Clock;
  /** How often the token of each tracked stream is read from the store again, in milliseconds. */
  recheckIntervalMs: number;
}

/** The callbacks of one tracked stream. */
export interface TrackedStream {
  /** Ends the stream. Called at most once, and never after the stream is untracked. */
  end(reason: TokenInvalidReason): void;
  /**
   * Reports the first re-check that threw after one that did not, so an outage of the store is
   * reported once per stream. The stream stays open and is checked again after the interval.
   */
  recheckFailed(error: unknown): void;
}

/**
 * Ends long-lived responses (watches, followed logs) once the token that authenticated them stops
 * being valid, because authentication runs only when a request starts. A stream ends:
 *
 * - at once when this server's token API deletes the token (`tokenDeleted`);
 * - at the token's `expiresAt`, by a timer of the clock;
 * - at once when the store's watch reports that the pod of a token bound to a pod has finished or
 *   is gone;
 * - otherwise at the next re-check, which reads the token and its bound pod from the store every
 *   `recheckIntervalMs`. That interval is the bound for a token that another process deleted,
 *   such as another `serve` replica or a worker when its attempt ends.
 *
 * NOTE: the role is not checked again, so a stream keeps the permission it started with, even
 * after a service account loses its role. Authorizing the request's attributes again at each
 * re-check would close this gap.
 */
export class StreamTokenChecker {
  /** The `end` functions of the tracked streams, by token id. */
  private readonly streamsByToken = new Map<string, Set<(reason: TokenInvalidReason) => void>>();

  constructor(private readonly options: StreamTokenCheckerOptions) {
    const interval = options.recheckIntervalMs;
    if (!Number.isFinite(interval) || interval <= 0) {
      throw new RangeError(
        `invalid token re-check interval ${interval} ms: expected a positive number of milliseconds`,
      );
    }
  }

  /**
   * Starts checking `token`, the token that authenticated a stream, and calls `stream.end` once
   * when it stops being valid. Returns the function that stops checking.
   */
  track(token: TokenRecord, stream: TrackedStream): () => void {
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
      const ends = this.streamsByToken.get(token.id);
      ends?.delete(end);
      if (ends?.size === 0) this.streamsByToken.delete(token.id);
    };
    const end = (reason: TokenInvalidReason): void => {
      if (stopped) return;
      stop();
      stream.end(reason);
    };

    const ends = this.streamsByToken.get(token.id) ?? new Set();
    ends.add(end);
    this.streamsByToken.set(token.id, ends);

    if (token.expiresAt !== undefined) {
      const delay = token.expiresAt - clock.now();
      // The caller is still setting its stream up, so even a token that has expired meanwhile
      // ends the stream only after this call returns.
      if (delay <= 0) queueMicrotask(() => end('TokenExpired'));
      else expiryTimer = clock.setTimer(delay, () => end('TokenExpired'));
    }

    const bound = token.boundPod;
    if (bound !== undefined) {
      const namespace = token.namespace ?? '';
      unwatchPod = store.watch('Pod', (event) => {
        const { metadata } = event.object;
        if (metadata.namespace !== namespace || metadata.name !== bound.name) return;
        if (event.type === 'DELETED' || !isBoundPodRunning(event.object as Pod, bound)) {
          end('BoundPodNotRunning');
        }
      });
    }

    let failing = false;
    const recheck = async (): Promise<void> => {
      try {
        const reason = await recheckToken(store, token, clock.now());
        failing = false;
        if (reason !== undefined) end(reason);
      } catch (error) {
        // A failed read does not show whether the token is still valid, so the stream stays
        // open rather than ending every watch during a short database outage.
        if (!stopped && !failing) stream.recheckFailed(error);
        failing = true;
      }
      if (!stopped) recheckTimer = clock.setTimer(recheckIntervalMs, () => void recheck());
    };
    recheckTimer = clock.setTimer(recheckIntervalMs, () => void recheck());

    return stop;
  }

  /** Ends every tracked stream of token `id` at once. The token API calls it after a delete. */
  tokenDeleted(id: string): void {
    for (const end of [...(this.streamsByToken.get(id) ?? [])]) end('TokenDeleted');
  }
}
