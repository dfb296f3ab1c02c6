import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { ChangeNotifier } from '../../src/store/postgres/change-notifier.js';
import { waitFor } from '../support/wait.js';
import { testDatabaseUrl } from './postgres-schema.js';

interface Listener {
  payloads: string[];
  close(): Promise<void>;
}

/** LISTENs on `channel` with a connection of its own and collects the payloads. */
async function listen(channel: string): Promise<Listener> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  const payloads: string[] = [];
  client.on('notification', (notification) => payloads.push(notification.payload ?? ''));
  await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
  return { payloads, close: () => client.end() };
}

function freshChannel(): string {
  return `cronmesh_test_notify_${randomBytes(6).toString('hex')}`;
}

void describe('ChangeNotifier', () => {
  void it('writes in flight share a notification', async () => {
    const channel = freshChannel();
    const listener = await listen(channel);
    const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 2 });
    const warnings: string[] = [];
    try {
      const notifier = new ChangeNotifier({
        db: pool,
        channel,
        origin: 'instance-a',
        warn: (message) => warnings.push(message),
      });

      const ids = ['5', '9', '7', '12'];
      await Promise.all(ids.map((id) => notifier.notifyAfter(id)));
      await notifier.idle();
      await waitFor('two notifications', () => listener.payloads.length >= 2);

      // The first write sends at once; the others commit meanwhile and share the next one.
      assert.deepEqual(listener.payloads, ['5 instance-a', '12 instance-a']);
      assert.deepEqual(warnings, []);
    } finally {
      await pool.end();
      await listener.close();
    }
  });

  void it('a later write sends again', async () => {
    const channel = freshChannel();
    const listener = await listen(channel);
    const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 2 });
    try {
      const notifier = new ChangeNotifier({ db: pool, channel, origin: 'b', warn: () => {} });

      await notifier.notifyAfter('3');
      await notifier.notifyAfter('2');
      await waitFor('two notifications', () => listener.payloads.length >= 2);

      // The highest id so far, so the payload never goes back.
      assert.deepEqual(listener.payloads, ['3 b', '3 b']);
    } finally {
      await pool.end();
      await listener.close();
    }
  });

  void it('failures warn once and resolve', async () => {
    const pool = new pg.Pool({ connectionString: testDatabaseUrl, max: 1 });
    await pool.end();
    const warnings: { message: string; code: string }[] = [];
    const notifier = new ChangeNotifier({
      db: pool,
      channel: freshChannel(),
      origin: 'c',
      warn: (message, code) => warnings.push({ message, code }),
    });

    await notifier.notifyAfter('1');
    await notifier.notifyAfter('2');

    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.code, 'CRONMESH_STORE_NOTIFY_FAILED');
    assert.equal(
      warnings[0]?.message,
      'store change notification failed, so other instances may see recent writes late: ' +
        'Cannot use a pool after calling end on the pool',
    );
  });
});
