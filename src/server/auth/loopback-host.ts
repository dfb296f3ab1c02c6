import { isIP } from 'node:net';
import { StatusError, failureStatus } from '../status.js';

/**
 * Returns whether the value of a Host header names this machine: `localhost`, an IPv4 address
 * in 127.0.0.0/8, `[::1]`, or an IPv4-mapped IPv6 address in 127.0.0.0/8, with or without a
 * port. Any other name counts as remote, because a web page's own name can resolve to
 * 127.0.0.1 (DNS rebinding).
 */
export function isLoopbackHostHeader(host: string): boolean {
  let name = host;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return false;
    name = host.slice(1, end);
  } else if (host.split(':').length === 2) {
    name = host.slice(0, host.indexOf(':'));
  }

  if (name.toLowerCase() === 'localhost') return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) !== 6) return false;
  // The URL parser writes IPv6 addresses in one canonical form, e.g. `::ffff:7f00:1`.
  const canonical = new URL(`http://[${name}]/`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * Throws 403 Forbidden for a request without a token whose Host header does not name this
 * machine. A browser sends every request of a web page with the page's host name, so this
 * rejects a page that points its own name at 127.0.0.1 to reach an API that needs no token.
 */
export function checkAnonymousHost(host: string | undefined): void {
  if (host !== undefined && isLoopbackHostHeader(host)) return;
  const received = host === undefined ? 'no Host header' : `Host ${JSON.stringify(host)}`;
  throw new StatusError(
    failureStatus(
      403,
      'Forbidden',
      `a request without a bearer token must be addressed to localhost, 127.0.0.1 or [::1], ` +
        `not ${received}, so that web pages cannot reach this API through DNS rebinding: send a ` +
        'bearer token, or start cronmesh serve with --insecure-allow-anonymous to accept any host',
      {},
    ),
  );
}
