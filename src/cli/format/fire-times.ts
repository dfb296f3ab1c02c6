import { formatInZone } from '../../schedule/index.js';
import type { DstMarkKind, MarkedTime } from '../../schedule/index.js';

/** One DST mark in `cronmesh next -o json`: the RFC 3339 fire time it concerns and its note. */
export interface FireTimeMarkJson {
  time: string;
  kind: DstMarkKind;
  note: string;
}

/**
 * Formats fire times one per line as RFC 3339 in `timeZone`, each followed by the notes of its
 * DST marks in parentheses, such as
 * `2025-03-09T03:00:00-07:00  (02:00 does not exist on this day: moved to ...)`.
 */
export function formatFireTimeLines(times: readonly MarkedTime[], timeZone: string): string {
  return times
    .map(({ time, marks }) => {
      const text = formatInZone(time, timeZone);
      if (marks.length === 0) return `${text}\n`;
      return `${text}  (${marks.map((mark) => mark.note).join('; ')})\n`;
    })
    .join('');
}

/** Lists the DST marks of `times` in their order, with the fire times in RFC 3339. */
export function fireTimeMarksJson(
  times: readonly MarkedTime[],
  timeZone: string,
): FireTimeMarkJson[] {
  return times.flatMap(({ time, marks }) =>
    marks.map(({ kind, note }) => ({ time: formatInZone(time, timeZone), kind, note })),
  );
}
