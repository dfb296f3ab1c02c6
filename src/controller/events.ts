import { randomBytes } from 'node:crypto';
import type { AnyResource, Event } from '../api/types.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import { toRfc3339 } from '../util/time.js';

export type EventType = 'Normal' | 'Warning';

/** Records Kubernetes-style Events about an object, for the object's owner to read. */
export interface EventRecorder {
  record(object: AnyResource, type: EventType, reason: string, message: string): Promise<void>;
}

/**
 * Writes Events to the store. A repeat of the same (object, type, reason, message) within
 * `aggregateWindowMs` increments `count` on the existing Event instead of adding one, as the
 * Kubernetes event correlator does for identical events.
 */
export class StoreEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, { name: string; at: number }>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly component: string,
    private readonly aggregateWindowMs = 10 * 60_000,
  ) {}

  async record(
    object: AnyResource,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    const now = this.clock.now();
    const namespace = object.metadata.namespace ?? 'default';
    const key = [object.metadata.uid, type, reason, message].join('\u0000');
    const timestamp = toRfc3339(now);

    const previous = this.recent.get(key);
    if (previous && now - previous.at < this.aggregateWindowMs) {
      const existing = await this.store.find<Event>('Event', namespace, previous.name);
      if (existing) {
        existing.count = (existing.count ?? 1) + 1;
        existing.lastTimestamp = timestamp;
        await this.store.update(existing);
        this.recent.set(key, { name: previous.name, at: now });
        return;
      }
    }

    const name = `${object.metadata.name}.${now.toString(16)}${randomBytes(2).toString('hex')}`;
    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      source: { component: this.component },
    };
    await this.store.create(event, now);
    this.recent.set(key, { name, at: now });
    if (this.recent.size > 10_000) this.pruneRecent(now);
  }

  private pruneRecent(now: number): void {
    for (const [key, entry] of this.recent) {
      if (now - entry.at >= this.aggregateWindowMs) this.recent.delete(key);
    }
  }
}
