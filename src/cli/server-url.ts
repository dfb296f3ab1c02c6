import { CliError } from './errors.js';

// A value that starts with a scheme, such as `http://` or `ftp://`.
const schemePrefix = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
// HOST:PORT without a scheme: a host name, an IPv4 address or a bracketed IPv6 address.
const hostAndPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

/**
 * Parses the API server address given by `--server` or CRONMESH_SERVER, named by `source` in
 * the error. A URL must use http or https. A value without a scheme must be HOST:PORT and means
 * http://HOST:PORT, as kubectl reads a server without a scheme when no TLS is configured.
 * Returns the URL without a trailing slash. Throws CliError for any other value.
 */
export function parseServerUrl(value: string, source: '--server' | 'CRONMESH_SERVER'): string {
  const invalid = new CliError(
    `invalid ${source} value ${JSON.stringify(value)}: expected a URL such as http://127.0.0.1:8080`,
  );
  if (!schemePrefix.test(value) && !isHostAndPort(value)) throw invalid;

  let url: URL;
  try {
    url = new URL(schemePrefix.test(value) ? value : `http://${value}`);
  } catch {
    throw invalid;
  }
  const usable =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.hostname !== '' &&
    url.username === '' &&
    url.password === '' &&
    url.search === '' &&
    url.hash === '';
  if (!usable) throw invalid;
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function isHostAndPort(value: string): boolean {
  const match = hostAndPort.exec(value);
  return match !== null && Number(match[2]) <= 65535;
}
