// Counters of the parser fuzz, shared by the worker that runs the inputs and the main thread
// that adds up the worker's reports.

/** One noteworthy input: its index, what was called, and what happened. */
export interface FuzzFinding {
  readonly index: number;
  readonly operation: string;
  readonly detail: string;
  /** The spec as a JSON string, cut to 120 characters. */
  readonly spec: string;
}

export interface FuzzCounts {
  inputs: number;
  /** Inputs that parseStandard rejected with a ScheduleParseError. */
  parseErrors: number;
  /** Inputs that parsed, compiled and whose next() chain ran without an exception. */
  successes: number;
  nextCalls: number;
  /** next() calls that returned null: no fire time within the horizon. */
  noNextTime: number;
  /** Exceptions other than ScheduleParseError, from any call. */
  crashes: number;
  /**
   * Calls that stayed over the hang threshold when timed again, and inputs the watchdog stopped.
   */
  hangs: number;
  /** Calls over the hang threshold on their first run, before they were timed again. */
  slowOutliers: number;
  /** next() results that are not a whole second after `from`, and parse/compile disagreements. */
  wrongResults: number;
  /** Duration of the slowest call, the least of its timings when it was timed again. */
  slowestMs: number;
  slowest: FuzzFinding | null;
  /** The first few crashes, hangs and wrong results. */
  findings: FuzzFinding[];
}

const MAX_FINDINGS = 10;

export function emptyCounts(): FuzzCounts {
  return {
    inputs: 0,
    parseErrors: 0,
    successes: 0,
    nextCalls: 0,
    noNextTime: 0,
    crashes: 0,
    hangs: 0,
    slowOutliers: 0,
    wrongResults: 0,
    slowestMs: 0,
    slowest: null,
    findings: [],
  };
}

/** Adds `part` into `total`, keeping the slowest call and the first findings. */
export function addCounts(total: FuzzCounts, part: FuzzCounts): void {
  total.inputs += part.inputs;
  total.parseErrors += part.parseErrors;
  total.successes += part.successes;
  total.nextCalls += part.nextCalls;
  total.noNextTime += part.noNextTime;
  total.crashes += part.crashes;
  total.hangs += part.hangs;
  total.slowOutliers += part.slowOutliers;
  total.wrongResults += part.wrongResults;
  if (part.slowestMs > total.slowestMs) {
    total.slowestMs = part.slowestMs;
    total.slowest = part.slowest;
  }
  for (const finding of part.findings) recordFinding(total, finding);
}

/** Keeps `finding` when fewer than ten are kept already. */
export function recordFinding(counts: FuzzCounts, finding: FuzzFinding): void {
  if (counts.findings.length < MAX_FINDINGS) counts.findings.push(finding);
}

/** Returns the spec as a JSON string, cut to 120 characters, for reports. */
export function previewSpec(spec: string): string {
  const text = JSON.stringify(spec);
  return text.length <= 120 ? text : `${text.slice(0, 117)}...`;
}
