// Order statistics for the scale benchmarks: medians over runs and latency percentiles.

/** Latency summary of one set of samples, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Returns the median, or NaN for no values. The mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Returns the nearest-rank percentile (`fraction` 0.99 is p99) of sorted values: the smallest
 * value that at least that share of the samples does not exceed. NaN for no values.
 */
export function percentileOfSorted(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

/**
 * Returns a percentile over `samples` plus `missing` events that never happened within the
 * measurement, which count as later than every sample. A percentile that falls on a missing
 * event is Infinity.
 */
export function percentileWithMissing(
  samples: readonly number[],
  missing: number,
  fraction: number,
): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const padded = missing > 0 ? [...sorted, ...Array<number>(missing).fill(Infinity)] : sorted;
  return percentileOfSorted(padded, fraction);
}

/** Summarizes latency samples in milliseconds. */
export function summarizeLatency(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 0.5),
    p99: percentileOfSorted(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/** Formats milliseconds as `12 ms` below ten seconds and as `12.3 s` above. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value < 10_000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** Formats bytes in mebibytes (2^20 bytes) with the unit written `MB`, such as `212 MB`. */
export function formatMegabytes(bytes: number): string {
  return Number.isFinite(bytes) ? `${Math.round(bytes / (1024 * 1024))} MB` : '-';
}
