import type { Status } from '../server/status.js';

/** An error Status from the server. `code` is the Status reason, e.g. `NotFound`. */
export class ServerError extends Error {
  readonly code: string;

  constructor(
    readonly status: Status,
    readonly httpStatus: number,
  ) {
    super(status.message ?? `the server returned HTTP ${httpStatus}`);
    this.name = 'ServerError';
    this.code = status.reason ?? '';
  }
}

/** The server could not be reached at all. */
export class ConnectionError extends Error {
  readonly code = 'ConnectionFailed';

  constructor(
    readonly server: string,
    readonly causeCode: string | undefined,
    detail: string,
  ) {
    super(
      causeCode === 'ECONNREFUSED'
        ? `cannot reach the cronmesh server at ${server}: is 'cronmesh serve' running?`
        : `cannot reach the cronmesh server at ${server}: ${detail}`,
    );
    this.name = 'ConnectionError';
  }
}

export type Query = Record<string, string | undefined>;

interface RequestOptions {
  query?: Query;
  body?: unknown;
  contentType?: string;
}

/** A small client of the cronmesh REST API. Paths are absolute, e.g. `/api/v1/namespaces/x/pods`. */
export class ApiClient {
  readonly server: string;

  /**
   * `signal` ends every request of this client when it aborts (SIGINT, SIGTERM). `token`, when
   * given, is sent as `Authorization: Bearer <token>`.
   */
  constructor(
    server: string,
    private readonly signal?: AbortSignal,
    private readonly token?: string,
  ) {
    this.server = server.replace(/\/+$/, '');
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, { query });
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('POST', path, { body });
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', path, { body });
  }

  /** Sends a JSON merge patch (RFC 7386). */
  mergePatch<T>(path: string, patch: unknown): Promise<T> {
    return this.json<T>('PATCH', path, {
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  delete<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('DELETE', path, { query });
  }

  /**
   * Sends a GET whose response streams (watch, followed log) and returns the body as it
   * arrives.
   */
  async stream(path: string, query: Query): Promise<AsyncIterable<Uint8Array>> {
    const response = await this.send('GET', path, { query });
    if (!response.ok) throw await errorFromResponse(response);
    if (response.body === null) return (async function* () {})();
    return response.body;
  }

  /** Sends a GET and returns the response body as text. */
  async text(path: string, query?: Query): Promise<string> {
    const response = await this.send('GET', path, { query });
    if (!response.ok) throw await errorFromResponse(response);
    return response.text();
  }

  private async json<T>(method: string, path: string, options: RequestOptions): Promise<T> {
    const response = await this.send(method, path, options);
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  }

  private async send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token !== undefined) headers['Authorization'] = `Bearer ${this.token}`;
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) {
      init.body = JSON.stringify(options.body);
      headers['Content-Type'] = options.contentType ?? 'application/json';
    }
    if (this.signal !== undefined) init.signal = this.signal;

    try {
      return await fetch(url, init);
    } catch (error) {
      if (this.signal?.aborted === true) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new ConnectionError(
        this.server,
        cause?.code,
        cause?.message ?? (error as Error).message,
      );
    }
  }
}

async function errorFromResponse(response: Response): Promise<ServerError> {
  const text = await response.text();
  let status: Status | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Status>;
    if (parsed.kind === 'Status') status = parsed as Status;
  } catch {
    // Not JSON: the body text becomes the message below.
  }
  status ??= {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: text.trim() === '' ? `the server returned HTTP ${response.status}` : text.trim(),
    reason: reasonForHttpStatus(response.status),
    code: response.status,
  };
  return new ServerError(status, response.status);
}

/** Returns the Kubernetes Status reason for an HTTP status code without a Status body. */
function reasonForHttpStatus(code: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    413: 'RequestEntityTooLarge',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    500: 'InternalError',
    503: 'ServiceUnavailable',
  };
  return reasons[code] ?? 'Unknown';
}
