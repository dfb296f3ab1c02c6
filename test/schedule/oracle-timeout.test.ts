// Checks that the robfig oracle harness ends a batch that never finishes, so that a comparison
// fails with a message instead of hanging.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { OracleTimeoutError, runOracle } from './robfig-oracle.js';

// Samoa skipped 2011-12-30 when it moved across the date line. robfig v3.0.1 keeps looking for
// noon on that day and does not return: it was still running after 5 s when tried by hand.
const skippedDay = {
  expr: '0 12 30 12 *',
  tz: 'Pacific/Apia',
  from: '2011-12-28T00:00:00Z',
  n: 1,
};

void describe('robfig oracle timeout', () => {
  void test('hanging batch is killed and named', { timeout: 60_000 }, async () => {
    const error: unknown = await runOracle([skippedDay], {
      batch: 'Apia skipped day',
      timeoutMs: 2000,
    }).then(
      () => undefined,
      (rejection: unknown) => rejection,
    );

    assert.equal(error instanceof OracleTimeoutError, true);
    const timeout = error as OracleTimeoutError;
    assert.equal(timeout.code, 'OracleTimeout');
    assert.equal(
      timeout.message,
      `robfig oracle timed out after 2000 ms on batch "Apia skipped day" (requests 0 to 0 of 1); killed its process ${timeout.pid}`,
    );
    assert.throws(() => process.kill(timeout.pid, 0), { code: 'ESRCH' });
  });

  void test('finishing batch returns responses', { timeout: 60_000 }, async () => {
    const request = { expr: '0 12 * * *', tz: 'UTC', from: '2024-01-01T00:00:00Z', n: 2 };
    const responses = await runOracle([request], { batch: 'noon', timeoutMs: 30_000 });
    assert.deepEqual(responses[0]?.next, ['2024-01-01T12:00:00Z', '2024-01-02T12:00:00Z']);
  });
});
