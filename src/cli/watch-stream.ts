import type { AnyResource } from '../api/types.js';
import type { WatchEvent } from '../store/store.js';

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

/** Reads newline-delimited watch events. */
export async function* readWatchEvents(
  body: AsyncIterable<Uint8Array>,
): AsyncGenerator<WatchEvent<AnyResource>> {
  for await (const line of readLines(body)) {
    if (line.trim() === '') continue;
    yield JSON.parse(line) as WatchEvent<AnyResource>;
  }
}

/** Returns whether an error comes from aborting a request, as Ctrl+C does during a watch. */
export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}
