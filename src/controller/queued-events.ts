import type { AnyResource } from '../api/types.js';
import type { Logger } from '../util/logger.js';
import type { EventRecorder, EventType } from './events.js';
import { Fifo } from './fifo.js';

/**
 * Events waiting to be written before new ones are dropped. client-go's event broadcaster
 * queues the same number (maxQueuedEvents in tools/record) and drops Events beyond it.
 */
export const MAX_QUEUED_EVENTS = 1000;

interface QueuedEvent {
  object: AnyResource;
  type: EventType;
  reason: string;
  message: string;
}

/**
 * An EventRecorder that returns at once and has `inner` write the Events in the background,
 * one at a time in the order they were recorded, as client-go's event broadcaster does. A
 * reconcile then waits only for its own object writes, which matters when each store write
 * costs a network round trip. The recorded object must not be changed afterwards, because
 * it is read when its Event is written.
 *
 * An Event that cannot be written is logged and dropped, as Kubernetes drops an Event that
 * the API server rejects.
 */
export class QueuedEventRecorder implements EventRecorder {
  private readonly queue = new Fifo<QueuedEvent>();
  private writing: Promise<void> | undefined;
  private droppedSinceWarning = 0;

  constructor(
    private readonly inner: EventRecorder,
    private readonly logger: Logger,
  ) {}

  record(object: AnyResource, type: EventType, reason: string, message: string): Promise<void> {
    if (this.queue.length >= MAX_QUEUED_EVENTS) {
      // One warning per run of drops, with their count once the queue has room again.
      if (this.droppedSinceWarning === 0) {
        this.logger.warn({ limit: MAX_QUEUED_EVENTS }, 'event queue full, dropping events');
      }
      this.droppedSinceWarning++;
      return Promise.resolve();
    }
    this.queue.push({ object, type, reason, message });
    // The writes start on a later promise callback, so none runs inside the caller's call.
    this.writing ??= Promise.resolve().then(() => this.writeAll());
    return Promise.resolve();
  }

  /** Resolves when every Event recorded so far has been written or dropped. */
  async idle(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private async writeAll(): Promise<void> {
    try {
      for (let next = this.shift(); next !== undefined; next = this.shift()) {
        const { object, type, reason, message } = next;
        await this.inner.record(object, type, reason, message).catch((error: unknown) => {
          const ids = { namespace: object.metadata.namespace, name: object.metadata.name };
          this.logger.warn({ ...ids, kind: object.kind, reason, err: error }, 'event write failed');
        });
      }
    } finally {
      this.writing = undefined;
    }
  }

  private shift(): QueuedEvent | undefined {
    const next = this.queue.shift();
    if (next === undefined && this.droppedSinceWarning > 0) {
      this.logger.warn({ dropped: this.droppedSinceWarning }, 'events dropped');
      this.droppedSinceWarning = 0;
    }
    return next;
  }
}
