import { connect } from 'node:net';
import type { TokenGrant } from '../../../src/store/issue-token.js';
import { issueToken } from '../../../src/store/issue-token.js';
import type { TestServer } from '../harness.js';
import { startTestServer } from '../harness.js';

export interface AuthResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** Starts the API on 127.0.0.1 with a fresh SQLite store, requiring a token on every request. */
export function startAuthServer(required = true): Promise<TestServer> {
  return startTestServer({ auth: { required } });
}

/** Stores a token for `grant` and returns its bearer string. */
export async function grantToken(server: TestServer, grant: TokenGrant): Promise<string> {
  return (await issueToken(server.store, grant, server.clock.now())).bearer;
}

/**
 * Sends a request with `Authorization: Bearer <token>` (none when `token` is undefined) and an
 * optional JSON body, and parses the response as JSON, or returns its text when it is not JSON.
 */
export async function call<T = Record<string, unknown>>(
  server: TestServer,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<AuthResponse<T>> {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    headers['Content-Type'] = contentType;
  }
  const response = await fetch(server.url + path, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Logs and probes respond with plain text.
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

/** Opens a watch and returns its HTTP status, then closes the connection. */
export async function watchStatus(
  server: TestServer,
  token: string | undefined,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const abort = new AbortController();
  const headers: Record<string, string> = {};
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  const response = await fetch(`${server.url}${path}?watch=true`, {
    headers,
    signal: abort.signal,
  });
  try {
    if (response.status === 200) return { status: 200, body: undefined };
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } finally {
    abort.abort();
  }
}

/**
 * Sends `requestLine` (such as `GET /path HTTP/1.1`) with `headers` over a plain socket, so that
 * neither the path nor the Host header is normalized, and returns the status code and body.
 */
export function rawRequest(
  server: TestServer,
  requestLine: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  const head = [
    requestLine,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.end(`${[...head, 'Connection: close'].join('\r\n')}\r\n\r\n`);
    });
    let response = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(response)?.[1] ?? 0);
      const separator = response.indexOf('\r\n\r\n');
      resolve({ status, body: separator < 0 ? '' : response.slice(separator + 4) });
    });
  });
}
