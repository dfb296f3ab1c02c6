import type { Clock } from '../util/clock.js';
import { ScaledClock, SystemClock } from '../util/clock.js';
import { CliError } from './errors.js';

/**
 * Returns the clock of `serve` and `worker`: the system clock, or, for end-to-end tests, a
 * ScaledClock described by CRONMESH_TEST_CLOCK as `REAL_ORIGIN_MS,START_MS,RATE`. Every process
 * of a test gets the same value, so they agree on the accelerated time.
 */
export function clockFromEnvironment(environment = process.env): Clock {
  const setting = environment.CRONMESH_TEST_CLOCK;
  if (setting === undefined || setting === '') return new SystemClock();
  const parts = setting.split(',').map(Number);
  const [realOrigin, start, rate] = parts;
  if (
    parts.length !== 3 ||
    realOrigin === undefined ||
    start === undefined ||
    rate === undefined ||
    !parts.every(Number.isFinite) ||
    rate <= 0
  ) {
    throw new CliError(
      `invalid CRONMESH_TEST_CLOCK value ${JSON.stringify(setting)}: expected REAL_ORIGIN_MS,START_MS,RATE with a positive rate`,
    );
  }
  return new ScaledClock(realOrigin, start, rate);
}
