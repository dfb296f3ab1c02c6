import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import type { AnyResource, ConfigMap, Pod } from '../../../src/api/types.js';
import { createServer } from '../../../src/server/server.js';
import type { ServerOptions } from '../../../src/server/server.js';
import type { Status } from '../../../src/server/status.js';
import { ForwardingStore } from '../../../src/store/forwarding-store.js';
import type { ListOptions, Store } from '../../../src/store/store.js';
import type { TokenRecord } from '../../../src/store/tokens.js';
import { FakeClock } from '../../../src/util/clock.js';
import { openTempStore } from '../../support/temp-store.js';
import type { TestServer } from '../harness.js';
import { podObject, testStart } from '../harness.js';

export const endedMessage = 'stream ended because its token is no longer valid';
export const deletedMessage = 'invalid bearer token: it is malformed, unknown or deleted';

/** Returns the 401 Status that the server sends for a token rejected with `message`. */
export function unauthorizedStatus(message: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Unauthorized',
    code: 401,
  };
}

/** Log lines of a server, parsed from the JSON that pino writes. */
export class LogLines {
  readonly raw: string[] = [];

  readonly logger = pino({ level: 'info' }, { write: (line: string) => this.raw.push(line) });

  /** Returns the parsed lines whose message is `message`. */
  withMessage(message: string): Record<string, unknown>[] {
    return this.raw
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['msg'] === message);
  }

  /** Returns the parsed lines that report an ended stream of token `id`. */
  endedStreams(id: string): Record<string, unknown>[] {
    return this.withMessage(endedMessage).filter((line) => line['token'] === id);
  }
}

/** One parsed line of a watch response. */
export interface WatchLine {
  type: string;
  object: AnyResource | Status;
}

/** Reads a streaming response as text, chunk by chunk. */
export class StreamReader {
  text = '';
  /** The event that nextEvent returned last. */
  lastEvent: WatchLine | undefined;
  private readonly decoder = new TextDecoder();
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(response: Response) {
    this.reader = (response.body as ReadableStream<Uint8Array>).getReader();
  }

  /** Reads until the text received so far ends with `suffix`. Returns false when the stream ends first. */
  async readUntil(suffix: string): Promise<boolean> {
    while (!this.text.endsWith(suffix)) {
      if ((await this.readChunk()) !== 'chunk') return false;
    }
    return true;
  }

  /**
   * Reads to the end of the stream. Returns the whole text, and whether the connection broke
   * before the response was complete.
   */
  async readToEnd(): Promise<{ text: string; truncated: boolean }> {
    for (;;) {
      const result = await this.readChunk();
      if (result !== 'chunk') return { text: this.text, truncated: result === 'truncated' };
    }
  }

  /**
   * Returns the next watch event as `TYPE namespace/name`, an ERROR event as `ERROR <message>`,
   * `end` when the response ended, or `truncated` when the connection broke before its end.
   * Consumes the text up to the event's newline.
   */
  async nextEvent(): Promise<string> {
    for (;;) {
      const newline = this.text.indexOf('\n');
      if (newline >= 0) {
        const line = this.text.slice(0, newline);
        this.text = this.text.slice(newline + 1);
        const event = JSON.parse(line) as WatchLine;
        this.lastEvent = event;
        if (event.type === 'ERROR') return `ERROR ${(event.object as Status).message}`;
        const { metadata } = event.object as ConfigMap;
        return `${event.type} ${metadata.namespace}/${metadata.name}`;
      }
      const result = await this.readChunk();
      if (result !== 'chunk') return result;
    }
  }

  async cancel(): Promise<void> {
    await this.reader.cancel();
  }

  private async readChunk(): Promise<'chunk' | 'end' | 'truncated'> {
    let chunk: Awaited<ReturnType<typeof this.reader.read>>;
    try {
      chunk = await this.reader.read();
    } catch (error) {
      // Node's fetch throws this when the connection closes before the response is complete.
      if (error instanceof TypeError && error.message === 'terminated') return 'truncated';
      throw error;
    }
    if (chunk.done) return 'end';
    this.text += this.decoder.decode(chunk.value, { stream: true });
    return 'chunk';
  }
}

export function idOf(bearer: string): string {
  return bearer.slice('cmt_'.length, 'cmt_'.length + 12);
}

export function configMapsPath(namespace: string): string {
  return `/api/v1/namespaces/${namespace}/configmaps`;
}

export function tokenPath(namespace: string, bearer: string): string {
  return `/apis/cronmesh.io/v1/namespaces/${namespace}/tokens/${idOf(bearer)}`;
}

/** Sends a GET with `Authorization: Bearer <token>` and returns the streaming response. */
export async function openStream(
  server: TestServer,
  token: string,
  path: string,
): Promise<{ status: number; reader: StreamReader }> {
  const response = await fetch(server.url + path, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return { status: response.status, reader: new StreamReader(response) };
}

export async function createConfigMap(server: TestServer, namespace: string, name: string) {
  const configMap: ConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace },
    data: {},
  };
  await server.store.create(configMap, server.clock.now());
}

export async function createPod(server: TestServer, namespace: string, name: string): Promise<Pod> {
  const pod = podObject(name, ['main']);
  pod.metadata.namespace = namespace;
  return server.store.create(pod, server.clock.now());
}

/** Resolves once every promise callback that is already queued has run. */
export function settleCallbacks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A read of ObservedStore that waits until the test releases it. */
export interface HeldRead {
  /** Resolves when the read has started and waits. */
  started: Promise<void>;
  release(): void;
}

/**
 * A store that counts its reads by key (`token:<id>`, `list:<kind>`, `find:<kind>`), can hold the
 * next read of a key until the test releases it, and can fail token reads as an outage would.
 */
export class ObservedStore extends ForwardingStore {
  /** When set, every findToken call rejects with this error. */
  tokenReadError: Error | undefined;
  private readonly settled = new Map<string, number>();
  private readonly held = new Map<string, { started: () => void; released: Promise<void> }>();
  private readonly waiters = new Set<() => void>();

  constructor(inner: Store) {
    super(inner);
  }

  override findToken(id: string): Promise<TokenRecord | undefined> {
    return this.observe(`token:${id}`, () => {
      if (this.tokenReadError !== undefined) return Promise.reject(this.tokenReadError);
      return super.findToken(id);
    });
  }

  override list<T extends AnyResource>(kind: T['kind'], options?: ListOptions): Promise<T[]> {
    return this.observe(`list:${kind}`, () => super.list<T>(kind, options));
  }

  override find<T extends AnyResource>(
    kind: T['kind'],
    namespace: string,
    name: string,
  ): Promise<T | undefined> {
    return this.observe(`find:${kind}`, () => super.find<T>(kind, namespace, name));
  }

  /** Returns how many reads of `key` have returned or thrown. */
  reads(key: string): number {
    return this.settled.get(key) ?? 0;
  }

  /** Resolves once `count` reads of `key` have returned or thrown; rejects after `timeoutMs`. */
  async waitForReads(key: string, count: number, timeoutMs = 5000): Promise<void> {
    if (this.reads(key) >= count) return;
    let waiter = (): void => undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `timed out after ${timeoutMs} ms waiting for ${count} reads of ${key}; ` +
                  `${this.reads(key)} so far`,
              ),
            ),
          timeoutMs,
        );
        waiter = () => {
          if (this.reads(key) >= count) resolve();
        };
        this.waiters.add(waiter);
      });
    } finally {
      clearTimeout(timer);
      this.waiters.delete(waiter);
    }
  }

  /** Holds the next read of `key` until `release` is called. */
  holdNext(key: string): HeldRead {
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started = (): void => undefined;
    const startedPromise = new Promise<void>((resolve) => (started = resolve));
    this.held.set(key, { started, released });
    return { started: startedPromise, release };
  }

  private async observe<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hold = this.held.get(key);
    if (hold !== undefined) {
      this.held.delete(key);
      hold.started();
      await hold.released;
    }
    try {
      return await read();
    } finally {
      this.settled.set(key, this.reads(key) + 1);
      for (const waiter of [...this.waiters]) waiter();
    }
  }
}

/** A test server on an ObservedStore. */
export interface ObservedServer extends TestServer {
  clock: FakeClock;
  observed: ObservedStore;
}

/**
 * Starts the API on 127.0.0.1 with a real SQLite store wrapped in an ObservedStore, a FakeClock
 * at `testStart`, and tokens required.
 */
export async function startObservedServer(
  options: Partial<Omit<ServerOptions, 'store' | 'clock'>> = {},
): Promise<ObservedServer> {
  const clock = new FakeClock(testStart);
  const temp = await openTempStore(clock);
  const observed = new ObservedStore(temp.store);
  const app = createServer({ auth: { required: true }, ...options, store: observed, clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store: observed,
    observed,
    clock,
    app,
    async close() {
      await app.close();
      await temp.cleanup();
    },
  };
}
