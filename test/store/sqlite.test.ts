import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { ConfigMap } from '../../src/api/types.js';
import { UnknownMigrationError } from '../../src/store/sqlite/migrate.js';
import { databaseFileName, openStore } from '../../src/store/open.js';
import { FakeClock } from '../../src/util/clock.js';
import { defineStoreConformance } from './conformance.js';
import { configMap, createdAt, cronJob, rejectionOf } from './fixtures.js';

const childScript = fileURLToPath(new URL('./store-child.js', import.meta.url));

async function freshDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'cronmesh-store-'));
}

/** Opens a second, plain connection to inspect the file the store wrote. */
function inspect<T>(dataDir: string, query: (database: Database.Database) => T): T {
  const database = new Database(join(dataDir, databaseFileName));
  try {
    return query(database);
  } finally {
    database.close();
  }
}

/** A child process with its stdout split into lines as they arrive. */
interface Child {
  process: ChildProcessWithoutNullStreams;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startChild(args: string[]): Child {
  const child = spawn(process.execPath, [childScript, ...args], { stdio: 'pipe' });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { process: child, lines, exited };
}

/** Polls `condition` every 10 ms until it is true, and fails after `timeoutMs`. */
async function waitFor(description: string, condition: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

defineStoreConformance('SqliteStore', async () => {
  const dataDir = await freshDataDir();
  const store = await openStore({ dataDir, clock: new FakeClock(createdAt) });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

void describe('SqliteStore on disk', () => {
  void it('openStore creates the data directory', async () => {
    const parent = await freshDataDir();
    const dataDir = join(parent, 'nested', '.cronmesh');
    try {
      const store = await openStore({ dataDir });
      await store.close();

      assert.equal(existsSync(join(dataDir, 'cronmesh.db')), true);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  void it('migrations are recorded once', async () => {
    const dataDir = await freshDataDir();
    const clock = new FakeClock('2024-03-01T10:00:00Z');
    try {
      await (await openStore({ dataDir, clock })).close();
      clock.advance(60_000);
      await (await openStore({ dataDir, clock })).close();

      const applied = inspect(dataDir, (database) =>
        database.prepare('SELECT version, name, applied_at FROM schema_migrations').all(),
      );

      assert.deepEqual(applied, [
        { version: 1, name: 'initial', applied_at: Date.parse('2024-03-01T10:00:00Z') },
        { version: 2, name: 'leases', applied_at: Date.parse('2024-03-01T10:00:00Z') },
        { version: 3, name: 'tokens', applied_at: Date.parse('2024-03-01T10:00:00Z') },
      ]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  void it('database uses WAL journal mode', async () => {
    const dataDir = await freshDataDir();
    try {
      await (await openStore({ dataDir })).close();

      const mode = inspect(dataDir, (database) =>
        database.pragma('journal_mode', { simple: true }),
      );

      assert.equal(mode, 'wal');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  void it('reopen keeps data and versions', async () => {
    const dataDir = await freshDataDir();
    try {
      const first = await openStore({ dataDir });
      const created = await first.create(cronJob('hello'), createdAt);
      await first.appendLog({ namespace: 'default', pod: 'p', container: 'c' }, 'stdout', 'hi', 1);
      await first.close();

      const second = await openStore({ dataDir });
      const reread = await second.get('CronJob', 'default', 'hello');
      const next = await second.create(cronJob('next'), createdAt);
      const log = await second.readLog({ namespace: 'default', pod: 'p', container: 'c' });
      await second.close();

      assert.deepEqual(reread, created);
      assert.equal(next.metadata.resourceVersion, '2');
      assert.deepEqual(log, [{ seq: 1, stream: 'stdout', time: 1, data: 'hi' }]);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  void it('update records updated_at from the clock', async () => {
    const dataDir = await freshDataDir();
    const clock = new FakeClock('2024-03-01T10:00:00Z');
    try {
      const store = await openStore({ dataDir, clock });
      const created = await store.create(configMap('settings', { mode: 'fast' }), createdAt);
      clock.advance(90_000);
      await store.update<ConfigMap>({ ...created, data: { mode: 'slow' } });
      await store.close();

      const row = inspect(dataDir, (database) =>
        database
          .prepare("SELECT created_at, updated_at FROM objects WHERE name = 'settings'")
          .get(),
      );

      assert.deepEqual(row, {
        created_at: createdAt,
        updated_at: Date.parse('2024-03-01T10:01:30Z'),
      });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  void it('newer schema is rejected', async () => {
    const dataDir = await freshDataDir();
    try {
      await (await openStore({ dataDir })).close();
      inspect(dataDir, (database) =>
        database
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(4, 'from_the_future', 0),
      );
      const file = join(dataDir, databaseFileName);

      const error = await rejectionOf(openStore({ dataDir }));

      assert.ok(error instanceof UnknownMigrationError);
      assert.equal(error.code, 'UnknownMigration');
      assert.equal(error.version, 4);
      assert.equal(
        error.message,
        `database ${file} has schema migration 4 ("from_the_future"), but this cronmesh knows ` +
          'migrations up to 3 only; upgrade cronmesh or use another data directory',
      );
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  void it('racing processes create a Job once', async () => {
    const dataDir = await freshDataDir();
    const children = Array.from({ length: 4 }, () =>
      startChild(['race', dataDir, 'hello-29012345']),
    );
    try {
      // Every child opens (and so migrates) the fresh file at the same time, then creates.
      await waitFor(
        'all children ready',
        () => children.every((child) => child.lines.includes('ready')),
        20_000,
      );
      for (const child of children) child.process.stdin.end('go\n');
      const exits = await Promise.all(children.map((child) => child.exited));
      const results = children.map(
        (child) => JSON.parse(child.lines[1] ?? '{}') as { outcome: string; uid?: string },
      );
      const store = await openStore({ dataDir });
      const jobs = await store.list('Job');
      await store.close();

      assert.deepEqual(
        exits.map((exit) => exit.code),
        [0, 0, 0, 0],
        exits.map((exit) => exit.stderr).join('\n'),
      );
      assert.deepEqual(results.map((result) => result.outcome).sort(), [
        'AlreadyExists',
        'AlreadyExists',
        'AlreadyExists',
        'created',
      ]);
      assert.equal(jobs.length, 1);
      assert.equal(jobs[0]?.metadata.uid, results.find((result) => result.uid)?.uid);
    } finally {
      for (const child of children) child.process.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  void it('SIGKILL keeps committed writes', async () => {
    const dataDir = await freshDataDir();
    const child = startChild(['write-loop', dataDir, '100000']);
    try {
      await waitFor('200 committed iterations', () => child.lines.length >= 200, 30_000);
      child.process.kill('SIGKILL');
      const exit = await child.exited;
      const reported = child.lines.filter((line) => line.startsWith('committed ')).length;

      const integrity = inspect(dataDir, (database) =>
        database.pragma('integrity_check', { simple: true }),
      );
      const store = await openStore({ dataDir });
      const counter = await store.get<ConfigMap>('ConfigMap', 'default', 'counter');
      const items = await store.list('ConfigMap', {
        labelSelector: [{ key: 'role', operator: 'Exists', values: [] }],
      });
      const log = await store.readLog({ namespace: 'default', pod: 'writer-1', container: 'main' });
      await store.close();

      // Each step is its own transaction, so the kill can land between the steps of one
      // iteration. Then item-(c+1) and log chunk c+1 or c+2 may exist beyond counter c.
      const count = Number(counter.data?.['count']);
      const itemNumbers = items.map((item) => Number(item.metadata.name.slice('item-'.length)));
      const expectedItems = Array.from({ length: items.length }, (_, index) => index + 1);
      const logSeqs = log.map((chunk) => chunk.seq);
      const expectedSeqs = Array.from({ length: log.length }, (_, index) => index + 1);

      assert.equal(exit.signal, 'SIGKILL');
      assert.equal(integrity, 'ok');
      assert.equal(count >= reported, true, `counter ${count} < reported ${reported}`);
      assert.deepEqual(
        itemNumbers.sort((a, b) => a - b),
        expectedItems,
      );
      assert.equal([count, count + 1].includes(items.length), true, `items ${items.length}`);
      assert.deepEqual(logSeqs, expectedSeqs);
      assert.equal([items.length, items.length + 1].includes(log.length), true);
      assert.equal(log.at(-1)?.data, `line ${log.length}\n`);
    } finally {
      child.process.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
