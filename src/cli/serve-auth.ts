import type { AddressInfo } from 'node:net';
import { CliError } from './errors.js';
import { isLoopbackHost } from './listen-address.js';

export interface AuthFlags {
  auth?: boolean;
  insecureAllowAnonymous?: boolean;
}

/**
 * Returns whether the API requires bearer tokens. Throws CliError for a non-loopback `host`
 * without `--auth`, because anyone who reaches it could create Jobs and so run commands as this
 * user, unless `--insecure-allow-anonymous` accepts that.
 */
export function parseAuthFlags(flags: AuthFlags, host: string, listen: string): boolean {
  const required = flags.auth === true;
  if (required && flags.insecureAllowAnonymous === true) {
    throw new CliError(
      '--auth and --insecure-allow-anonymous contradict each other: pass only one of them',
    );
  }
  if (!required && flags.insecureAllowAnonymous !== true && !isLoopbackHost(host)) {
    throw new CliError(
      `cannot listen on ${listen} without authentication: anyone who can reach a non-loopback ` +
        'address could run commands as this user. Pass --auth to require bearer tokens, or ' +
        '--insecure-allow-anonymous to serve anonymous requests anyway.',
    );
  }
  return required;
}

/**
 * Returns the URL at which attempts on this machine reach the API: the listening address, with
 * a wildcard address (0.0.0.0, ::) replaced by the loopback address of its family.
 */
export function localApiUrl(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return `http://127.0.0.1:${address.port}`;
  if (address.address === '::') return `http://[::1]:${address.port}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
