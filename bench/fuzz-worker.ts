// Worker thread of the parser fuzz. It runs inputs [startIndex, endIndex) through parseStandard
// and compileSchedule(...).next(...), times every call, and posts its counts to the main thread
// every few thousand inputs. Before each input it stores the input's index in shared memory, so
// the main thread can name the input when it has to stop a worker that no longer responds.

import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

import { ScheduleParseError, compileSchedule, parseStandard } from '../src/schedule/index.js';
import type { Schedule } from '../src/schedule/index.js';
import { emptyCounts, previewSpec, recordFinding } from './fuzz-counts.js';
import type { FuzzCounts } from './fuzz-counts.js';
import { fuzzCase } from './fuzz-inputs.js';
import type { FuzzCase } from './fuzz-inputs.js';

/** Arguments of the worker, set by the main thread. */
export interface FuzzWorkerData {
  seed: number;
  startIndex: number;
  endIndex: number;
  /** Indexes to leave out, because they stopped an earlier worker. */
  skip: number[];
  /** A call that takes longer, also when timed again, counts as a hang. */
  hangMs: number;
  /** The worker stops after this long and reports where it stopped. */
  timeBudgetMs: number;
  /** Int32Array[0] contains the index of the input being run. */
  currentIndex: SharedArrayBuffer;
}

/** Messages from the worker: counts since the previous message, and the next index to run. */
export interface FuzzWorkerMessage {
  type: 'progress' | 'done';
  counts: FuzzCounts;
  nextIndex: number;
}

const PROGRESS_EVERY = 5_000;
const NEXT_CALLS_PER_INPUT = 3;
// A call slower than a tenth of the hang threshold runs up to this many more times, and the
// least of its timings counts. A garbage-collection pause or another process on the machine
// can slow one run, so only a call that stays slow every time counts as a hang or the slowest.
const RETIMINGS = 2;
const RETIME_FRACTION = 0.1;
const SECOND_MS = 1_000;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Runs the calls of one input, timing each one and counting what happens in `counts`. */
class InputProbe {
  constructor(
    private readonly counts: FuzzCounts,
    private readonly index: number,
    private readonly spec: string,
    private readonly hangMs: number,
  ) {}

  /** Calls `call`, which must have no side effects, and times it. */
  timed<T>(operation: string, call: () => T): Outcome<T> {
    let { outcome, elapsedMs } = timeOnce(call);
    if (elapsedMs > this.hangMs) this.counts.slowOutliers += 1;
    const retimeAboveMs = this.hangMs * RETIME_FRACTION;
    for (let retry = 0; retry < RETIMINGS && elapsedMs > retimeAboveMs; retry++) {
      const again = timeOnce(call);
      outcome = again.outcome;
      elapsedMs = Math.min(elapsedMs, again.elapsedMs);
    }
    if (elapsedMs > this.counts.slowestMs) {
      this.counts.slowestMs = elapsedMs;
      this.counts.slowest = this.finding(operation, `${elapsedMs.toFixed(2)} ms`);
    }
    if (elapsedMs > this.hangMs) {
      this.counts.hangs += 1;
      recordFinding(this.counts, this.finding(operation, `hang: ${elapsedMs.toFixed(0)} ms`));
    }
    return outcome;
  }

  crash(operation: string, error: unknown): void {
    this.counts.crashes += 1;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    recordFinding(this.counts, this.finding(operation, `crash: ${detail.slice(0, 200)}`));
  }

  wrong(operation: string, detail: string): void {
    this.counts.wrongResults += 1;
    recordFinding(this.counts, this.finding(operation, `wrong: ${detail}`));
  }

  private finding(operation: string, detail: string) {
    return { index: this.index, operation, detail, spec: previewSpec(this.spec) };
  }
}

function timeOnce<T>(call: () => T): { outcome: Outcome<T>; elapsedMs: number } {
  const startedAt = performance.now();
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: call() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  return { outcome, elapsedMs: performance.now() - startedAt };
}

function run(data: FuzzWorkerData): void {
  const port = parentPort;
  if (port === null) throw new Error('fuzz-worker must run in a worker thread');
  const current = new Int32Array(data.currentIndex);
  const skip = new Set(data.skip);
  const startedAt = performance.now();
  let counts = emptyCounts();

  let index = data.startIndex;
  for (; index < data.endIndex; index++) {
    if (index % PROGRESS_EVERY === 0 && index !== data.startIndex) {
      port.postMessage({ type: 'progress', counts, nextIndex: index } satisfies FuzzWorkerMessage);
      counts = emptyCounts();
      if (performance.now() - startedAt > data.timeBudgetMs) break;
    }
    if (skip.has(index)) continue;
    Atomics.store(current, 0, index);
    const input = fuzzCase(data.seed, index);
    runInput(new InputProbe(counts, index, input.spec, data.hangMs), counts, input);
  }
  port.postMessage({ type: 'done', counts, nextIndex: index } satisfies FuzzWorkerMessage);
}

function runInput(probe: InputProbe, counts: FuzzCounts, input: FuzzCase): void {
  counts.inputs += 1;
  const spec = input.spec;

  const parsed = probe.timed('parseStandard', () => parseStandard(spec));
  if (!parsed.ok && !(parsed.error instanceof ScheduleParseError)) {
    probe.crash('parseStandard', parsed.error);
    return;
  }
  if (!parsed.ok) counts.parseErrors += 1;

  // compileSchedule runs for every input: it must reject exactly what parseStandard rejects.
  const options = { timeZone: input.timeZone, dstPolicy: input.dstPolicy };
  const compiled = probe.timed('compileSchedule', () => compileSchedule(spec, options));
  if (!compiled.ok) {
    const error = compiled.error;
    if (!(error instanceof ScheduleParseError)) {
      probe.crash('compileSchedule', error);
    } else if (parsed.ok) {
      probe.wrong('compileSchedule', `rejected what parseStandard accepted: ${error.message}`);
    } else if (
      parsed.error instanceof ScheduleParseError &&
      error.message !== parsed.error.message
    ) {
      probe.wrong('compileSchedule', 'error message differs from parseStandard');
    }
    return;
  }
  if (!parsed.ok) {
    probe.wrong('compileSchedule', 'accepted what parseStandard rejected');
    return;
  }

  if (runNextChain(probe, counts, compiled.value, input.from)) counts.successes += 1;
}

// Returns true when every next() call returned without an exception.
function runNextChain(
  probe: InputProbe,
  counts: FuzzCounts,
  schedule: Schedule,
  firstFrom: number,
): boolean {
  let from = firstFrom;
  for (let call = 0; call < NEXT_CALLS_PER_INPUT; call++) {
    counts.nextCalls += 1;
    const current = from;
    const result = probe.timed('next', () => schedule.next(current));
    if (!result.ok) {
      probe.crash(`next(${current})`, result.error);
      return false;
    }
    const next = result.value;
    if (next === null) {
      counts.noNextTime += 1;
      return true;
    }
    if (!Number.isInteger(next) || next <= current || next % SECOND_MS !== 0) {
      probe.wrong(`next(${current})`, `returned ${next}`);
      return true;
    }
    from = next;
  }
  return true;
}

run(workerData as FuzzWorkerData);
