/**
 * The change ids that a change feed has skipped: ids below the highest one it has read that no
 * read has returned yet. Ids come from a sequence when a change is inserted, but transactions
 * commit in any order. So a skipped id is a change whose transaction had not committed at the
 * read, or one that was rolled back and never appears. Reads look for the skipped ids
 * again until a read under a SHARE lock on `changes`, which waits for every transaction that
 * has inserted a change, shows which of them are gone for good.
 */
export class ChangeGaps {
  /** First time each skipped id was noticed, by id, in clock milliseconds. */
  private readonly noticedAt = new Map<bigint, number>();
  private highestId: bigint;

  constructor(startId: string) {
    this.highestId = BigInt(startId);
  }

  /** The highest id read so far, as a decimal string. */
  get highest(): string {
    return this.highestId.toString();
  }

  /** The skipped ids, as decimal strings. */
  get skipped(): string[] {
    return [...this.noticedAt.keys()].map(String);
  }

  get size(): number {
    return this.noticedAt.size;
  }

  /** Returns how many ids reading change `id` next would skip. */
  skippedBy(id: string): bigint {
    const value = BigInt(id);
    return value > this.highestId ? value - this.highestId - 1n : 0n;
  }

  /**
   * Returns whether the change with `id` was not seen before, and records it: an id below the
   * highest one fills its gap, and a higher one skips every id in between. `final` means that
   * the read ran under the SHARE lock, so skipped ids will never appear and are not recorded.
   */
  see(id: string, now: number, final: boolean): boolean {
    const value = BigInt(id);
    if (value <= this.highestId) return this.noticedAt.delete(value);
    if (!final) {
      for (let skipped = this.highestId + 1n; skipped < value; skipped++) {
        this.noticedAt.set(skipped, now);
      }
    }
    this.highestId = value;
    return true;
  }

  /** Returns the clock time when the oldest skipped id was noticed, or undefined for none. */
  oldestNoticedAt(): number | undefined {
    let oldest: number | undefined;
    for (const at of this.noticedAt.values()) oldest = Math.min(oldest ?? at, at);
    return oldest;
  }

  /** Forgets every skipped id, once a locked read has shown that they will never appear. */
  clear(): void {
    this.noticedAt.clear();
  }
}
