// The benchmark corpus: robfig/cron v3 standard expressions that croner, cron-parser and
// cronosjs can also express, crossed with time zones and start instants. Start instants sit
// just before daylight-saving transitions where the zone has them, so fixed-time schedules
// meet skipped and repeated local times.
//
// The corpus leaves out what a peer cannot express (`@every`, robfig's `N/step` shorthand,
// weekday 7) and schedules that never fire. It also leaves out zones whose transitions are off
// the whole hour or at local midnight (Australia/Lord_Howe, Pacific/Chatham, America/Santiago),
// where robfig v3.0.1 itself returns wrong times.

/** Kind of expression, for reading the results by group. */
export type CorpusCategory = 'standard' | 'stepped' | 'list' | 'named' | 'sparse' | 'descriptor';

/** One benchmark input: an expression evaluated in a zone from a start instant. */
export interface CorpusEntry {
  readonly expression: string;
  readonly category: CorpusCategory;
  /** IANA zone name. */
  readonly timeZone: string;
  /** Start instant in ms since the epoch. Fire times are computed strictly after it. */
  readonly start: number;
  /** Reason for the start instant, such as `spring forward`. */
  readonly startNote: string;
}

const EXPRESSIONS: ReadonlyArray<readonly [string, CorpusCategory]> = [
  ['* * * * *', 'standard'],
  ['*/5 * * * *', 'standard'],
  ['0 9 * * 1-5', 'standard'],
  ['0 0 * * *', 'standard'],
  ['15 14 1 * *', 'standard'],
  ['0 22 * * 1-5', 'standard'],
  ['5 4 * * 0', 'standard'],
  ['30 2 * * *', 'standard'],
  ['0 1 * * *', 'standard'],
  ['30 1 * * *', 'standard'],
  ['0 3 * * *', 'standard'],
  ['*/15 9-17 * * 1-5', 'stepped'],
  ['0 */6 * * *', 'stepped'],
  ['10-50/10 * * * *', 'stepped'],
  ['0 0 */2 * *', 'stepped'],
  ['30 8-18/3 * * *', 'stepped'],
  ['0 0 1-31/7 * *', 'stepped'],
  ['*/7 */3 * * *', 'stepped'],
  ['23 0-20/2 * * *', 'stepped'],
  ['0,15,30,45 * * * *', 'list'],
  ['0 8,12,18 * * *', 'list'],
  ['5,35 1,13 * * *', 'list'],
  ['15 2,3 * * *', 'list'],
  ['0 0 * JAN,JUL MON', 'named'],
  ['0 6 * * MON-FRI', 'named'],
  ['30 9 1 JAN-MAR *', 'named'],
  ['0 18 * * SUN', 'named'],
  ['0 0 1 DEC *', 'named'],
  ['45 23 * FEB-APR SAT,SUN', 'named'],
  ['0 2 * * SUN', 'named'],
  ['0 0 29 2 *', 'sparse'],
  ['30 4 29 2 *', 'sparse'],
  ['59 23 31 12 *', 'sparse'],
  ['0 0 31 * *', 'sparse'],
  ['0 0 1 1 *', 'sparse'],
  ['0 12 13 * 5', 'sparse'],
  ['0 0 1,15 * 3', 'sparse'],
  ['@hourly', 'descriptor'],
  ['@daily', 'descriptor'],
  ['@weekly', 'descriptor'],
  ['@monthly', 'descriptor'],
  ['@yearly', 'descriptor'],
];

// Zones with and without daylight saving time, north and south, and offsets off the whole hour
// without DST. Each start lies shortly before a transition or at an uneven instant.
const STARTS: ReadonlyArray<readonly [string, string, string]> = [
  ['UTC', '2024-05-14T09:41:27.250Z', 'uneven instant'],
  ['UTC', '2023-12-31T23:59:30Z', 'year end'],
  ['America/New_York', '2024-03-10T06:00:00Z', 'spring forward'],
  ['America/New_York', '2024-11-03T04:30:00Z', 'fall back'],
  ['America/Los_Angeles', '2025-03-09T09:30:00Z', 'spring forward'],
  ['Europe/London', '2024-03-31T00:15:00Z', 'spring forward'],
  ['Europe/London', '2024-10-27T00:20:00Z', 'fall back'],
  ['Europe/Berlin', '2024-10-27T00:05:00Z', 'fall back'],
  ['Europe/Paris', '2025-03-30T00:45:00Z', 'spring forward'],
  ['Australia/Sydney', '2024-04-06T15:10:00Z', 'fall back'],
  ['Australia/Sydney', '2024-10-05T15:00:00Z', 'spring forward'],
  ['Pacific/Auckland', '2024-04-06T13:30:00Z', 'fall back'],
  ['Asia/Kolkata', '2024-07-01T18:29:59Z', 'no DST, +05:30'],
  ['Asia/Tokyo', '2024-02-28T14:59:59Z', 'no DST, leap day'],
  ['America/Sao_Paulo', '2024-06-01T12:00:00.999Z', 'no DST since 2019'],
];

/** Builds the corpus: every expression from every start, in a fixed order. */
export function buildCorpus(): CorpusEntry[] {
  const entries: CorpusEntry[] = [];
  for (const [timeZone, startText, startNote] of STARTS) {
    const start = Date.parse(startText);
    for (const [expression, category] of EXPRESSIONS) {
      entries.push({ expression, category, timeZone, start, startNote });
    }
  }
  return entries;
}

/** Formats an entry for messages, such as `0 9 * * 1-5 @ Europe/London from 2024-03-31T00:15:00.000Z`. */
export function describeEntry(entry: CorpusEntry): string {
  return `${entry.expression} @ ${entry.timeZone} from ${new Date(entry.start).toISOString()}`;
}
