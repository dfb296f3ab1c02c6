import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import type { Clock } from '../../src/util/clock.js';

export interface TempStore {
  store: Store;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** Opens a SQLite store in a fresh temporary directory. */
export async function openTempStore(clock?: Clock): Promise<TempStore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cronmesh-test-'));
  const store = await openStore(clock ? { dataDir, clock } : { dataDir });
  return {
    store,
    dataDir,
    async cleanup() {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
