/**
 * Index interval notation of Indexed Jobs (`1,3-5,7`), used by `successPolicy.succeededIndexes`
 * and `status.completedIndexes`. Error texts are the Kubernetes API server's.
 */

export interface IndexInterval {
  first: number;
  last: number;
}

/** Parses `text` for a Job with `completions` indexes. Throws Error with Kubernetes' message. */
export function parseIndexIntervals(text: string, completions: number): IndexInterval[] {
  if (text === '') return [];
  const intervals: IndexInterval[] = [];
  let previous: number | undefined;
  for (const fragment of text.split(',')) {
    const interval = parseInterval(fragment, completions);
    if (previous !== undefined && previous >= interval.first) {
      throw new Error(`non-increasing order, previous: ${previous}, current: ${interval.first}`);
    }
    intervals.push(interval);
    previous = interval.last;
  }
  return intervals;
}

/** Returns how many indexes the intervals cover. */
export function countIndexes(intervals: readonly IndexInterval[]): number {
  return intervals.reduce((total, interval) => total + interval.last - interval.first + 1, 0);
}

function parseInterval(fragment: string, completions: number): IndexInterval {
  const limits = fragment.split('-');
  if (limits.length > 2) {
    throw new Error(
      `the fragment ${JSON.stringify(fragment)} violates the requirement that an index interval can have at most two parts separated by '-'`,
    );
  }
  const first = parseIndex(limits[0] ?? '', completions);
  if (limits.length === 1) return { first, last: first };
  const last = parseIndex(limits[1] ?? '', completions);
  if (first >= last) throw new Error(`non-increasing order, previous: ${first}, current: ${last}`);
  return { first, last };
}

function parseIndex(text: string, completions: number): number {
  // Go's strconv.Atoi: optional sign, then decimal digits only.
  if (!/^[+-]?[0-9]+$/.test(text)) {
    throw new Error(`cannot convert string to integer for index: ${JSON.stringify(text)}`);
  }
  const index = Number(text);
  if (index >= completions) throw new Error(`too large index: ${JSON.stringify(text)}`);
  return index;
}
