import type { Queryable } from './connection.js';

export interface ChangeNotifierOptions {
  /** Runs the NOTIFY statement: the store's query pool. */
  db: Queryable;
  channel: string;
  /** The instance id of the store, which other instances' change feeds compare with their own. */
  origin: string;
  /** Reports a failed notification. */
  warn: (message: string, code: string) => void;
}

/**
 * Wakes the change feeds of other store instances after this instance's writes have committed.
 * The NOTIFY runs in a transaction of its own, after the write's commit. PostgreSQL serializes
 * the commits of all transactions that notify on one lock for the whole server, which it holds
 * from queueing the notifications until after the commit's WAL flush (PreCommit_Notify in
 * src/backend/commands/async.c). So a NOTIFY inside every write would make all writes, of every
 * database on the server, wait for each other's flushes. The notifying transaction writes no
 * data, so it commits without waiting for a flush (synchronous_commit off), and notifications
 * do not survive a server crash anyway.
 *
 * A notification only makes a feed read every change after the last one it has seen, so one
 * notification covers every write that committed before it was sent. Writes that commit while a
 * notification is in flight share the next one.
 *
 * The payload is `<change id> <origin>`, where the change id is the highest one this instance
 * has recorded, so feeds can skip their own instance's notifications without a query.
 */
export class ChangeNotifier {
  private highestChangeId = 0n;
  /** Resolvers of the writes that wait for the next notification to be sent. */
  private waiting: (() => void)[] = [];
  private sending: Promise<void> | undefined;
  /** True while a failure has been reported and no notification has succeeded since. */
  private failing = false;

  constructor(private readonly options: ChangeNotifierOptions) {}

  /**
   * Resolves once a notification that was sent after change `changeId` committed has itself
   * committed. A failed notification is reported through `warn` and resolves too, because the
   * write it follows is committed already.
   */
  notifyAfter(changeId: string): Promise<void> {
    const id = BigInt(changeId);
    if (id > this.highestChangeId) this.highestChangeId = id;
    const sent = new Promise<void>((resolve) => this.waiting.push(resolve));
    this.sending ??= this.sendWhileWaiting();
    return sent;
  }

  /** Resolves when no notification is being sent. */
  async idle(): Promise<void> {
    await this.sending;
  }

  private async sendWhileWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      await this.send(`${this.highestChangeId} ${this.options.origin}`);
      for (const resolve of batch) resolve();
    }
    this.sending = undefined;
  }

  private async send(payload: string): Promise<void> {
    try {
      await this.options.db.query({
        name: 'notify-changes',
        // set_config with is_local true lasts until this statement's transaction has committed.
        text: "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)",
        values: [this.options.channel, payload],
      });
      this.failing = false;
    } catch (error) {
      // NOTE: other instances see the writes this notification covers only when a later
      // notification wakes their feed, or when the feed reconnects and catches up.
      if (this.failing) return;
      this.failing = true;
      this.options.warn(
        `store change notification failed, so other instances may see recent writes late: ${
          error instanceof Error ? error.message : String(error)
        }`,
        'CRONMESH_STORE_NOTIFY_FAILED',
      );
    }
  }
}
