// Measures the heap that compiled schedules of one library take. Run it as
// `node --expose-gc dist/bench/memory-child.js <library> <count>`. It prints one JSON line (a
// MemorySample). A separate process per library keeps the libraries' caches apart.

import { buildCorpus } from './corpus.js';
import { libraryNamed } from './libraries.js';

/** Measurement of one child process. */
export interface MemorySample {
  library: string;
  count: number;
  /** Growth of `process.memoryUsage().heapUsed` while the schedules were compiled and kept alive. */
  heapUsedBytes: number;
  /** Growth of `external` (ArrayBuffer backing stores and other memory outside the heap). */
  externalBytes: number;
}

function main(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined)
    throw new Error('global gc() is missing: run memory-child.js with node --expose-gc');
  const [name = '', countText = ''] = process.argv.slice(2);
  const library = libraryNamed(name);
  const count = Number(countText);
  if (!Number.isSafeInteger(count) || count <= 0) {
    throw new RangeError(`invalid count ${JSON.stringify(countText)}: expected a positive integer`);
  }

  const seen = new Set<string>();
  const pairs = buildCorpus().filter((entry) => {
    const key = `${entry.timeZone} ${entry.expression}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  // One compile of each pair first, so that caches shared by all schedules of a zone (formatters,
  // zone tables) are in place before the baseline and are not charged to each schedule.
  for (const pair of pairs) library.compile(pair.expression, pair.timeZone);

  // The array is allocated at full length before the baseline, so its slots are not counted.
  const schedules = new Array<unknown>(count).fill(null);
  gc();
  gc();
  const before = process.memoryUsage();
  for (let index = 0; index < count; index++) {
    const pair = pairs[index % pairs.length];
    if (pair !== undefined) schedules[index] = library.compile(pair.expression, pair.timeZone);
  }
  gc();
  gc();
  const after = process.memoryUsage();

  const sample: MemorySample = {
    library: library.name,
    count: schedules.filter((schedule) => schedule !== null).length,
    heapUsedBytes: after.heapUsed - before.heapUsed,
    externalBytes: after.external - before.external,
  };
  process.stdout.write(`${JSON.stringify(sample)}\n`);
}

main();
