import { parseGoDuration } from '../schedule/go-duration.js';
import { CliError } from './errors.js';

/**
 * Parses a duration flag written as Go and kubectl write durations (`15s`, `500ms`, `1m30s`)
 * into milliseconds. Throws CliError naming the flag unless the value is positive.
 */
export function parseDurationFlag(flag: string, value: string): number {
  const parsed = parseGoDuration(value);
  const milliseconds = parsed.ok ? Number(parsed.nanoseconds / 1_000_000n) : 0;
  if (!parsed.ok || milliseconds <= 0) {
    throw new CliError(
      `invalid ${flag} value ${JSON.stringify(value)}: expected a positive duration such as 15s, 500ms or 1m30s`,
    );
  }
  return milliseconds;
}
