// Compares the engine's `kubernetes` policy with robfig/cron v3 on generated cases. Each step
// gives the engine and robfig the same input instant, so one robfig defect does not shift the
// steps after it. A difference counts as expected only when one of the defect rules below
// recognises it and the engine's own result is confirmed by the minute-scanning reference.

import { compileSchedule, parseStandard, ScheduleParseError } from '../../src/schedule/index.js';
import type { CronFieldsSpec } from '../../src/schedule/index.js';
import { ORACLE_ZONES, generateRequests } from './oracle-cases.js';
import { oracleTransitions, runOracle } from './robfig-oracle.js';
import type { OracleRequest, OracleResponse, ZoneTransitions } from './robfig-oracle.js';
import { fieldsMatch, scanNext, wallClockAt } from './wall-clock-reference.js';

/** Names of the robfig defects where the engine follows the wall-clock rule instead. */
export type DefectRule =
  'result not after input' | 'result off the schedule' | 'skipped time after irregular transition';

export interface Difference {
  request: OracleRequest;
  input: string;
  robfig: string | null;
  engine: string | null;
  reason: string;
}

export interface ComparisonReport {
  cases: number;
  errorCases: number;
  panicCases: number;
  steps: number;
  equalSteps: number;
  defects: Record<DefectRule, number>;
  /** The first few differences of each defect rule, for reading. */
  defectExamples: Record<DefectRule, Difference[]>;
  unexplained: Difference[];
}

const ROBFIG_ZERO_TIME = '0001-01-01T00:00:00Z';
const DAY_MS = 86_400_000;
// The reference scan confirms an engine result only this far ahead of the input.
const SCAN_LIMIT_MS = 62 * DAY_MS;

/** Generates `count` cases from `seed`, runs them through robfig and the engine, and compares. */
export async function compareWithOracle(
  seed: number,
  count: number,
  n = 5,
): Promise<ComparisonReport> {
  const zoneTransitions = await oracleTransitions(ORACLE_ZONES, 2019, 2036);
  const requests = generateRequests(seed, count, n, zoneTransitions);
  const responses = await runOracle(requests, { batch: `random cases, seed ${seed}` });
  const report: ComparisonReport = {
    cases: requests.length,
    errorCases: 0,
    panicCases: 0,
    steps: 0,
    equalSteps: 0,
    defects: {
      'result not after input': 0,
      'result off the schedule': 0,
      'skipped time after irregular transition': 0,
    },
    defectExamples: {
      'result not after input': [],
      'result off the schedule': [],
      'skipped time after irregular transition': [],
    },
    unexplained: [],
  };
  const transitions = new Map(zoneTransitions.map((zone) => [zone.tz, zone]));
  requests.forEach((request, index) => {
    const response = responses[index];
    if (response === undefined) throw new Error(`no oracle response for case ${index}`);
    compareCase(request, response, transitions, report);
  });
  return report;
}

function compareCase(
  request: OracleRequest,
  response: OracleResponse,
  transitions: ReadonlyMap<string, ZoneTransitions>,
  report: ComparisonReport,
): void {
  const differ = (reason: string) =>
    report.unexplained.push({ request, input: request.from, robfig: null, engine: null, reason });

  if (response.error !== undefined) {
    report.errorCases++;
    const engineError = parseErrorOf(request.expr);
    if (response.panic === true) {
      report.panicCases++;
      if (engineError === null)
        differ(`robfig panicked (${response.error}) but the engine accepted the spec`);
      return;
    }
    if (engineError !== response.error)
      differ(
        `error text: robfig ${JSON.stringify(response.error)}, engine ${JSON.stringify(engineError)}`,
      );
    return;
  }

  const engineError = parseErrorOf(request.expr);
  if (engineError !== null) {
    differ(`engine rejected a spec robfig accepts: ${engineError}`);
    return;
  }

  // As the CronJob controller does, a spec that contains "TZ" keeps its own zone and otherwise
  // gets the timeZone field. The oracle runs with the local zone set to UTC.
  const zone = request.expr.includes('TZ') ? 'UTC' : (request.tz ?? 'UTC');
  const schedule = compileSchedule(request.expr, { timeZone: zone, dstPolicy: 'kubernetes' });
  const parsed = parseStandard(request.expr);
  const zoneTransitions = transitions.get(zone);

  let input = Date.parse(request.from);
  for (const robfigText of response.next ?? []) {
    report.steps++;
    const robfig = robfigText === ROBFIG_ZERO_TIME ? null : Date.parse(robfigText);
    const engine = schedule.next(input);
    if (engine === robfig) {
      report.equalSteps++;
    } else {
      const verdict = classify(parsed, zone, zoneTransitions, input, robfig, engine);
      const difference: Difference = {
        request,
        input: iso(input),
        robfig: robfig === null ? null : iso(robfig),
        engine: engine === null ? null : iso(engine),
        reason: 'rule' in verdict ? verdict.rule : verdict.reason,
      };
      if ('rule' in verdict) {
        report.defects[verdict.rule]++;
        const examples = report.defectExamples[verdict.rule];
        if (examples.length < Number(process.env['EXAMPLES'] ?? 3)) examples.push(difference);
      } else {
        report.unexplained.push(difference);
      }
    }
    if (robfig === null) break;
    input = robfig;
  }
}

function classify(
  spec: ReturnType<typeof parseStandard>,
  zone: string,
  transitions: ZoneTransitions | undefined,
  input: number,
  robfig: number | null,
  engine: number | null,
): { rule: DefectRule } | { reason: string } {
  if (spec.kind !== 'fields') return { reason: '@every result differs' };

  const confirmed = engineMatchesReference(spec, zone, input, engine);
  if (confirmed !== true) return { reason: confirmed };

  if (robfig !== null && robfig <= input) return { rule: 'result not after input' };
  if (robfig !== null && !fieldsMatch(spec, wallClockAt(robfig, zone))) {
    return { rule: 'result off the schedule' };
  }
  if (
    engine !== null &&
    (robfig === null || engine < robfig) &&
    irregularTransitionBetween(input - DAY_MS, engine + DAY_MS, transitions)
  ) {
    return { rule: 'skipped time after irregular transition' };
  }
  return { reason: 'difference matches no robfig defect rule' };
}

// Confirms the engine's result with the minute-scanning reference, as far as the scan reaches.
function engineMatchesReference(
  spec: CronFieldsSpec,
  zone: string,
  input: number,
  engine: number | null,
): true | string {
  const until = engine === null ? input + SCAN_LIMIT_MS : Math.min(engine, input + SCAN_LIMIT_MS);
  const scanned = scanNext(spec, zone, input, until);
  if (engine !== null && engine <= input + SCAN_LIMIT_MS) {
    return scanned === engine
      ? true
      : `engine ${iso(engine)} but reference scan ${scanned === null ? 'null' : iso(scanned)}`;
  }
  return scanned === null
    ? true
    : `engine ${engine === null ? 'null' : iso(engine)} but reference scan ${iso(scanned)}`;
}

// Looks for a transition in [from, to] whose jump starts or ends off a whole local hour
// (Lord Howe shifts by 30 minutes, Chatham jumps at 02:45) or at local midnight (Santiago).
// robfig steps hour by hour from truncated local times, which goes wrong at such jumps.
function irregularTransitionBetween(
  from: number,
  to: number,
  zone: ZoneTransitions | undefined,
): boolean {
  return (zone?.transitions ?? []).some((transition) => {
    const at = Date.parse(transition.at);
    if (at < from || at > to) return false;
    return [transition.offset_before, transition.offset_after].some((offset) => {
      const wallClock = at + offset * 1000;
      return wallClock % 3_600_000 !== 0 || wallClock % DAY_MS === 0;
    });
  });
}

function parseErrorOf(expr: string): string | null {
  try {
    parseStandard(expr);
    return null;
  } catch (error) {
    if (error instanceof ScheduleParseError) return error.message;
    throw error;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
