import { MINUTE_MS } from '../calendar.js';

/**
 * Returns the last fire time strictly before `before` of a schedule that only offers `next`, or
 * null when none falls at or after `earliest`. The window looked at doubles from one minute until
 * it contains a fire time, then the fire times in it are walked forward with `next`. Every result is
 * therefore one that `next` also returns, DST policy included.
 */
export function previousByForwardSearch(
  next: (from: number) => number | null,
  before: number,
  earliest: number,
): number | null {
  for (let window = MINUTE_MS; ; window *= 2) {
    const windowStart = Math.max(before - window, earliest - 1);
    let candidate = next(windowStart);
    if (candidate !== null && candidate < before) {
      for (let following = next(candidate); following !== null && following < before;) {
        candidate = following;
        following = next(candidate);
      }
      return candidate;
    }
    if (windowStart <= earliest - 1) return null;
  }
}
