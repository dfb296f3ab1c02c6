// Seeds one fire-lag store: `node dist/bench/scale/fire-lag-seed.js DATA_DIR TOTAL SIMULTANEOUS
// STARTUP_ALLOWANCE_MS`. Inserts TOTAL CronJobs through Store.create after prepareForCreate, as
// the API server would, and prints one JSON line (a SeedResult). SIMULTANEOUS of them fire at
// the first minute boundary at least STARTUP_ALLOWANCE_MS + MIN_LEAD_MS after the seeding ends.

import { performance } from 'node:perf_hooks';

import { prepareForCreate } from '../../src/api/index.js';
import { openStore } from '../../src/store/open.js';
import { SystemClock } from '../../src/util/clock.js';
import { parsePositiveInteger } from './args.js';
import {
  busyMinutes,
  cronJobManifest,
  isInQuietWindow,
  nextMinuteBoundary,
  otherName,
  simultaneousName,
} from './fire-lag-plan.js';

/** Time the scheduler should have between finishing its startup and the fire. */
export const MIN_LEAD_MS = 25_000;

export interface SeedResult {
  /** The minute boundary at which the simultaneous set fires, in ms since the epoch. */
  targetAt: number;
  insertSeconds: number;
  insertedPerSecond: number;
}

async function main(): Promise<void> {
  const [dataDir = '', totalText = '', simultaneousText = '', allowanceText = ''] =
    process.argv.slice(2);
  const total = parsePositiveInteger('TOTAL', totalText);
  const simultaneous = parsePositiveInteger('SIMULTANEOUS', simultaneousText);
  const allowanceMs = parsePositiveInteger('STARTUP_ALLOWANCE_MS', allowanceText);
  if (simultaneous > total) {
    throw new RangeError(`SIMULTANEOUS ${simultaneous} exceeds TOTAL ${total}`);
  }

  const clock = new SystemClock();
  const store = await openStore({ dataDir, clock });
  const seedStart = clock.now();
  const begin = performance.now();
  const minutes = busyMinutes(seedStart);
  const others = total - simultaneous;
  for (let index = 0; index < others; index++) {
    const minute = minutes[index % minutes.length] ?? 0;
    await store.create(prepareForCreate(cronJobManifest(otherName(index), minute)), clock.now());
    if ((index + 1) % 25_000 === 0) console.error(`seed: ${index + 1}/${total} CronJobs`);
  }

  // The target is chosen after the bulk insert, whose length varies with the machine's load.
  const targetAt = nextMinuteBoundary(clock.now() + allowanceMs + MIN_LEAD_MS);
  if (!isInQuietWindow(seedStart, targetAt)) {
    throw new Error(
      `the fire at ${new Date(targetAt).toISOString()} falls outside the quiet window: ` +
        'the seeding or the startup allowance took too long',
    );
  }
  const targetMinute = new Date(targetAt).getUTCMinutes();
  for (let index = 0; index < simultaneous; index++) {
    const manifest = cronJobManifest(simultaneousName(index), targetMinute);
    await store.create(prepareForCreate(manifest), clock.now());
  }
  await store.close();

  const insertSeconds = (performance.now() - begin) / 1000;
  const result: SeedResult = { targetAt, insertSeconds, insertedPerSecond: total / insertSeconds };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
