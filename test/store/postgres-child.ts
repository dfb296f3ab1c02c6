/**
 * A separate process that opens a PostgreSQL store, for the tests that need a second process.
 *
 *   node postgres-child.js migrate <url>
 *     Opens the store at <url>, which creates and migrates its schema, prints
 *     `migrated <instance id>` and closes it. Exits non-zero with the error on stderr if the
 *     open fails.
 */
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SystemClock } from '../../src/util/clock.js';

async function main(): Promise<void> {
  const [mode, url] = process.argv.slice(2);
  if (mode !== 'migrate' || url === undefined) {
    throw new Error('usage: postgres-child.js migrate <url>');
  }
  const store = await PostgresStore.open({ url, clock: new SystemClock() });
  process.stdout.write(`migrated ${store.instanceId}\n`);
  await store.close();
}

await main();
