// Compares the engine with robfig/cron v3.0.1 itself, run through the reference program. The
// program is built when missing; when it cannot be built, these tests fail.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { compileSchedule, formatInZone } from '../../src/schedule/index.js';
import { compareWithOracle } from './oracle-compare.js';
import { runOracle } from './robfig-oracle.js';

// ORACLE_CASES raises the case count for a longer run by hand.
const CASES = Number(process.env['ORACLE_CASES'] ?? 5000);
const SEED = Number(process.env['ORACLE_SEED'] ?? 20_240_101);

void describe('robfig oracle comparison', () => {
  void test(`random cases agree with robfig`, { timeout: 600_000 }, async () => {
    const report = await compareWithOracle(SEED, CASES);
    const summary = JSON.stringify({
      ...report,
      defectExamples: undefined,
      unexplained: report.unexplained.length,
    });

    assert.equal(report.cases, CASES);
    assert.ok(report.errorCases > CASES / 20, `too few rejected specs: ${summary}`);
    assert.ok(report.steps > CASES * 3, `too few compared steps: ${summary}`);
    assert.deepEqual(report.unexplained.slice(0, 10), [], summary);
  });

  // Each robfig defect documented in src/schedule/next.ts, with robfig's result and the
  // engine's `kubernetes` result.
  const DEFECTS = [
    {
      name: 'result before input, Chatham',
      expr: '0 3 * * *',
      tz: 'Pacific/Chatham',
      from: '2024-04-06T14:00:00Z',
      robfig: '2024-04-06T13:15:00Z',
      engine: '2024-04-06T14:15:00Z',
    },
    {
      name: 'result on wrong weekday, Santiago',
      expr: '0 1 * * 6',
      tz: 'America/Santiago',
      from: '2024-09-08T01:00:00Z',
      robfig: '2024-09-08T04:00:00Z',
      engine: '2024-09-14T04:00:00Z',
    },
    {
      name: 'result in wrong hour, Lord Howe',
      expr: '45 1 * * *',
      tz: 'Australia/Lord_Howe',
      from: '2024-10-05T15:15:00Z',
      robfig: '2024-10-05T15:45:00Z',
      engine: '2024-10-06T14:45:00Z',
    },
    {
      name: 'whole day skipped, Lord Howe',
      expr: '0 0 * * *',
      tz: 'Australia/Lord_Howe',
      from: '2024-04-06T13:00:00Z',
      robfig: '2024-04-08T13:30:00Z',
      engine: '2024-04-07T13:30:00Z',
    },
    {
      name: 'whole month skipped, Lord Howe',
      expr: '@monthly',
      tz: 'Australia/Lord_Howe',
      from: '2023-09-30T13:30:00Z',
      robfig: '2023-11-30T13:00:00Z',
      engine: '2023-10-31T13:00:00Z',
    },
    {
      name: 'repeated hour skipped, Chatham',
      expr: '* 2 * * *',
      tz: 'Pacific/Chatham',
      from: '2024-04-06T13:15:00Z',
      robfig: '2024-04-07T13:15:00Z',
      engine: '2024-04-06T14:00:00Z',
    },
  ];

  void test('documented robfig defects', { timeout: 600_000 }, async () => {
    const responses = await runOracle(
      DEFECTS.map(({ expr, tz, from }) => ({ expr, tz, from, n: 1 })),
      { batch: 'documented robfig defects' },
    );
    DEFECTS.forEach((defect, index) => {
      const robfigText = responses[index]?.next?.[0];
      assert.equal(
        robfigText === undefined ? undefined : formatInZone(Date.parse(robfigText), 'UTC'),
        defect.robfig,
        defect.name,
      );

      const schedule = compileSchedule(defect.expr, {
        timeZone: defect.tz,
        dstPolicy: 'kubernetes',
      });
      const engine = schedule.next(Date.parse(defect.from));
      assert.equal(
        engine === null ? null : formatInZone(engine, 'UTC'),
        defect.engine,
        defect.name,
      );
    });
  });
});
