import type { Event, Labels, ObjectMeta } from '../../api/types.js';
import { ageSince } from './age.js';
import { alignTabs, describeLayout } from './table.js';

/**
 * Collects `kubectl describe` lines: two spaces of indentation per level, tabs between a key and
 * its value, aligned at the end with kubectl's describe tabwriter settings.
 */
export class DescribeWriter {
  private readonly lines: string[] = [];

  /** Adds one line; `text` may contain tabs between cells but no newline. */
  line(level: number, text: string): void {
    this.lines.push('  '.repeat(level) + text);
  }

  toString(): string {
    return alignTabs(this.lines, describeLayout);
  }
}

/** kubectl leaves out this annotation because apply writes the whole manifest into it. */
const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
const maxAnnotationLength = 140;

/** Writes `Labels:  a=b` with further labels on their own lines, sorted, or `<none>`. */
export function writeLabels(
  writer: DescribeWriter,
  level: number,
  title: string,
  labels?: Labels,
): void {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) {
    writer.line(level, `${title}:\t<none>`);
    return;
  }
  keys.forEach((key, index) => {
    const text = `${key}=${labels?.[key] ?? ''}`;
    writer.line(level, index === 0 ? `${title}:\t${text}` : `\t${text}`);
  });
}

/** Writes `Annotations:  key: value`, sorted. Long or multi-line values go on indented lines. */
export function writeAnnotations(
  writer: DescribeWriter,
  level: number,
  title: string,
  annotations?: Labels,
): void {
  const keys = Object.keys(annotations ?? {})
    .filter((key) => key !== lastAppliedAnnotation)
    .sort();
  if (keys.length === 0) {
    writer.line(level, `${title}:\t<none>`);
    return;
  }
  keys.forEach((key, index) => {
    const lead = index === 0 ? `${title}:\t` : '\t';
    const value = (annotations?.[key] ?? '').replace(/\n$/, '');
    if (value.length + key.length + 2 <= maxAnnotationLength && !value.includes('\n')) {
      writer.line(level, `${lead}${key}: ${value}`);
      return;
    }
    writer.line(level, `${lead}${key}:`);
    for (const part of value.split('\n')) {
      writer.line(level, `\t  ${shorten(part, maxAnnotationLength - 2)}`);
    }
  });
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}...`;
}

/** Returns `Kind/name` of the controller owner reference, as `Controlled By:` shows it. */
export function controllerOf(metadata: ObjectMeta): string | undefined {
  const owner = metadata.ownerReferences?.find((reference) => reference.controller === true);
  return owner === undefined ? undefined : `${owner.kind}/${owner.name}`;
}

/**
 * Formats an RFC 3339 timestamp as Go's RFC1123Z layout in the local time zone, as kubectl
 * describe prints times: `Mon, 02 Jan 2006 15:04:05 -0700`.
 */
export function formatRfc1123z(timestamp: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = [
    'Jan',
    'Feb',
    'Mar',
    'Apr',
    'May',
    'Jun',
    'Jul',
    'Aug',
    'Sep',
    'Oct',
    'Nov',
    'Dec',
  ];
  const two = (value: number): string => String(value).padStart(2, '0');
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const offset = `${sign}${two(Math.trunc(absolute / 60))}${two(absolute % 60)}`;
  return (
    `${days[date.getDay()] ?? ''}, ${two(date.getDate())} ${months[date.getMonth()] ?? ''} ` +
    `${date.getFullYear()} ${two(date.getHours())}:${two(date.getMinutes())}:` +
    `${two(date.getSeconds())} ${offset}`
  );
}

/**
 * Writes the Events table of kubectl describe, oldest first by last timestamp. A repeated event
 * shows `<last> (xN over <first>)` in the Age column.
 */
export function writeEvents(writer: DescribeWriter, events: readonly Event[], now: number): void {
  if (events.length === 0) {
    writer.line(0, 'Events:\t<none>');
    return;
  }
  const sorted = [...events].sort((a, b) => eventTime(a) - eventTime(b));
  writer.line(0, 'Events:');
  writer.line(1, 'Type\tReason\tAge\tFrom\tMessage');
  writer.line(1, '----\t------\t----\t----\t-------');
  for (const event of sorted) {
    const first = ageSince(event.firstTimestamp, now);
    const count = event.count ?? 1;
    const age =
      count > 1 ? `${ageSince(event.lastTimestamp, now)} (x${count} over ${first})` : first;
    const source = event.source?.component ?? '';
    writer.line(1, `${event.type}\t${event.reason}\t${age}\t${source}\t${event.message.trim()}`);
  }
}

function eventTime(event: Event): number {
  const time = Date.parse(event.lastTimestamp ?? event.firstTimestamp ?? '');
  return Number.isNaN(time) ? 0 : time;
}
