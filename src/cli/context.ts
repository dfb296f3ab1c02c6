import type { ApiClient } from './client.js';

/** The output streams of a command; main wires them to process.stdout and process.stderr. */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** The dependencies of every command that calls the API server. */
export interface CommandContext {
  client: ApiClient;
  namespace: string;
  /** Whether the namespace came from `-n`, not the default, as kubectl's apply checks. */
  namespaceFromFlag: boolean;
  out: Output;
  /** The wall-clock time in milliseconds, for ages. */
  now(): number;
  /** Aborted on SIGINT or SIGTERM, to end watches and followed logs. */
  signal: AbortSignal;
}
