import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock } from '../../util/clock.js';
import type { ProbeHandler, ProbeOutcome } from './types.js';

/**
 * User-Agent that kubelet sends, `kube-probe/<major>.<minor>`. The version is the Kubernetes
 * release whose core/v1 fields cronmesh accepts.
 */
export const PROBE_USER_AGENT = 'kube-probe/1.34';

/** Bytes of the response body that are read, as kubelet reads at most 10 KiB. */
const MAX_BODY_BYTES = 10 * 1024;
/** Redirects followed to the same host before the probe fails, as Go's HTTP client stops. */
const MAX_REDIRECTS = 10;

type HttpGet = Extract<ProbeHandler, { type: 'httpGet' }>;

/**
 * Sends one GET request, as kubelet's HTTP probe does: 200 <= status < 400 is a success,
 * redirects to the same host are followed, a redirect to another host ends the probe with a
 * warning, and HTTPS skips certificate verification. `timeoutMs` bounds the whole exchange.
 * Aborting `signal` closes the connection and fails the probe.
 */
export async function runHttpProbe(
  handler: HttpGet,
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  // Aborted when timeoutMs has passed or `signal` aborts, whichever comes first.
  const abort = new AbortController();
  let timedOut = false;
  const timer = clock.setTimer(timeoutMs, () => {
    timedOut = true;
    abort.abort();
  });
  const onStop = (): void => abort.abort();
  if (signal?.aborted === true) onStop();
  signal?.addEventListener('abort', onStop, { once: true });
  let url = formatProbeUrl(handler);
  try {
    for (let redirects = 0; ; redirects++) {
      let response: ProbeResponse;
      try {
        response = await get(url, handler, abort.signal);
      } catch (error) {
        return { result: 'failure', output: describeRequestError(url, error, timedOut) };
      }

      const { status, location, body } = response;
      if (status >= 300 && status < 400 && location !== undefined) {
        const target = new URL(location, url);
        // Go's HTTP client, which kubelet uses, then returns the 3xx response itself.
        if (target.hostname !== url.hostname) return redirectWarning(body);
        if (redirects >= MAX_REDIRECTS) {
          return {
            result: 'failure',
            output: `Get ${JSON.stringify(target.href)}: stopped after ${MAX_REDIRECTS} redirects`,
          };
        }
        url = target;
        continue;
      }
      if (status >= 200 && status < 300) return { result: 'success', output: body };
      if (status >= 300 && status < 400) return redirectWarning(body);
      return { result: 'failure', output: `HTTP probe failed with statuscode: ${status}` };
    }
  } finally {
    timer.cancel();
    signal?.removeEventListener('abort', onStop);
  }
}

/** Returns kubelet's outcome for a 3xx response that ended the probe: a success with a warning. */
function redirectWarning(body: string): ProbeOutcome {
  return { result: 'warning', output: `Probe terminated redirects, Response body: ${body}` };
}

/** Returns the URL kubelet builds from the action: scheme, host, port and path. */
export function formatProbeUrl(handler: HttpGet): URL {
  const host = handler.host.includes(':') ? `[${handler.host}]` : handler.host;
  return new URL(`${handler.scheme.toLowerCase()}://${host}:${handler.port}${handler.path}`);
}

/** A failure after the response headers arrived, while the body was read. */
class BodyReadError extends Error {}

interface ProbeResponse {
  status: number;
  location: string | undefined;
  body: string;
}

function get(url: URL, handler: HttpGet, signal: AbortSignal): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'GET',
      headers: buildHeaders(handler),
      signal,
      // Kubelet skips certificate verification for HTTPS probes.
      rejectUnauthorized: false,
      agent: false,
    });
    let responded = false;
    // `on`, not `once`, so that a second error after an abort is never left unhandled.
    request.on('error', (error) => reject(responded ? new BodyReadError(error.message) : error));
    request.once('response', (response: IncomingMessage) => {
      responded = true;
      const chunks: Buffer[] = [];
      let length = 0;
      let finished = false;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        // Closes the connection, so a body longer than the limit is never read to its end.
        response.destroy();
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
        });
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length >= MAX_BODY_BYTES) finish();
      });
      response.once('end', finish);
      response.on('error', (error) => {
        if (!finished) reject(new BodyReadError(error.message));
      });
    });
    request.end();
  });
}

/**
 * Builds the request headers as kubelet and Go's HTTP client send them: the action's
 * `httpHeaders`, where a repeated name sends several lines, then `User-Agent: kube-probe/...`
 * and `Accept: *\/*` unless the action sets them. Only the first `Host` and `User-Agent` value
 * is sent, and an empty first `Host`, `User-Agent` or `Accept` value sends no such header.
 */
function buildHeaders(handler: HttpGet): Record<string, string | string[]> {
  const headers: Record<string, string[]> = {};
  for (const { name, value } of handler.headers) {
    const key = name.toLowerCase();
    (headers[key] ??= []).push(value);
  }
  headers['user-agent'] ??= [PROBE_USER_AGENT];
  headers.accept ??= ['*/*'];

  const result: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    const first = values[0] ?? '';
    if (first === '' && ['host', 'user-agent', 'accept'].includes(name)) continue;
    result[name] = name === 'host' || name === 'user-agent' ? first : values;
  }
  return result;
}

/** Describes a failed request in the words of Go's HTTP client, which kubelet reports. */
function describeRequestError(url: URL, error: unknown, timedOut: boolean): string {
  const target = `Get ${JSON.stringify(url.href)}`;
  if (timedOut) {
    const stage =
      error instanceof BodyReadError
        ? 'Client.Timeout or context cancellation while reading body'
        : 'Client.Timeout exceeded while awaiting headers';
    return `${target}: context deadline exceeded (${stage})`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  const address = `${url.hostname}:${url.port}`;
  if (code === 'ECONNREFUSED') return `${target}: dial tcp ${address}: connect: connection refused`;
  const message = error instanceof Error ? error.message : String(error);
  return `${target}: ${message}`;
}
