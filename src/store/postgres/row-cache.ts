import type { ObjectKey } from '../metadata.js';

/** An object's row as this store instance last read or wrote it. */
export interface CachedRow {
  id: string;
  uid: string;
  resourceVersion: string;
  /** The object's JSON text as stored. */
  json: string;
}

/**
 * The rows this store instance read or wrote last, at most `capacity` of them, least recently
 * used first out. An update that names the cached resourceVersion starts from the cached row
 * instead of reading it again. The cache may be stale, because other instances write too, so
 * every write from it is conditional on the row still having that version.
 */
export class RowCache {
  private readonly rows = new Map<string, CachedRow>();

  constructor(private readonly capacity: number) {}

  /** Returns the cached row of `key` when it has `resourceVersion`. */
  get(key: ObjectKey, resourceVersion: string): CachedRow | undefined {
    const id = idOf(key);
    const row = this.rows.get(id);
    if (row?.resourceVersion !== resourceVersion) return undefined;
    // Map keeps insertion order, so moving the row to the end marks it as used last.
    this.rows.delete(id);
    this.rows.set(id, row);
    return row;
  }

  remember(key: ObjectKey, row: CachedRow): void {
    const id = idOf(key);
    this.rows.delete(id);
    this.rows.set(id, row);
    if (this.rows.size <= this.capacity) return;
    const oldest = this.rows.keys().next();
    if (oldest.done !== true) this.rows.delete(oldest.value);
  }

  forget(key: ObjectKey): void {
    this.rows.delete(idOf(key));
  }
}

function idOf(key: ObjectKey): string {
  return `${key.kind}/${key.namespace}/${key.name}`;
}
