import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_MAX_RESTART_BACKOFF_MS,
  DEFAULT_RESTART_BACKOFF_MS,
  RestartBackoff,
} from '../../src/runtime/index.js';

/**
 * Feeds failures to a RestartBackoff and returns the delay before each restart. Each
 * container runs `runMs[i]` before failure i, and restarts exactly when the delay ends.
 */
function delaysFor(runMs: number[]): number[] {
  const backoff = new RestartBackoff(DEFAULT_RESTART_BACKOFF_MS, DEFAULT_MAX_RESTART_BACKOFF_MS);
  const delays: number[] = [];
  let now = 0;
  for (const duration of runMs) {
    now += duration;
    const failedAt = now;
    const delay = backoff.delayAfterFailure(failedAt);
    delays.push(delay);
    now += delay;
    backoff.recordRestart(failedAt, now);
  }
  return delays;
}

void test('backoff doubles from 10 s to 300 s', () => {
  assert.deepEqual(
    delaysFor([1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000, 1_000]),
    [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000],
  );
});

void test('backoff resets after 10 min run', () => {
  assert.deepEqual(
    delaysFor([1_000, 1_000, 1_000, 600_001, 1_000, 1_000]),
    [0, 10_000, 20_000, 0, 10_000, 20_000],
  );
});

void test('backoff keeps growing at exactly 10 min', () => {
  assert.deepEqual(delaysFor([1_000, 1_000, 600_000]), [0, 10_000, 20_000]);
});

void test('backoff scales with custom initial delay', () => {
  const backoff = new RestartBackoff(5, 12);
  const delays: number[] = [];
  let now = 0;
  for (let failure = 0; failure < 5; failure += 1) {
    const delay = backoff.delayAfterFailure(now);
    delays.push(delay);
    now += delay;
    backoff.recordRestart(now - delay, now);
  }
  assert.deepEqual(delays, [0, 5, 10, 12, 12]);
});
