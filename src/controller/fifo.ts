/**
 * A first-in, first-out queue with constant-time push and shift. `Array.prototype.shift`
 * copies the remaining elements once an array leaves V8's fast path, so taking 100,000 keys
 * from the front of one array costs quadratic time. This queue moves a head index instead and
 * drops the consumed prefix once it outweighs the rest.
 */
export class Fifo<T> {
  private items: Array<T | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /** Removes and returns the oldest item, or undefined when the queue is empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    // Cleared, so the queue does not keep a consumed item alive until the next compaction.
    this.items[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** Consumed items kept before a compaction, so that short queues never copy. */
const COMPACT_AFTER = 1024;
