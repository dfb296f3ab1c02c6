// Cron field texts rebuilt from the values a field matches, so that cronstrue reads each field
// as the schedule engine evaluates it, whatever oddities the original text had (`*-5`, `1,,2`,
// `5/10`, steps beyond the range, duplicates).

import { toString as cronstrueText } from 'cronstrue';

/** Writes `values` (ascending, within `min`-`max`) as a field: `*`, a step, ranges or a list. */
export function fieldText(
  values: readonly number[],
  min: number,
  max: number,
  steps: boolean,
): string {
  if (values.length === max - min + 1) return '*';
  const step = steps ? commonStep(values) : undefined;
  if (step !== undefined) {
    const first = values[0] ?? min;
    const last = values[values.length - 1] ?? max;
    if (last + step <= max) return `${first}-${last}/${step}`;
    return first === min ? `*/${step}` : `${first}/${step}`;
  }
  return runsText(values);
}

// The step of an arithmetic progression of at least three values, with a step above 1.
function commonStep(values: readonly number[]): number | undefined {
  if (values.length < 3) return undefined;
  const step = (values[1] ?? 0) - (values[0] ?? 0);
  if (step <= 1) return undefined;
  for (let index = 2; index < values.length; index++) {
    if ((values[index] ?? 0) - (values[index - 1] ?? 0) !== step) return undefined;
  }
  return step;
}

// Runs of three or more consecutive values become ranges, shorter runs stay single values.
function runsText(values: readonly number[]): string {
  const items: string[] = [];
  let index = 0;
  while (index < values.length) {
    const start = values[index] ?? 0;
    let end = start;
    while (values[index + 1] === end + 1) {
      index++;
      end++;
    }
    if (end - start >= 2) items.push(`${start}-${end}`);
    else for (let value = start; value <= end; value++) items.push(String(value));
    index++;
  }
  return items.join(',');
}

/**
 * Describes a five-field expression whose fields cronstrue reads as written (day of week 0 =
 * Sunday), with a 24-hour clock. Throws Error when cronstrue rejects it.
 */
function cronstrueDescription(expression: string): string {
  return cronstrueText(expression, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
}

const TIME_PREFIX = 'At 00:00';

// Up to this many times of day are listed one by one, as cronstrue does for a list of hours.
const LISTED_TIMES_OF_DAY = 6;

/** Ends the description of a schedule whose listed days fit none of its listed months. */
export const NEVER_OCCURS_NOTE = '(never fires: no listed month has such a day)';

/**
 * Describes the minute and hour fields, such as `At 02:00 and 02:30` or `Every 15 minutes`.
 * A few times of day are listed by this code, because cronstrue describes a list of minutes in
 * one hour as `At 0 and 30 minutes past the hour, at 02:00`.
 */
export function timeOfDayText(minutes: readonly number[], hours: readonly number[]): string {
  if (minutes.length >= 2 && minutes.length * hours.length <= LISTED_TIMES_OF_DAY) {
    const times = hours.flatMap((hour) => minutes.map((minute) => `${pad2(hour)}:${pad2(minute)}`));
    return `At ${times.slice(0, -1).join(', ')} and ${times.at(-1)}`;
  }
  const minuteText = fieldText(minutes, 0, 59, true);
  const hourText = fieldText(hours, 0, 23, true);
  return cronstrueDescription(`${minuteText} ${hourText} * * *`);
}

function pad2(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * Returns the clauses cronstrue adds to `At 00:00` for a day or month field, such as
 * `, on day 1 of the month`, or an empty string for `*`. `expression` must fire at 00:00.
 */
export function clausesAfterMidnight(expression: string): string {
  const text = cronstrueDescription(expression);
  if (!text.startsWith(TIME_PREFIX)) {
    throw new Error(`cronstrue described ${JSON.stringify(expression)} as ${JSON.stringify(text)}`);
  }
  return text.slice(TIME_PREFIX.length);
}

/** Appends the zone a schedule is evaluated in, when one is named. */
export function inTimeZone(description: string, timeZone: string | undefined): string {
  return timeZone === undefined ? description : `${description}, in time zone ${timeZone}`;
}
