import type { AnyResource } from '../api/types.js';
import type { Store, WatchEvent, WatchEventType } from '../store/store.js';

/**
 * Receives each change an Informer applies: the object as the event carried it and the cached
 * copy it replaced (undefined for a new object). For DELETED, `object` is the deleted object.
 */
export type InformerHandler<T extends AnyResource> = (
  type: WatchEventType,
  object: T,
  previous: T | undefined,
) => void;

/** The reads an Informer serves. Returned objects are shared and must not be changed. */
export interface ObjectCache<T extends AnyResource> {
  get(namespace: string, name: string): T | undefined;
  /** Returns every cached object, in no particular order. */
  list(): IterableIterator<T>;
  /** Returns the cached objects in `namespace` that reference `ownerUid`, ordered by name. */
  listOwnedBy(namespace: string, ownerUid: string): T[];
}

/**
 * An in-memory copy of every object of one kind, fed by the store's watch, with an index by
 * owner uid, as a client-go informer keeps one for a Kubernetes controller. Reconciles read
 * the cache, so only their writes reach the store.
 *
 * The cache never lags behind this process's own writes, because both stores deliver a
 * write's event before the write resolves. Writes of other processes (other PostgreSQL
 * instances) arrive a little later through the change feed. A controller that writes an object
 * read from the cache therefore sends its resourceVersion, and a stale copy makes the write fail
 * with a conflict and the key retry, as in Kubernetes.
 *
 * Objects returned by `get` and `list` are the cached ones and are shared by every caller:
 * callers must copy an object before they change it.
 */
export class Informer<T extends AnyResource> implements ObjectCache<T> {
  private readonly objects = new Map<string, T>();
  /** Owner uid to the keys of the objects that reference it. */
  private readonly owned = new Map<string, Set<string>>();
  private readonly handlers = new Set<InformerHandler<T>>();
  private unsubscribe: (() => void) | undefined;
  /** Events that arrive while the first list runs; undefined once it has been applied. */
  private buffered: WatchEvent[] | undefined;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    readonly kind: T['kind'],
  ) {}

  /** Whether the first list has been applied. */
  get synced(): boolean {
    return this.starting !== undefined && this.buffered === undefined;
  }

  get size(): number {
    return this.objects.size;
  }

  /**
   * Subscribes to the kind's changes and then lists it once. Events that arrive during the list
   * are applied after it, in order, and an event older than the cached object is ignored, so
   * the cache ends up at the store's state either way. Calling it again returns the first
   * call's promise.
   */
  start(): Promise<void> {
    this.starting ??= this.listAndWatch();
    return this.starting;
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Registers a handler for the changes applied from now on. Returns the unregister function. */
  addHandler(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    return () => {
      this.handlers.delete(handler);
    };
  }

  /** Returns the cached object, if any. */
  get(namespace: string, name: string): T | undefined {
    return this.objects.get(keyOf(namespace, name));
  }

  /** Returns every cached object, in no particular order. */
  list(): IterableIterator<T> {
    return this.objects.values();
  }

  /** Returns the cached objects in `namespace` that reference `ownerUid`, ordered by name. */
  listOwnedBy(namespace: string, ownerUid: string): T[] {
    const keys = this.owned.get(ownerUid);
    if (keys === undefined) return [];
    const result: T[] = [];
    for (const key of keys) {
      const object = this.objects.get(key);
      if (object !== undefined && namespaceOf(object) === namespace) result.push(object);
    }
    return result.sort(byName);
  }

  private async listAndWatch(): Promise<void> {
    this.buffered = [];
    this.unsubscribe = this.store.watch(this.kind, (event) => this.onEvent(event));
    const listed = await this.store.list<T>(this.kind);
    for (const object of listed) this.put(object);
    const buffered = this.buffered;
    this.buffered = undefined;
    for (const event of buffered) this.apply(event);
  }

  private onEvent(event: WatchEvent): void {
    if (this.buffered !== undefined) this.buffered.push(event);
    else this.apply(event);
  }

  private apply(event: WatchEvent): void {
    const object = event.object as T;
    const key = keyOf(namespaceOf(object), object.metadata.name);
    const previous = this.objects.get(key);
    // A write made inside another event's delivery can overtake that event, so an event may
    // arrive after a newer one for the same object.
    if (previous !== undefined && versionOf(object) <= versionOf(previous)) return;
    if (event.type === 'DELETED') {
      if (previous === undefined) return;
      this.remove(key, previous);
    } else {
      if (previous !== undefined) this.unindex(key, previous);
      this.put(object);
    }
    for (const handler of this.handlers) handler(event.type, object, previous);
  }

  private put(object: T): void {
    const key = keyOf(namespaceOf(object), object.metadata.name);
    this.objects.set(key, object);
    for (const ref of object.metadata.ownerReferences ?? []) {
      let keys = this.owned.get(ref.uid);
      if (keys === undefined) {
        keys = new Set();
        this.owned.set(ref.uid, keys);
      }
      keys.add(key);
    }
  }

  private remove(key: string, object: T): void {
    this.objects.delete(key);
    this.unindex(key, object);
  }

  private unindex(key: string, object: T): void {
    for (const ref of object.metadata.ownerReferences ?? []) {
      const keys = this.owned.get(ref.uid);
      keys?.delete(key);
      if (keys?.size === 0) this.owned.delete(ref.uid);
    }
  }
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function namespaceOf(object: AnyResource): string {
  return object.metadata.namespace ?? 'default';
}

/** Returns the resourceVersion as a number. Both stores count it up from one store-wide sequence. */
function versionOf(object: AnyResource): number {
  return Number(object.metadata.resourceVersion ?? 0);
}

function byName(a: AnyResource, b: AnyResource): number {
  if (a.metadata.name < b.metadata.name) return -1;
  return a.metadata.name > b.metadata.name ? 1 : 0;
}
