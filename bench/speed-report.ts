// Chooses the entries each speed comparison runs over, runs all speed tasks in one process, and
// prints the rates and ratios.
//
// Main table: the entries where every library agrees with robfig, so all four run the same
// inputs. Pairwise table: each peer on every entry where it and cronmesh agree with robfig,
// with cronmesh on the same entries. The headline is `next` with moved starts: compile once,
// then next() chains from instants and days no earlier pass used, which is the lower of
// cronmesh's two `next` rates. `parse+next` shows the cost when a caller parses every time.

import type { CorpusEntry } from './corpus.js';
import type { CorrectnessReport } from './correctness.js';
import { LIBRARIES, PEERS } from './libraries.js';
import type { Library, LibraryName } from './libraries.js';
import { measureInterleaved, nextTask, parseAndNextTask, resultChecksum } from './speed.js';
import type { SpeedMode, SpeedOptions, SpeedResult, SpeedTask } from './speed.js';
import { formatCount, formatPercent, formatRatio, formatTable } from './table.js';

export const SPEED_OPTIONS: SpeedOptions = {
  warmupMs: 300,
  rounds: 9,
  roundMs: 200,
  maxPassesPerRound: 10_000,
};

const ALL_AGREE = 'all agree';

/** Runs the speed tasks and prints their tables. */
export function reportSpeed(corpus: readonly CorpusEntry[], correctness: CorrectnessReport): void {
  const agreesByLibrary = new Map(
    correctness.libraries.map((agreement) => [agreement.library, agreement.agrees]),
  );
  const agreeing = (names: readonly LibraryName[]) =>
    corpus.filter((_, index) => names.every((name) => agreesByLibrary.get(name)?.[index] === true));
  const cronmesh = LIBRARIES[0] as Library<unknown>;

  const common = agreeing(LIBRARIES.map((library) => library.name));
  const tasks: SpeedTask[] = [];
  for (const library of LIBRARIES) {
    tasks.push(
      nextTask(library, common, ALL_AGREE, true),
      nextTask(library, common, ALL_AGREE),
      parseAndNextTask(library, common, ALL_AGREE),
    );
  }
  for (const peer of PEERS) {
    const entries = agreeing([cronmesh.name, peer.name]);
    tasks.push(
      nextTask(peer, entries, peer.name, true),
      nextTask(cronmesh, entries, peer.name, true),
    );
  }

  const results = measureInterleaved(tasks, SPEED_OPTIONS);
  const lookup: ResultLookup = (library, mode, entrySet, moved) =>
    results.find(
      (result) =>
        result.task.library === library &&
        result.task.mode === mode &&
        result.task.entrySet === entrySet &&
        result.task.movedStarts === moved,
    );
  const rate: RateLookup = (...key) => lookup(...key)?.medianPerSecond ?? Number.NaN;

  printMainTable(common.length, rate);
  printSpread(lookup);
  printPairwiseTable(rate, (name) => agreeing([cronmesh.name, name]).length);
  console.log(
    `Options: warm-up ${SPEED_OPTIONS.warmupMs} ms per task, median of ${SPEED_OPTIONS.rounds} ` +
      `rounds of ≥ ${SPEED_OPTIONS.roundMs} ms, rounds of all tasks alternate. ` +
      `Checksum ${resultChecksum()}.`,
  );
}

type ResultKey = [library: LibraryName, mode: SpeedMode, entrySet: string, moved: boolean];
type ResultLookup = (...key: ResultKey) => SpeedResult | undefined;
type RateLookup = (...key: ResultKey) => number;

function printMainTable(entryCount: number, rate: RateLookup): void {
  console.log(
    `\n## Next-fire computations per second, ${entryCount} entries where all libraries agree with robfig\n`,
  );
  const columns: ReadonlyArray<readonly [string, SpeedMode, boolean]> = [
    ['next moved', 'next', true],
    ['next corpus', 'next', false],
    ['parse+next', 'parse+next', false],
  ];
  const rows = LIBRARIES.map((library) =>
    columns.flatMap(([, mode, moved]) => {
      const own = rate(library.name, mode, ALL_AGREE, moved);
      const ratio = rate('cronmesh', mode, ALL_AGREE, moved) / own;
      return [formatCount(own), library.name === 'cronmesh' ? '-' : formatRatio(ratio)];
    }),
  ).map((cells, index) => [LIBRARIES[index]?.name ?? '', ...cells]);
  const headers = ['library', ...columns.flatMap(([title]) => [`${title}/s`, 'cronmesh ÷'])];
  console.log(formatTable(headers, rows));
  console.log(
    'next moved (headline): compile once, next() from start instants moved on every pass; ' +
      'next corpus: from the corpus start instants every pass; parse+next: parse, then one next().',
  );

  const ratios = columns.map(([title, mode, moved]) => {
    const fastest = Math.max(...PEERS.map((peer) => rate(peer.name, mode, ALL_AGREE, moved)));
    const fastestName = PEERS.find(
      (peer) => rate(peer.name, mode, ALL_AGREE, moved) === fastest,
    )?.name;
    return `${title}: ${formatRatio(rate('cronmesh', mode, ALL_AGREE, moved) / fastest)} (${fastestName})`;
  });
  console.log(`cronmesh ÷ fastest peer (target ≥ 5×): ${ratios.join('; ')}`);
}

// Prints how far the rounds of the headline mode lie apart, so a noisy run shows as such.
function printSpread(lookup: ResultLookup): void {
  const spreads = LIBRARIES.map((library) => {
    const result = lookup(library.name, 'next', ALL_AGREE, true);
    const rounds = result?.roundsPerSecond ?? [];
    const spread = (Math.max(...rounds) - Math.min(...rounds)) / (result?.medianPerSecond ?? 0);
    return `${library.name} ${formatPercent(spread)}`;
  });
  console.log(`Spread of the next moved rounds, (max - min) / median: ${spreads.join(', ')}`);
}

function printPairwiseTable(rate: RateLookup, entryCount: (peer: LibraryName) => number): void {
  console.log(
    '\n## Pairwise, moved starts: each peer on every entry where it and cronmesh agree with robfig\n',
  );
  const rows = PEERS.map((peer) => {
    const peerRate = rate(peer.name, 'next', peer.name, true);
    const cronmeshRate = rate('cronmesh', 'next', peer.name, true);
    return [
      peer.name,
      String(entryCount(peer.name)),
      formatCount(peerRate),
      formatCount(cronmeshRate),
      formatRatio(cronmeshRate / peerRate),
    ];
  });
  console.log(
    formatTable(['peer', 'entries', 'peer next/s', 'cronmesh next/s', 'cronmesh ÷ peer'], rows),
  );
}
