import type { FastifyReply } from 'fastify';
import type { AnyResource } from '../../api/types.js';
import type { ListOptions, Store, WatchEvent, WatchEventType } from '../../store/store.js';
import type { ResourceInfo } from '../kinds.js';
import type { ObjectFilter } from '../list-filter.js';
import { matchesFilter } from '../list-filter.js';
import type { Status } from '../status.js';
import type { OpenStreams } from '../streams.js';

export interface WatchContext {
  store: Store;
  streams: OpenStreams;
  /** A watcher whose unsent output grows beyond this many bytes is disconnected. */
  maxBufferedBytes: number;
}

/**
 * Streams a watch as newline-delimited JSON (`{"type":"ADDED","object":{...}}`): first every
 * matching object as ADDED, then the store's change events, until the client disconnects or the
 * server closes. An object that stops matching the filter is sent as DELETED, and one that starts
 * matching as ADDED, as the Kubernetes API does for label selector watches. A watch whose token
 * stops being valid ends with an ERROR event that carries the 401 Status.
 */
export async function serveWatch(
  context: WatchContext,
  info: ResourceInfo,
  filter: ObjectFilter,
  reply: FastifyReply,
): Promise<void> {
  const { store, streams } = context;
  // Events that arrive while the initial list is read wait here, so none is lost between them.
  const pending: WatchEvent[] = [];
  let listed = false;
  let closed = false;
  // Resource versions already sent, by uid, so events that the initial list covered are dropped.
  const sent = new Map<string, number>();
  const raw = reply.raw;

  const send = (type: WatchEventType, object: AnyResource): void => {
    raw.write(`${JSON.stringify({ type, object })}\n`);
    // The client reads too slowly; it reconnects and lists again, as Kubernetes clients do. The
    // socket is destroyed, because end() would keep it and the unsent output until the client reads.
    if (raw.writableLength > context.maxBufferedBytes) {
      close();
      raw.destroy();
    }
  };

  const forward = (event: WatchEvent): void => {
    if (closed) return;
    const object = event.object;
    const key = object.metadata.uid ?? `${object.metadata.namespace}/${object.metadata.name}`;
    const version = Number(object.metadata.resourceVersion ?? 0);
    const previous = sent.get(key);

    if (event.type === 'DELETED') {
      if (previous === undefined) return;
      sent.delete(key);
      send('DELETED', object);
      return;
    }
    if (previous !== undefined && previous >= version) return;
    if (!matchesFilter(object, filter)) {
      if (previous === undefined) return;
      sent.delete(key);
      send('DELETED', object);
      return;
    }
    sent.set(key, version);
    send(previous === undefined ? 'ADDED' : 'MODIFIED', object);
  };

  const unsubscribe = store.watch(info.kind, (event) => {
    if (listed) forward(event);
    else pending.push(event);
  });

  let items: AnyResource[];
  try {
    const options: ListOptions = { labelSelector: filter.labels };
    if (filter.namespace !== undefined) options.namespace = filter.namespace;
    items = await store.list(info.kind, options);
    streams.rejectExpiredToken(reply.request);
  } catch (error) {
    unsubscribe();
    throw error;
  }

  reply.hijack();
  raw.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  raw.flushHeaders();

  let unregister = (): void => undefined;
  function close(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    unregister();
    raw.end();
  }
  // The Kubernetes API server reports an error inside a watch as an ERROR event whose object is
  // a Status, so a client can tell this end from a server shutdown.
  function endForInvalidToken(status: Status): void {
    if (closed) return;
    raw.write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
    close();
  }
  unregister = streams.add(reply.request, { close, endForInvalidToken });
  raw.on('close', close);
  // A client that disconnected while the list was read emitted 'close' before the listener
  // above existed.
  if (raw.destroyed) {
    close();
    return;
  }

  for (const item of items) forward({ type: 'ADDED', object: item });
  listed = true;
  for (const event of pending.splice(0)) forward(event);
}
