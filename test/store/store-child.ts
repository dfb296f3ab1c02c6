/**
 * A separate process that writes a store file, for the SQLite tests that need a second writer.
 *
 *   node store-child.js race <dataDir> <jobName>
 *     Opens the store, prints `ready`, waits for a `go` line on stdin, creates the Job and prints
 *     one JSON line: {"outcome":"created","uid":…} or {"outcome":<error code>}.
 *   node store-child.js write-loop <dataDir> <maxIterations>
 *     For i = 1, 2, …: appends log chunk i, creates ConfigMap item-i, sets ConfigMap counter to
 *     i, then prints `committed i`. Stops after maxIterations or 60 s, whichever comes first.
 */
import { createInterface } from 'node:readline';
import type { ConfigMap } from '../../src/api/types.js';
import { StoreError } from '../../src/store/errors.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { configMap, job } from './fixtures.js';

const maxRunMs = 60_000;

async function waitForGo(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line.trim() === 'go') break;
  }
  lines.close();
}

async function race(store: Store, name: string): Promise<void> {
  process.stdout.write('ready\n');
  await waitForGo();
  try {
    const created = await store.create(job(name), Date.now());
    process.stdout.write(`${JSON.stringify({ outcome: 'created', uid: created.metadata.uid })}\n`);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    process.stdout.write(`${JSON.stringify({ outcome: error.code })}\n`);
  }
}

async function writeLoop(store: Store, maxIterations: number): Promise<void> {
  const started = Date.now();
  const logKey = { namespace: 'default', pod: 'writer-1', container: 'main' };
  let counter = await store.create(configMap('counter', { count: '0' }), started);
  for (let i = 1; i <= maxIterations && Date.now() - started < maxRunMs; i += 1) {
    await store.appendLog(logKey, 'stdout', `line ${i}\n`, Date.now());
    await store.create(
      configMap(`item-${i}`, { payload: 'x'.repeat(512) }, { labels: { role: 'item' } }),
      Date.now(),
    );
    counter = await store.update<ConfigMap>({ ...counter, data: { count: String(i) } });
    process.stdout.write(`committed ${i}\n`);
  }
}

async function main(): Promise<void> {
  const [mode, dataDir, argument] = process.argv.slice(2);
  if (dataDir === undefined || argument === undefined) {
    throw new Error('usage: store-child.js race|write-loop <dataDir> <jobName|maxIterations>');
  }
  const store = await openStore({ dataDir });
  try {
    if (mode === 'race') await race(store, argument);
    else if (mode === 'write-loop') await writeLoop(store, Number(argument));
    else throw new Error(`unknown mode ${JSON.stringify(mode)}: expected race or write-loop`);
  } finally {
    await store.close();
  }
}

await main();
