import type { AnyResource } from '../api/types.js';
import type { Status } from '../server/status.js';
import type { WatchEvent } from '../store/store.js';

/** A watch that the server ended with an ERROR event. `status` is the event's object. */
export class WatchEndedError extends Error {
  readonly code = 'WatchEnded';

  constructor(readonly status: Status) {
    super(status.message ?? `the server ended the watch with HTTP status ${status.code}`);
    this.name = 'WatchEndedError';
  }
}

/** A stream whose connection broke before the server completed the response. */
export class StreamEndedEarlyError extends Error {
  readonly code = 'StreamEndedEarly';

  constructor(streamName: string, reason: string) {
    super(`the ${streamName} ended early: ${reason}`);
    this.name = 'StreamEndedEarlyError';
  }
}

/** Splits a byte stream into text lines, decoding UTF-8 across chunk boundaries. */
export async function* readLines(body: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending !== '') yield pending;
}

/**
 * Reads newline-delimited watch events. Throws WatchEndedError at an ERROR event, with which the
 * server ends a watch whose token stopped being valid.
 */
export async function* readWatchEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<WatchEvent<AnyResource>> {
  for await (const line of readLines(body)) {
    if (line.trim() === '') continue;
    const event = JSON.parse(line) as WatchEvent<AnyResource> | { type: 'ERROR'; object: Status };
    if (event.type === 'ERROR') throw new WatchEndedError(event.object);
    yield event;
  }
}

/**
 * Returns the error to report for `error`, which reading the body of the stream `streamName`
 * threw. Node's fetch (undici, as of Node 20) throws `TypeError: terminated` when the connection
 * closes before the response is complete, and its `cause` gives the reason, such as
 * `other side closed`.
 */
export function streamReadError(streamName: string, error: unknown): unknown {
  if (!(error instanceof TypeError) || error.message !== 'terminated') return error;
  const cause: unknown = error.cause;
  const reason = cause instanceof Error ? cause.message : error.message;
  return new StreamEndedEarlyError(streamName, reason);
}

/** Returns whether an error comes from aborting a request, as Ctrl+C does during a watch. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
