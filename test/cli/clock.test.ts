import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clockFromEnvironment } from '../../src/cli/clock.js';
import { ScaledClock, SystemClock } from '../../src/util/clock.js';

describe('clockFromEnvironment', () => {
  it('system clock without the variable', () => {
    assert.ok(clockFromEnvironment({}) instanceof SystemClock);
  });

  it('scaled clock from the variable', () => {
    const origin = Date.now();
    const start = Date.parse('2030-01-01T00:00:00Z');
    const clock = clockFromEnvironment({ CRONMESH_TEST_CLOCK: `${origin},${start},60` });
    assert.ok(clock instanceof ScaledClock);
    const elapsedReal = Date.now() - origin;
    // At 60x, a real second is a scheduled minute; the reading lies within the real time passed.
    const reading = clock.now() - start;
    assert.ok(
      reading >= elapsedReal * 60 && reading <= (Date.now() - origin) * 60,
      String(reading),
    );
  });

  it('scaled timers fire after the scaled delay', async () => {
    const clock = new ScaledClock(Date.now(), 0, 100);
    const began = Date.now();
    // cronmesh's timers do not keep the process alive, so the test keeps it running meanwhile.
    const keepAlive = setTimeout(() => undefined, 5_000);
    await new Promise<void>((resolve) => clock.setTimer(2_000, resolve));
    clearTimeout(keepAlive);
    const realMs = Date.now() - began;
    // 2 s of scaled time is 20 ms of real time; timers never fire early.
    assert.ok(realMs >= 19, String(realMs));
  });

  it('rejects a malformed value', () => {
    assert.throws(() => clockFromEnvironment({ CRONMESH_TEST_CLOCK: '1,2' }), {
      message:
        'invalid CRONMESH_TEST_CLOCK value "1,2": expected REAL_ORIGIN_MS,START_MS,RATE with a positive rate',
    });
    assert.throws(() => clockFromEnvironment({ CRONMESH_TEST_CLOCK: '1,2,0' }), {
      message:
        'invalid CRONMESH_TEST_CLOCK value "1,2,0": expected REAL_ORIGIN_MS,START_MS,RATE with a positive rate',
    });
  });
});
