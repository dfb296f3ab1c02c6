import type { Database } from 'better-sqlite3';
import type { Fence, Lease, LeaseStatus } from '../lease.js';
import { FencedError } from '../lease.js';

interface LeaseRow {
  name: string;
  holder: string;
  token: number;
  renew_time: number;
  duration_ms: number;
}

/** The lease statements of the SQLite store. Callers run them inside their transactions. */
export class SqliteLeases {
  private readonly select;
  private readonly insert;
  private readonly renew;
  private readonly takeOver;
  private readonly release;
  private readonly revoke;
  private readonly list;

  constructor(database: Database) {
    this.select = database.prepare<[string], LeaseRow>('SELECT * FROM leases WHERE name = ?');
    this.insert = database.prepare<[string, string, number, number]>(
      'INSERT INTO leases (name, holder, token, renew_time, duration_ms) VALUES (?, ?, 1, ?, ?)',
    );
    this.renew = database.prepare<[number, number, string]>(
      'UPDATE leases SET renew_time = ?, duration_ms = ? WHERE name = ?',
    );
    this.takeOver = database.prepare<[string, number, number, string]>(
      'UPDATE leases SET holder = ?, token = token + 1, renew_time = ?, duration_ms = ? WHERE name = ?',
    );
    this.release = database.prepare<[string, string, number]>(
      'UPDATE leases SET renew_time = 0, duration_ms = 0 WHERE name = ? AND holder = ? AND token = ?',
    );
    this.revoke = database.prepare<[string, number, number]>(
      `UPDATE leases SET holder = '', token = token + 1
       WHERE name = ? AND token = ? AND renew_time + duration_ms <= ?`,
    );
    this.list = database.prepare<[{ prefix: string }], LeaseRow>(
      'SELECT * FROM leases WHERE substr(name, 1, length(@prefix)) = @prefix ORDER BY name',
    );
  }

  acquire(name: string, holder: string, durationMs: number, now: number): Lease | undefined {
    const row = this.select.get(name);
    if (row === undefined) {
      this.insert.run(name, holder, now, durationMs);
    } else if (row.holder === holder) {
      this.renew.run(now, durationMs, name);
    } else if (row.holder === '' || isExpired(row, now)) {
      this.takeOver.run(holder, now, durationMs, name);
    } else {
      return undefined;
    }
    const current = this.select.get(name);
    return current === undefined ? undefined : leaseOf(current);
  }

  releaseLease(name: string, holder: string, token: number): void {
    this.release.run(name, holder, token);
  }

  revokeLease(name: string, token: number, now: number): boolean {
    return this.revoke.run(name, token, now).changes > 0;
  }

  listLeases(prefix: string, now: number): LeaseStatus[] {
    return this.list
      .all({ prefix })
      .map((row) => ({ ...leaseOf(row), expired: isExpired(row, now) }));
  }

  /** Throws FencedError unless the fence's lease is held by its holder with its token. */
  check(fence: Fence | undefined): void {
    if (fence === undefined) return;
    const row = this.select.get(fence.lease);
    if (row?.holder !== fence.holder || row.token !== fence.token) throw new FencedError(fence);
  }
}

function isExpired(row: LeaseRow, now: number): boolean {
  return row.renew_time + row.duration_ms <= now;
}

function leaseOf(row: LeaseRow): Lease {
  return {
    name: row.name,
    holder: row.holder,
    token: row.token,
    renewTime: row.renew_time,
    durationMs: row.duration_ms,
  };
}
