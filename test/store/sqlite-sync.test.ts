import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/store/sqlite/connection.js';

void test('SQLite opens in WAL mode with NORMAL sync', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-sqlite-sync-'));
  const database = openDatabase(join(dataDir, 'cronmesh.db'), Date.parse('2026-01-01T00:00:00Z'));
  try {
    assert.equal(database.pragma('journal_mode', { simple: true }), 'wal');
    // 1 is NORMAL: WalSync syncs the write-ahead log once a second instead.
    assert.equal(database.pragma('synchronous', { simple: true }), 1);
  } finally {
    database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
