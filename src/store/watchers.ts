import type { ResourceKind } from '../api/types.js';
import type { WatchEvent, WatchEventType } from './store.js';

type Listener = (event: WatchEvent) => void;

interface Subscription {
  kind: ResourceKind | undefined;
  listener: Listener;
}

/**
 * In-process watch listeners of one store. Each listener receives its own copy of the object,
 * parsed from the stored JSON, so no listener can change the store's data or another
 * listener's event.
 */
export class WatchListeners {
  private readonly subscriptions = new Set<Subscription>();

  /** Registers a listener for one kind (every kind when `kind` is undefined). */
  add(kind: ResourceKind | undefined, listener: Listener): () => void {
    const subscription: Subscription = { kind, listener };
    this.subscriptions.add(subscription);
    return () => {
      this.subscriptions.delete(subscription);
    };
  }

  /**
   * Delivers one event to every matching listener, in registration order. Call it only after
   * the write has committed. A listener that throws does not stop the others or fail the write,
   * because the write is already stored. Its error is reported as a process warning instead.
   */
  notify(type: WatchEventType, kind: ResourceKind, objectJson: string): void {
    // A snapshot, because a listener may unsubscribe itself or others while it runs.
    for (const subscription of [...this.subscriptions]) {
      if (subscription.kind !== undefined && subscription.kind !== kind) continue;
      const event = { type, object: JSON.parse(objectJson) as WatchEvent['object'] };
      try {
        subscription.listener(event);
      } catch (error) {
        process.emitWarning(
          `store watch listener failed on event type ${type}, kind ${kind}: ${String(error)}`,
          { code: 'CRONMESH_WATCH_LISTENER_FAILED' },
        );
      }
    }
  }

  clear(): void {
    this.subscriptions.clear();
  }
}
