/**
 * Formats a duration the way kubectl prints ages (`duration.HumanDuration` in
 * k8s.io/apimachinery). It shows seconds below 2 minutes, minutes and seconds below 10 minutes,
 * minutes below 3 hours, hours and minutes below 8 hours and hours below 2 days. Longer spans
 * show days and hours below 8 days, days below 2 years, then years and days. A duration more
 * than a second in the future is `<invalid>`.
 */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.trunc(milliseconds / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;

  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return joinUnits(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;

  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return joinUnits(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;

  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return joinUnits(days, 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${days}d`;

  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return joinUnits(years, 'y', days % 365, 'd');
  return `${years}y`;
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major}${majorUnit}` : `${major}${majorUnit}${minor}${minorUnit}`;
}

/**
 * Returns the age of an RFC 3339 timestamp at `now` (milliseconds), or `fallback` when the
 * timestamp is missing and `<unknown>` when it cannot be parsed.
 */
export function ageSince(
  timestamp: string | undefined,
  now: number,
  fallback = '<unknown>',
): string {
  if (timestamp === undefined || timestamp === '') return fallback;
  const then = Date.parse(timestamp);
  if (Number.isNaN(then)) return '<unknown>';
  return humanDuration(now - then);
}
