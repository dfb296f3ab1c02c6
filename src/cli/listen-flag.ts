import { CliError } from './errors.js';

/** The host and port of a `--listen` flag. */
export interface ListenAddress {
  /** An IPv6 host without its brackets. */
  host: string;
  /** 0 picks a free port. */
  port: number;
}

/**
 * Parses a `--listen` value `HOST:PORT`, with an IPv6 host in brackets (`[::1]:9090`). Throws
 * CliError naming the value, with `example` as a valid one.
 */
export function parseListenFlag(value: string, example: string): ListenAddress {
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    throw new CliError(
      `invalid --listen value ${JSON.stringify(value)}: expected HOST:PORT, e.g. ${example}`,
    );
  }
  return { host: (match[1] ?? '').replace(/^\[(.*)\]$/, '$1'), port };
}
