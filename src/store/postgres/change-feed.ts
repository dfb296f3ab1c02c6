import pg from 'pg';
import type { Clock } from '../../util/clock.js';
import { ChangeGaps } from './change-gaps.js';
import type { ChangeRow } from './statements.js';
import { selectChanges, selectLatestChangeId } from './statements.js';

/** Delay before the first reconnect attempt. Each failed attempt doubles it. */
export const initialReconnectDelayMs = 100;
/** Upper bound of the reconnect delay. */
export const maxReconnectDelayMs = 5000;
/** Changes read per transaction while catching up. */
const batchSize = 500;
/**
 * How long a skipped change id may stay missing before a read under the SHARE lock settles
 * whether it will still appear, in milliseconds.
 */
export const gapWaitMs = 1_000;
/** A read that would skip more ids than this runs under the SHARE lock instead. */
const maxTrackedGaps = 10_000n;
/**
 * Time between reads without a notification, in milliseconds. They pick up a change whose
 * writer stopped between its commit and its notification.
 */
export const pollIntervalMs = 10_000;
/**
 * Time limit of one connection attempt, so that an unreachable server costs one back-off step
 * instead of the operating system's TCP connect timeout.
 */
const connectTimeoutMs = 10_000;

export interface ChangeFeedOptions {
  /** Settings of the dedicated LISTEN connection, including its application_name. */
  clientConfig: pg.ClientConfig;
  channel: string;
  /** The instance id of the store that owns the feed. Its own changes are skipped. */
  origin: string;
  clock: Clock;
  /** How long `changes` rows are kept. A longer outage may have lost changes. */
  retentionMs: number;
  /**
   * Receives each change of another instance once. Changes of one object arrive in the order
   * they were written, because each write of an object starts after the previous one committed.
   */
  deliver: (change: ChangeRow) => void;
  /** Reports a lost or restored connection. Called once per outage and once per recovery. */
  warn: (message: string, code: string) => void;
}

/**
 * The changes that other store instances commit to one schema, read through one dedicated
 * connection that LISTENs on the schema's channel. A notification only wakes the feed, which
 * then reads `changes` after the highest id it has seen. When the connection is lost, the feed
 * reconnects with exponential back-off and reads everything it missed, so no change is lost or
 * delivered twice while its rows are kept.
 *
 * Change ids come from a sequence when a row is inserted, but transactions commit in any
 * order: a reader could see id 11 and later miss id 10, committed after the read. The feed
 * therefore remembers the ids it skipped (ChangeGaps) and requests them again with every read.
 * A skipped id that stays missing for gapWaitMs is settled by a read under `LOCK TABLE changes
 * IN SHARE MODE`. SHARE conflicts with the ROW EXCLUSIVE lock that an INSERT holds until commit,
 * so that read waits for every transaction that has inserted a change, and every id up to the
 * highest one it reads is final. Other reads take no lock, because a SHARE lock per read makes
 * every writer of the schema wait for every reader and every reader for every writer.
 */
export class ChangeFeed {
  private client: pg.Client | undefined;
  /** Undefined until start() has read the current end of the feed. */
  private gaps: ChangeGaps | undefined;
  /** Requests the next read when no notification comes: pollIntervalMs, or a gap's wait. */
  private pollTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readRequested = false;
  private readLoopRunning = false;
  private reading: Promise<void> = Promise.resolve();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectDelayMs = initialReconnectDelayMs;
  private reconnectAttempts = 0;
  /** Clock time when the current outage began, or undefined while connected. */
  private lostAt: number | undefined;

  private constructor(private readonly options: ChangeFeedOptions) {}

  /**
   * Connects, LISTENs and starts after the newest change, because a new store instance reports
   * only the writes made after it opened, as the SQLite store does.
   */
  static async start(options: ChangeFeedOptions): Promise<ChangeFeed> {
    const feed = new ChangeFeed(options);
    const client = await feed.connect();
    try {
      feed.gaps = new ChangeGaps(await inShareLock(client, () => selectLatestChangeId(client)));
    } catch (error) {
      await feed.close();
      throw error;
    }
    // A notification that arrived before the start position was known was ignored.
    feed.requestRead();
    return feed;
  }

  /** Ends the connection and any pending reconnect, then waits for a running read to stop. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) {
      client.removeAllListeners('notification');
      await client.end();
    }
    await this.reading;
  }

  /** Opens a connection, LISTENs and makes it the current one. */
  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionTimeoutMillis: connectTimeoutMs,
      ...this.options.clientConfig,
    });
    // Errors before the client is current are reported by connect() or query().
    client.on('error', (error) => this.lose(client, error));
    client.on('end', () => this.lose(client, new Error('the connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.options.channel)}`);
    } catch (error) {
      // A half-open connection may never confirm its end, so the failure is not held up by it.
      client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      throw new Error('the change feed was closed while it connected');
    }
    client.on('notification', (notification) => this.onNotification(notification));
    this.client = client;
    return client;
  }

  private onNotification(notification: pg.Notification): void {
    // The payload is `<change id> <origin>`. The store has delivered its own writes already.
    const origin = notification.payload?.split(' ')[1];
    if (origin === this.options.origin) return;
    this.requestRead();
  }

  /** Starts a read, or makes the running read loop go round once more. */
  private requestRead(): void {
    if (this.gaps === undefined) return;
    this.readRequested = true;
    if (this.readLoopRunning) return;
    this.readLoopRunning = true;
    this.reading = this.readLoop();
  }

  private async readLoop(): Promise<void> {
    try {
      while (this.readRequested && !this.closed) {
        this.readRequested = false;
        const client = this.client;
        // Without a connection, the reconnect requests a read once it has one.
        if (client === undefined) return;
        try {
          await this.readChanges(client);
        } catch (error) {
          this.lose(client, error);
          continue;
        }
        this.recovered();
      }
    } finally {
      this.readLoopRunning = false;
    }
  }

  private async readChanges(client: pg.Client): Promise<void> {
    const gaps = this.gaps;
    if (gaps === undefined) return;
    // Gap ages use real time, as reconnects do, because a gap settles with real transactions
    // also when a test drives the store with a fake clock.
    const oldestGap = gaps.oldestNoticedAt();
    let locked = oldestGap !== undefined && performance.now() - oldestGap >= gapWaitMs;
    for (;;) {
      const select = (): Promise<ChangeRow[]> =>
        selectChanges(client, gaps.highest, gaps.skipped, batchSize);
      const rows = locked ? await inShareLock(client, select) : await select();
      let tooManyGaps = false;
      for (const row of rows) {
        if (this.closed) return;
        if (!locked && gaps.skippedBy(row.id) > maxTrackedGaps) {
          tooManyGaps = true;
          break;
        }
        const first = gaps.see(row.id, performance.now(), locked);
        if (first && row.origin !== this.options.origin) this.options.deliver(row);
      }
      if (tooManyGaps) {
        // The rest of the batch is read again under the lock, which records no gaps.
        locked = true;
        continue;
      }
      // Under the lock, the skipped ids that the read asked for and did not get are final.
      if (locked) gaps.clear();
      locked = false;
      if (rows.length < batchSize) break;
    }
    this.schedulePoll(gaps);
  }

  /** Requests a read once the oldest skipped id has waited gapWaitMs, or after pollIntervalMs. */
  private schedulePoll(gaps: ChangeGaps): void {
    clearTimeout(this.pollTimer);
    if (this.closed) return;
    const oldestGap = gaps.oldestNoticedAt();
    const delay =
      oldestGap === undefined
        ? pollIntervalMs
        : Math.max(0, oldestGap + gapWaitMs - performance.now());
    this.pollTimer = setTimeout(() => this.requestRead(), delay);
    // The feed's connection keeps the process alive while it is open, so the timer need not.
    this.pollTimer.unref();
  }

  /** Drops a failed connection and schedules a reconnect. Later calls for the same client do nothing. */
  private lose(client: pg.Client, error: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.removeAllListeners('notification');
    // The connection is broken already, so ending it can only fail the same way again.
    client.end().catch(() => undefined);
    if (this.closed) return;
    if (this.lostAt === undefined) {
      this.lostAt = this.options.clock.now();
      this.options.warn(
        `store change feed lost its connection, reconnecting: ${messageOf(error)}`,
        'CRONMESH_STORE_FEED_DISCONNECTED',
      );
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delay * 2, maxReconnectDelayMs);
    // Real time, not the injected clock: retries against a real server must go on also when a
    // test drives the store with a fake clock.
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.reconnect();
    }, delay);
  }

  private async reconnect(): Promise<void> {
    this.reconnectAttempts += 1;
    try {
      await this.connect();
    } catch {
      // The outage was reported when it began, and recovered() reports the attempts it took.
      if (!this.closed) this.scheduleReconnect();
      return;
    }
    this.requestRead();
  }

  /** Reports the end of an outage after the first successful read, and resets the back-off. */
  private recovered(): void {
    this.reconnectDelayMs = initialReconnectDelayMs;
    const lostAt = this.lostAt;
    if (lostAt === undefined) return;
    const outageMs = this.options.clock.now() - lostAt;
    const attempts = this.reconnectAttempts;
    this.lostAt = undefined;
    this.reconnectAttempts = 0;
    const pruned =
      outageMs >= this.options.retentionMs
        ? `; the outage outlasted the ${this.options.retentionMs} ms change retention, so ` +
          'changes made early in it may be lost'
        : '';
    this.options.warn(
      `store change feed reconnected after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'} ` +
        `and caught up to change ${this.gaps?.highest ?? '0'}${pruned}`,
      'CRONMESH_STORE_FEED_RECONNECTED',
    );
  }
}

/**
 * Runs `body` in a transaction with a SHARE lock on `changes`, so that no transaction that
 * inserted a change is still open (see ChangeFeed).
 */
async function inShareLock<T>(client: pg.Client, body: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query('LOCK TABLE changes IN SHARE MODE');
    const result = await body();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A failed read drops the connection, which rolls the transaction back anyway.
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
