import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { AnyResource } from '../../src/api/types.js';
import { createServer } from '../../src/server/server.js';
import type { Store, WatchEvent } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import { openTempStore } from '../support/temp-store.js';
import type { TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';
import { cronJobManifest, testStart } from './harness.js';

const mergePatch = 'application/merge-patch+json';

/** Delegates to a store and counts the watch subscriptions that are open. */
function countWatches(store: Store): { store: Store; open: () => number } {
  let open = 0;
  const counting = new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'watch') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<Store['watch']>) => {
        const unsubscribe = target.watch(...args);
        open++;
        let done = false;
        return () => {
          if (!done) open--;
          done = true;
          unsubscribe();
        };
      };
    },
  });
  return { store: counting, open: () => open };
}

/** Reads newline-delimited watch events from a streaming response. */
class WatchReader {
  private buffer = '';
  private readonly decoder = new TextDecoder();

  constructor(private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Returns the next event, or undefined when the stream ended. */
  async next(): Promise<WatchEvent<AnyResource> | undefined> {
    for (;;) {
      const newline = this.buffer.indexOf('\n');
      if (newline >= 0) {
        const line = this.buffer.slice(0, newline);
        this.buffer = this.buffer.slice(newline + 1);
        return JSON.parse(line) as WatchEvent<AnyResource>;
      }
      const chunk = await this.reader.read();
      if (chunk.done) return undefined;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
    }
  }
}

function summary(event: WatchEvent<AnyResource> | undefined): string {
  if (event === undefined) return 'end';
  return `${event.type} ${event.object.metadata.namespace}/${event.object.metadata.name}`;
}

describe('watch', () => {
  let temp: TempStore;
  let app: FastifyInstance;
  let url: string;
  let open: () => number;

  before(async () => {
    const clock = new FakeClock(testStart);
    temp = await openTempStore(clock);
    const counted = countWatches(temp.store);
    open = counted.open;
    app = createServer({ store: counted.store, clock });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await temp.cleanup();
  });

  async function send(
    method: string,
    path: string,
    body?: unknown,
    type = 'application/json',
  ): Promise<void> {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': type };
    }
    const response = await fetch(url + path, init);
    assert.equal(response.ok, true, `${method} ${path} returned ${response.status}`);
    await response.arrayBuffer();
  }

  async function watch(path: string, controller: AbortController): Promise<WatchReader> {
    const response = await fetch(url + path, { signal: controller.signal });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.notEqual(response.body, null);
    return new WatchReader((response.body as ReadableStream<Uint8Array>).getReader());
  }

  test('lists current objects then streams changes', async () => {
    const base = '/apis/batch/v1/namespaces/w1/cronjobs';
    await send('POST', base, cronJobManifest('a'));
    await send('POST', base, cronJobManifest('b'));

    const controller = new AbortController();
    const events = await watch(`${base}?watch=true`, controller);
    assert.equal(summary(await events.next()), 'ADDED w1/a');
    assert.equal(summary(await events.next()), 'ADDED w1/b');

    await send('POST', base, cronJobManifest('c'));
    assert.equal(summary(await events.next()), 'ADDED w1/c');
    await send('PATCH', `${base}/a`, { spec: { suspend: true } }, mergePatch);
    const modified = await events.next();
    assert.equal(summary(modified), 'MODIFIED w1/a');
    assert.equal((modified?.object as { spec: { suspend: boolean } }).spec.suspend, true);
    await send('DELETE', `${base}/b`);
    assert.equal(summary(await events.next()), 'DELETED w1/b');
    controller.abort();
  });

  test('namespaced watch ignores other namespaces', async () => {
    const controller = new AbortController();
    const events = await watch('/apis/batch/v1/namespaces/w2/cronjobs?watch=true', controller);
    await send('POST', '/apis/batch/v1/namespaces/w2-other/cronjobs', cronJobManifest('other'));
    await send('POST', '/apis/batch/v1/namespaces/w2/cronjobs', cronJobManifest('mine'));
    assert.equal(summary(await events.next()), 'ADDED w2/mine');
    controller.abort();
  });

  test('label selector watch follows label changes', async () => {
    const base = '/apis/batch/v1/namespaces/w3/cronjobs';
    const controller = new AbortController();
    const events = await watch(`${base}?watch=1&labelSelector=app%3Dweb`, controller);

    await send('POST', base, cronJobManifest('x', { app: 'web' }));
    assert.equal(summary(await events.next()), 'ADDED w3/x');
    await send('PATCH', `${base}/x`, { metadata: { labels: { app: 'db' } } }, mergePatch);
    assert.equal(summary(await events.next()), 'DELETED w3/x');
    await send('POST', base, cronJobManifest('y', { app: 'db' }));
    await send('PATCH', `${base}/y`, { metadata: { labels: { app: 'web' } } }, mergePatch);
    assert.equal(summary(await events.next()), 'ADDED w3/y');
    controller.abort();
  });

  test('all-namespaces watch sees every namespace', async () => {
    const controller = new AbortController();
    const events = await watch(
      '/apis/batch/v1/cronjobs?watch=true&fieldSelector=metadata.namespace%3Dw4',
      controller,
    );
    await send('POST', '/apis/batch/v1/namespaces/w4/cronjobs', cronJobManifest('first'));
    assert.equal(summary(await events.next()), 'ADDED w4/first');
    controller.abort();
  });

  test('client disconnect ends the subscription', async () => {
    await waitFor('earlier watches to close', () => open() === 0);
    const controller = new AbortController();
    await watch('/apis/batch/v1/namespaces/w5/cronjobs?watch=true', controller);
    await waitFor('the watch to subscribe', () => open() === 1);
    controller.abort();
    await waitFor('the watch to unsubscribe', () => open() === 0);
    assert.equal(open(), 0);
  });
});

describe('watch at server close', () => {
  test('close ends open watches', async () => {
    const clock = new FakeClock(testStart);
    const temp = await openTempStore(clock);
    const app = createServer({ store: temp.store, clock });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    try {
      const response = await fetch(
        `http://127.0.0.1:${port}/api/v1/namespaces/default/pods?watch=true`,
      );
      const events = new WatchReader((response.body as ReadableStream<Uint8Array>).getReader());
      const ended = events.next();
      await app.close();
      assert.equal(summary(await ended), 'end');
    } finally {
      await temp.cleanup();
    }
  });
});
