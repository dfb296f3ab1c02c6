/** One key waiting for its instant in a DelayHeap. */
interface Entry {
  key: string;
  /** Clock milliseconds at which the key becomes ready. */
  at: number;
  /** Insertion order, so that keys due at the same instant come out in the order they went in. */
  seq: number;
  /** Position in the heap array, kept current for removal and decrease-key. */
  index: number;
}

/**
 * The keys of a delaying work queue ordered by the instant they become ready, as a binary
 * min-heap with a key index. client-go's delaying queue keeps its waiting keys the same way,
 * so one timer for the earliest instant serves every key instead of one timer per key.
 */
export class DelayHeap {
  private readonly heap: Entry[] = [];
  private readonly byKey = new Map<string, Entry>();
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Returns the instant `key` becomes ready, if it is waiting. */
  at(key: string): number | undefined {
    return this.byKey.get(key)?.at;
  }

  /** Returns the earliest waiting instant, or undefined when no key waits. */
  earliest(): number | undefined {
    return this.heap[0]?.at;
  }

  /**
   * Makes `key` wait until `at`, unless it already waits until that instant or earlier.
   * Returns whether the key's instant changed.
   */
  schedule(key: string, at: number): boolean {
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return false;
      existing.at = at;
      existing.seq = this.seq++;
      this.siftUp(existing.index);
      return true;
    }
    const entry: Entry = { key, at, seq: this.seq++, index: this.heap.length };
    this.heap.push(entry);
    this.byKey.set(key, entry);
    this.siftUp(entry.index);
    return true;
  }

  /** Removes `key` if it waits. */
  remove(key: string): void {
    const entry = this.byKey.get(key);
    if (entry === undefined) return;
    this.byKey.delete(key);
    const last = this.heap.pop() as Entry;
    if (last === entry) return;
    this.heap[entry.index] = last;
    last.index = entry.index;
    this.siftDown(last.index);
    this.siftUp(last.index);
  }

  /** Removes and returns the earliest key if its instant is at or before `now`. */
  popDue(now: number): string | undefined {
    const top = this.heap[0];
    if (top === undefined || top.at > now) return undefined;
    this.remove(top.key);
    return top.key;
  }

  clear(): void {
    this.heap.length = 0;
    this.byKey.clear();
  }

  private siftUp(index: number): void {
    const entry = this.heap[index] as Entry;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = this.heap[parentIndex] as Entry;
      if (!before(entry, parent)) break;
      this.heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    this.heap[index] = entry;
    entry.index = index;
  }

  private siftDown(index: number): void {
    const entry = this.heap[index] as Entry;
    const length = this.heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = this.heap[left] as Entry;
      let childIndex = left;
      if (right < length && before(this.heap[right] as Entry, child)) {
        child = this.heap[right] as Entry;
        childIndex = right;
      }
      if (!before(child, entry)) break;
      this.heap[index] = child;
      child.index = index;
      index = childIndex;
    }
    this.heap[index] = entry;
    entry.index = index;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
