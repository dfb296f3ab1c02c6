// Time zones: which names load (as Go's time.LoadLocation decides), UTC offsets read through
// Intl.DateTimeFormat with a small cache, and RFC 3339 formatting in a zone.

import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, civilFromDays, wallClockMs } from './calendar.js';

/** Result of loading a zone name: the IANA name to evaluate in, or Go's error text. */
export type LoadedZone = { ok: true; zone: string } | { ok: false; message: string };

// Folders of the tz database. Go fails to read them as zones with the message "is a directory".
const TZDATA_FOLDERS = new Set([
  'Africa',
  'America',
  'America/Argentina',
  'America/Indiana',
  'America/Kentucky',
  'America/North_Dakota',
  'Antarctica',
  'Arctic',
  'Asia',
  'Atlantic',
  'Australia',
  'Brazil',
  'Canada',
  'Chile',
  'Etc',
  'Europe',
  'Indian',
  'Mexico',
  'Pacific',
  'US',
]);

/**
 * Loads a zone name the way Go's `time.LoadLocation` does: `""` and `UTC` are UTC, `Local` is
 * the process's local zone, and any other name must be in the tz database, with exact case.
 * NOTE: the names come from this runtime's ICU data, not the host's /usr/share/zoneinfo, so a
 * name present in only one of them (such as Go's `Factory`) is judged differently than in Go.
 */
export function loadTimeZone(name: string): LoadedZone {
  if (name === '' || name === 'UTC') return { ok: true, zone: 'UTC' };
  if (name === 'Local') return { ok: true, zone: localTimeZone() };
  if (name.includes('..') || name.startsWith('/') || name.startsWith('\\')) {
    return { ok: false, message: 'time: invalid location name' };
  }
  if (TZDATA_FOLDERS.has(name)) return { ok: false, message: 'is a directory' };
  if (isIntlZoneName(name)) return { ok: true, zone: name };
  return { ok: false, message: `unknown time zone ${name}` };
}

/** Returns true when `zone` names a zone Go's `time.LoadLocation` would load (see loadTimeZone). */
export function isKnownTimeZone(zone: string): boolean {
  return loadTimeZone(zone).ok;
}

/** Returns the IANA name of the process's local zone, as Intl reports it. */
export function localTimeZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const ZONE_NAME_CACHE_LIMIT = 1024;
const zoneNameCache = new Map<string, boolean>();

function isIntlZoneName(name: string): boolean {
  const cached = zoneNameCache.get(name);
  if (cached !== undefined) return cached;
  const known = checkIntlZoneName(name);
  if (zoneNameCache.size >= ZONE_NAME_CACHE_LIMIT) zoneNameCache.clear();
  zoneNameCache.set(name, known);
  return known;
}

function checkIntlZoneName(name: string): boolean {
  if (!/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  // Intl matches names without regard to case, but the tz database is a case-sensitive file
  // tree. A name that differs from its canonical form only in case is therefore rejected.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return false;
  // For aliases the canonical form does not show the case. In tz names, only the short words
  // "es", "of" and "au" (Dar_es_Salaam, Isle_of_Man, Port-au-Prince) start in lower case.
  return name.split(/[/_-]/).every((word) => word.length <= 2 || !/^[a-z]/.test(word));
}

const OFFSET_CACHE_LIMIT = 4096;

/** Reads UTC offsets of one zone, caching results by instant. */
export class ZoneOffsets {
  private static readonly byZone = new Map<string, ZoneOffsets>();

  /** Returns the shared offset reader of `zone`, which must be a loadable IANA name. */
  static of(zone: string): ZoneOffsets {
    let offsets = ZoneOffsets.byZone.get(zone);
    if (!offsets) {
      offsets = new ZoneOffsets(zone);
      ZoneOffsets.byZone.set(zone, offsets);
    }
    return offsets;
  }

  /** True when the zone is UTC, so every offset is 0. */
  readonly isUtc: boolean;
  private readonly format: Intl.DateTimeFormat;
  private readonly cache = new Map<number, number>();
  private readonly transitions = new Map<number, { to: number; at: number }>();

  private constructor(readonly zone: string) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    this.isUtc = this.format.resolvedOptions().timeZone === 'UTC';
  }

  /** Returns the zone's UTC offset in milliseconds (local minus UTC) at instant `ms`. */
  offsetAt(ms: number): number {
    if (this.isUtc) return 0;
    const second = Math.floor(ms / SECOND_MS) * SECOND_MS;
    const cached = this.cache.get(second);
    if (cached !== undefined) return cached;

    const offset = this.wallClockAt(second) - second;
    if (this.cache.size >= OFFSET_CACHE_LIMIT) this.cache.clear();
    this.cache.set(second, offset);
    return offset;
  }

  /**
   * Returns the first whole second in (`from`, `to`] whose offset differs from the offset at
   * `from`. The caller guarantees that the offsets at `from` and `to` differ. With more than
   * one change in the interval, the result is one of them, not necessarily the first.
   */
  transitionBetween(from: number, to: number): number {
    const cached = this.transitions.get(from);
    if (cached !== undefined && cached.to === to) return cached.at;

    const offsetBefore = this.offsetAt(from);
    let low = Math.floor(from / SECOND_MS);
    let high = Math.floor(to / SECOND_MS);
    while (high - low > 1) {
      const middle = low + Math.floor((high - low) / 2);
      if (this.offsetAt(middle * SECOND_MS) === offsetBefore) low = middle;
      else high = middle;
    }
    const at = high * SECOND_MS;
    if (this.transitions.size >= OFFSET_CACHE_LIMIT) this.transitions.clear();
    this.transitions.set(from, { to, at });
    return at;
  }

  private wallClockAt(second: number): number {
    const text = this.format.format(second);
    const match = /^(\d+)\/(\d+)\/(\d+) (AD|BC), (\d+):(\d+):(\d+)$/.exec(text);
    if (match) {
      const year = Number(match[3]);
      return wallClockMs(
        {
          year: match[4] === 'BC' ? 1 - year : year,
          month: Number(match[1]),
          day: Number(match[2]),
        },
        Number(match[5]),
        Number(match[6]),
        Number(match[7]),
      );
    }
    return this.wallClockFromParts(second);
  }

  // Slower path for runtimes whose en-US format differs from the pattern above.
  private wallClockFromParts(second: number): number {
    const fields: Record<string, string> = {};
    for (const part of this.format.formatToParts(second)) fields[part.type] = part.value;
    const year = Number(fields['year']);
    return wallClockMs(
      {
        year: fields['era'] === 'BC' ? 1 - year : year,
        month: Number(fields['month']),
        day: Number(fields['day']),
      },
      Number(fields['hour']),
      Number(fields['minute']),
      Number(fields['second']),
    );
  }
}

/**
 * Formats an instant as RFC 3339 with the offset of `timeZone` (UTC when undefined), for
 * example `2016-05-19T12:00:00+02:00`, or `Z` where the offset is zero. Like Go's
 * `time.RFC3339`, it drops fractions of a second and any seconds of the offset.
 */
export function formatInZone(ms: number, timeZone: string | undefined): string {
  const loaded = loadTimeZone(timeZone ?? 'UTC');
  if (!loaded.ok) throw new RangeError(`cannot format in time zone ${timeZone}: ${loaded.message}`);
  const offset = ZoneOffsets.of(loaded.zone).offsetAt(ms);
  const second = Math.floor(ms / SECOND_MS) * SECOND_MS;
  const wallClock = second + offset;

  const dayNumber = Math.floor(wallClock / DAY_MS);
  const date = civilFromDays(dayNumber);
  const timeOfDay = wallClock - dayNumber * DAY_MS;
  const text =
    `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}` +
    `T${pad(Math.floor(timeOfDay / HOUR_MS), 2)}:${pad(Math.floor((timeOfDay % HOUR_MS) / MINUTE_MS), 2)}` +
    `:${pad(Math.floor((timeOfDay % MINUTE_MS) / SECOND_MS), 2)}`;
  return text + formatOffset(offset);
}

function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  // Go truncates the offset to whole minutes toward zero before it picks the sign.
  const totalMinutes = Math.trunc(offsetMs / MINUTE_MS);
  const sign = totalMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(totalMinutes);
  return `${sign}${pad(Math.floor(absolute / 60), 2)}:${pad(absolute % 60, 2)}`;
}

function pad(value: number, width: number): string {
  return value < 0 ? `-${pad(-value, width)}` : String(value).padStart(width, '0');
}
