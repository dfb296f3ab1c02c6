// The correctness check that runs before any timing: each library's next fire times for every
// corpus entry, compared with robfig/cron v3.0.1's. Only entries where a library agrees with
// robfig count in its speed measurement.

import { describeEntry } from './corpus.js';
import type { CorpusEntry } from './corpus.js';
import type { Library, LibraryName } from './libraries.js';
import { ORACLE_NO_TIME, queryOracle } from './oracle.js';

/** Fire times compared per entry. */
export const TIMES_PER_ENTRY = 5;

const ORACLE_TIMEOUT_MS = 60_000;
const SAMPLES_PER_LIBRARY = 3;

/** Comparison of one library's results with robfig's. */
export interface LibraryAgreement {
  readonly library: LibraryName;
  /** `agrees[i]` is true when the library's times for corpus entry `i` equal robfig's. */
  readonly agrees: readonly boolean[];
  readonly agreeCount: number;
  /** Entries where the library threw, at compile time or while computing times. */
  readonly rejectedCount: number;
  /** Disagreement counts by start note (`spring forward`, `uneven instant`, ...). */
  readonly disagreementsByStart: ReadonlyMap<string, number>;
  /** The first few disagreements, as text. */
  readonly samples: readonly string[];
}

/** The check's outcome over the whole corpus. */
export interface CorrectnessReport {
  /** Entries that robfig rejected or found no time for within its horizon. They count for no library. */
  readonly oracleMissing: readonly string[];
  readonly libraries: readonly LibraryAgreement[];
}

/** Computes robfig's times with the reference program and compares every library with them. */
export async function checkAgainstRobfig(
  corpus: readonly CorpusEntry[],
  libraries: readonly Library<unknown>[],
): Promise<CorrectnessReport> {
  const responses = await queryOracle(
    corpus.map((entry) => ({
      expr: entry.expression,
      tz: entry.timeZone,
      from: new Date(entry.start).toISOString(),
      n: TIMES_PER_ENTRY,
    })),
    ORACLE_TIMEOUT_MS,
  );

  const expected: (number[] | null)[] = [];
  const oracleMissing: string[] = [];
  responses.forEach((response, index) => {
    const times = response.next;
    if (times === undefined || times.length !== TIMES_PER_ENTRY || times.includes(ORACLE_NO_TIME)) {
      const entry = corpus[index];
      const reason = response.error ?? 'no time within the horizon';
      oracleMissing.push(`${entry === undefined ? '?' : describeEntry(entry)}: ${reason}`);
      expected.push(null);
      return;
    }
    expected.push(times.map((time) => Date.parse(time)));
  });

  return {
    oracleMissing,
    libraries: libraries.map((library) => compareLibrary(library, corpus, expected)),
  };
}

function compareLibrary(
  library: Library<unknown>,
  corpus: readonly CorpusEntry[],
  expected: readonly (number[] | null)[],
): LibraryAgreement {
  const out = new Float64Array(TIMES_PER_ENTRY);
  const agrees: boolean[] = [];
  const samples: string[] = [];
  const disagreementsByStart = new Map<string, number>();
  let rejectedCount = 0;

  corpus.forEach((entry, index) => {
    const want = expected[index] ?? null;
    if (want === null) {
      agrees.push(false);
      return;
    }

    let got: number[];
    try {
      const compiled = library.compile(entry.expression, entry.timeZone);
      const written = library.nextTimes(compiled, entry.start, TIMES_PER_ENTRY, out);
      got = Array.from(out.subarray(0, written));
    } catch (error) {
      rejectedCount += 1;
      agrees.push(false);
      const message = error instanceof Error ? error.message : String(error);
      if (samples.length < SAMPLES_PER_LIBRARY) {
        samples.push(`${describeEntry(entry)}: threw ${message}`);
      }
      return;
    }

    const same =
      got.length === want.length && got.every((time, position) => time === want[position]);
    agrees.push(same);
    if (!same) {
      disagreementsByStart.set(
        entry.startNote,
        (disagreementsByStart.get(entry.startNote) ?? 0) + 1,
      );
      if (samples.length < SAMPLES_PER_LIBRARY) {
        samples.push(
          `${describeEntry(entry)}: robfig ${formatTimes(want)}, ${library.name} ${formatTimes(got)}`,
        );
      }
    }
  });

  return {
    library: library.name,
    agrees,
    agreeCount: agrees.filter(Boolean).length,
    rejectedCount,
    disagreementsByStart,
    samples,
  };
}

function formatTimes(times: readonly number[]): string {
  return `[${times.map((time) => new Date(time).toISOString().replace('.000Z', 'Z')).join(', ')}]`;
}
