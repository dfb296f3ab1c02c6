// Marks on fire times that a daylight saving time change affected: a local time that did not
// exist (moved under the cron policy, skipped otherwise) or that occurred twice (run once under
// the cron policy, twice otherwise). The marks are derived from the fire times the engine
// returns, the schedule's fields and the zone's offsets.

import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, civilFromDays } from './calendar.js';
import { nextTimes, previousTimes } from './compile.js';
import { HORIZON_YEARS } from './horizon.js';
import type { Schedule } from './types.js';
import { ZoneOffsets } from './zone.js';

/**
 * Kind of effect a DST change had on a fire time:
 * - `shifted`: matching local times did not exist, and the schedule fires once at the first
 *   instant after the change instead (cron policy, fixed-time schedule).
 * - `merged`: the local time occurs twice, and the schedule fires only at the first occurrence
 *   (cron policy, fixed-time schedule).
 * - `repeated`: the local time occurs twice, and the schedule fires at both occurrences.
 * - `skipped`: matching local times since the previous fire time did not exist and did not fire.
 */
export type DstMarkKind = 'shifted' | 'merged' | 'repeated' | 'skipped';

export interface DstMark {
  readonly kind: DstMarkKind;
  /** One English sentence for people, such as `01:30 occurs twice on this day: ...`. */
  readonly note: string;
}

/** A fire time (ms since the epoch) with the DST marks that apply to it, often none. */
export interface MarkedTime {
  readonly time: number;
  readonly marks: readonly DstMark[];
}

// The two occurrences of a repeated local time lie the size of the backward jump apart. Jumps
// of more than 26 hours are not looked for.
const REPEAT_SEARCH_MS = 26 * HOUR_MS;
// The zone's offsets are sampled this far apart to find transitions between two fire times.
// NOTE: two transitions within this interval that cancel out are missed, so their skipped times
// are not marked. The engine itself assumes at most one transition in about 56 hours.
const TRANSITION_PROBE_MS = 2 * DAY_MS;
// Skipped local times further back than the search horizon are not reported.
const SKIP_LOOKBACK_MS = (HORIZON_YEARS + 1) * 366 * DAY_MS;
// Bounds the scan of a skipped interval. The longest one in the tz database that the tests use
// is Samoa's skipped day, 2011-12-30.
const MAX_SKIPPED_MINUTES = 2 * 24 * 60;
// Notes list up to this many local times, and summarize longer lists as a count and a range.
const LISTED_TIMES = 4;

/** Returns up to `count` fire times after `from`, ascending, each with its DST marks. */
export function nextWithMarks(schedule: Schedule, from: number, count: number): MarkedTime[] {
  return markFireTimes(schedule, nextTimes(schedule, from, count), from);
}

/**
 * Returns up to `count` fire times before `before`, newest first, each with its DST marks.
 * Throws TypeError when the schedule does not compute previous fire times.
 */
export function previousWithMarks(schedule: Schedule, before: number, count: number): MarkedTime[] {
  const times = previousTimes(schedule, before, count).reverse();
  const oldest = times[0];
  if (oldest === undefined) return [];
  const since = schedule.prev?.(oldest) ?? oldest;
  return markFireTimes(schedule, times, since).reverse();
}

/**
 * Marks consecutive fire times of `schedule`, ascending. `since` is the instant before the first
 * one from which skipped local times count: the start of the search or the fire time before.
 */
export function markFireTimes(
  schedule: Schedule,
  times: readonly number[],
  since: number,
): MarkedTime[] {
  const offsets = ZoneOffsets.of(schedule.timeZone);
  const marked: MarkedTime[] = [];
  let previous = since;
  for (const time of times) {
    const marks = offsets.isUtc ? [] : marksOf(schedule, offsets, time, previous);
    marked.push({ time, marks });
    previous = time;
  }
  return marked;
}

function marksOf(schedule: Schedule, offsets: ZoneOffsets, time: number, since: number): DstMark[] {
  const matches = schedule.matchesWallClock?.bind(schedule);
  if (matches === undefined) return [];
  const marks: DstMark[] = [];
  const offset = offsets.offsetAt(time);
  const wallClock = time + offset;
  const oncePerLocalTime = schedule.oncePerLocalTime === true;

  if (oncePerLocalTime) {
    const offsetJustBefore = offsets.offsetAt(time - SECOND_MS);
    if (offsetJustBefore < offset) {
      const skipped = matchingWallClocks(matches, time + offsetJustBefore, time + offset);
      if (skipped.length > 0) marks.push(shiftedMark(skipped, wallClock, matches(wallClock)));
    }
  }

  const other = otherOccurrence(offsets, time, wallClock);
  if (other !== null) {
    const clock = clockText(wallClock);
    if (oncePerLocalTime) {
      const note = `${clock} occurs twice on this day: runs only at the first occurrence`;
      marks.push({ kind: 'merged', note });
    } else {
      const occurrence = other > time ? 'first' : 'second';
      const note = `${clock} occurs twice on this day: this is the ${occurrence} of its two runs`;
      marks.push({ kind: 'repeated', note });
    }
  }

  if (!oncePerLocalTime) {
    const from = Math.max(since, time - SKIP_LOOKBACK_MS);
    for (const gap of forwardTransitions(offsets, from, time)) {
      const skipped = matchingWallClocks(matches, gap.at + gap.before, gap.at + gap.after);
      if (skipped.length > 0) marks.push(skippedMark(skipped));
    }
  }
  return marks;
}

function shiftedMark(skipped: readonly number[], wallClock: number, merged: boolean): DstMark {
  const first = skipped[0] ?? wallClock;
  const subject = `${timesText(skipped)} ${skipped.length === 1 ? 'does' : 'do'} not exist`;
  const day = sameDay(first, wallClock) ? 'on this day' : `on ${dateText(first)}`;
  let outcome: string;
  if (merged) outcome = `merged into this ${clockText(wallClock)} run`;
  else if (skipped.length === 1) outcome = 'moved to the first instant after the DST change';
  else outcome = 'run once at the first instant after the DST change';
  return { kind: 'shifted', note: `${subject} ${day}: ${outcome}` };
}

function skippedMark(skipped: readonly number[]): DstMark {
  const first = skipped[0] ?? 0;
  const outcome = skipped.length === 1 ? 'so it was skipped' : 'so they were skipped';
  const note = `${timesText(skipped)} on ${dateText(first)} did not exist (DST change), ${outcome}`;
  return { kind: 'skipped', note };
}

/** Returns the matching whole-minute wall-clock times in [`lower`, `upper`). */
function matchingWallClocks(
  matches: (wallClock: number) => boolean,
  lower: number,
  upper: number,
): number[] {
  const found: number[] = [];
  const first = Math.ceil(lower / MINUTE_MS) * MINUTE_MS;
  const last = Math.min(upper, first + MAX_SKIPPED_MINUTES * MINUTE_MS);
  for (let wallClock = first; wallClock < last; wallClock += MINUTE_MS) {
    if (matches(wallClock)) found.push(wallClock);
  }
  return found;
}

/** Returns the other instant whose wall clock is `wallClock`, or null when it occurs once. */
function otherOccurrence(offsets: ZoneOffsets, time: number, wallClock: number): number | null {
  const offset = wallClock - time;
  for (const candidate of [time - REPEAT_SEARCH_MS, time + REPEAT_SEARCH_MS]) {
    const otherOffset = offsets.offsetAt(candidate);
    if (otherOffset === offset) continue;
    const other = wallClock - otherOffset;
    if (offsets.offsetAt(other) === otherOffset) return other;
  }
  return null;
}

interface Transition {
  at: number;
  before: number;
  after: number;
}

/** Returns the transitions in (`since`, `until`] that move the wall clock forward. */
function forwardTransitions(offsets: ZoneOffsets, since: number, until: number): Transition[] {
  const found: Transition[] = [];
  let low = since;
  let lowOffset = offsets.offsetAt(low);
  while (low < until) {
    const high = Math.min(low + TRANSITION_PROBE_MS, until);
    const highOffset = offsets.offsetAt(high);
    if (highOffset === lowOffset) {
      low = high;
      continue;
    }
    const at = offsets.transitionBetween(low, high);
    const after = offsets.offsetAt(at);
    if (after > lowOffset) found.push({ at, before: lowOffset, after });
    low = at;
    lowOffset = after;
  }
  return found;
}

function timesText(wallClocks: readonly number[]): string {
  const clocks = wallClocks.map(clockText);
  if (clocks.length > LISTED_TIMES) {
    return `${clocks.length} times from ${clocks[0]} to ${clocks.at(-1)}`;
  }
  if (clocks.length <= 1) return clocks.join('');
  return `${clocks.slice(0, -1).join(', ')} and ${clocks.at(-1)}`;
}

function clockText(wallClock: number): string {
  const timeOfDay = wallClock - Math.floor(wallClock / DAY_MS) * DAY_MS;
  const hours = Math.floor(timeOfDay / HOUR_MS);
  const minutes = Math.floor((timeOfDay % HOUR_MS) / MINUTE_MS);
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

function dateText(wallClock: number): string {
  const { year, month, day } = civilFromDays(Math.floor(wallClock / DAY_MS));
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${String(year).padStart(4, '0')}-${pad(month)}-${pad(day)}`;
}

function sameDay(first: number, second: number): boolean {
  return Math.floor(first / DAY_MS) === Math.floor(second / DAY_MS);
}
