import { isIP } from 'node:net';
import type { Logger } from '../util/logger.js';
import { CliError } from './errors.js';

/**
 * Returns whether `host` reaches only this machine: `localhost`, an IPv4 address in 127.0.0.0/8,
 * `::1`, or an IPv4-mapped IPv6 address in 127.0.0.0/8. Any other name may resolve to a
 * public address, so it counts as not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) !== 6) return false;

  // The URL parser writes IPv6 addresses in one canonical form, e.g. `::ffff:7f00:1`.
  const canonical = new URL(`http://[${bare}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * Logs a warning when the API listens on an address other than loopback, such as 0.0.0.0 (every
 * interface), without requiring tokens (`--insecure-allow-anonymous`). Anyone who can reach it
 * can then create Jobs and thereby run commands as the user of `cronmesh serve`.
 */
export function warnIfNotLoopback(logger: Logger, host: string, port: number): void {
  if (isLoopbackHost(host)) return;
  const address = isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
  logger.warn(
    { address },
    'the API listens on a non-loopback address and has no authentication, so anyone who can reach this address can run commands as this user',
  );
}

/**
 * Returns the error to report when the API cannot listen on `listen` (the `--listen` value). An
 * address in use gets a CliError that describes how to choose another address. Other errors pass through.
 */
export function describeListenError(error: unknown, listen: string): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') return error;
  return new CliError(
    `cannot listen on ${listen}: the address is already in use, perhaps by another cronmesh serve. ` +
      'Pass --listen HOST:PORT to listen on another address, and point the CLI at it with --server or CRONMESH_SERVER.',
  );
}
