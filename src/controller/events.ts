import { randomBytes } from 'node:crypto';
import type { AnyResource, Event } from '../api/types.js';
import { AlreadyExistsError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { toRfc3339 } from '../util/time.js';

export type EventType = 'Normal' | 'Warning';

/** Records Kubernetes-style Events about an object, for the object's owner to read. */
export interface EventRecorder {
  record(object: AnyResource, type: EventType, reason: string, message: string): Promise<void>;
}

/**
 * Writes Events to the store. A repeat of the same (object, type, reason, message) within
 * `aggregateWindowMs` increments `count` on the existing Event instead of adding one, as the
 * Kubernetes event correlator does for identical events. A new Warning Event, which reports a
 * handled failure, is also logged at warn level when a logger is given.
 */
export class StoreEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, { name: string; at: number }>();
  private readonly aggregateWindowMs: number;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly component: string,
    private readonly options: { aggregateWindowMs?: number; logger?: Logger } = {},
  ) {
    this.aggregateWindowMs = options.aggregateWindowMs ?? 10 * 60_000;
  }

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

    const event: Event = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName(object, now), namespace },
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
    // Events of one object in one millisecond differ only in the random suffix, which can
    // repeat, so a name clash is retried with a new suffix.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.create(event, now);
        break;
      } catch (error) {
        if (!(error instanceof AlreadyExistsError) || attempt >= MAX_NAME_ATTEMPTS) throw error;
        event.metadata.name = eventName(object, now);
      }
    }
    this.recent.set(key, { name: event.metadata.name, at: now });
    if (this.recent.size > 10_000) this.pruneRecent(now);
    // Repeats only raise the count of the stored Event, so they are not logged again.
    if (type === 'Warning') {
      const ids = { namespace, [object.kind.toLowerCase()]: object.metadata.name };
      this.options.logger?.warn({ ...ids, reason, message }, 'warning event recorded');
    }
  }

  private pruneRecent(now: number): void {
    for (const [key, entry] of this.recent) {
      if (now - entry.at >= this.aggregateWindowMs) this.recent.delete(key);
    }
  }
}

/** Name attempts per Event before a name clash is raised. */
const MAX_NAME_ATTEMPTS = 5;

/** Returns `<object name>.<milliseconds in hex><4 random hex digits>`. */
function eventName(object: AnyResource, now: number): string {
  return `${object.metadata.name}.${now.toString(16)}${randomBytes(2).toString('hex')}`;
}
