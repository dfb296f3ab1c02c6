import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { databaseFileName, openStore } from '../../src/store/open.js';

const root = await mkdtemp(join(tmpdir(), 'cronmesh-data-mode-'));
after(() => rm(root, { recursive: true, force: true }));

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

void test('new data directory is private', async () => {
  const dataDir = join(root, 'new');
  const store = await openStore({ dataDir });
  await store.close();

  assert.equal(await modeOf(dataDir), 0o700);
  assert.equal(await modeOf(join(dataDir, databaseFileName)), 0o600);
});

void test('open tightens an existing data directory', async () => {
  const dataDir = join(root, 'existing');
  await mkdir(dataDir, { mode: 0o755 });
  await writeFile(join(dataDir, databaseFileName), '', { mode: 0o644 });

  const store = await openStore({ dataDir });
  await store.close();

  assert.equal(await modeOf(dataDir), 0o700);
  assert.equal(await modeOf(join(dataDir, databaseFileName)), 0o600);
});
