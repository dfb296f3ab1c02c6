// Impossible and pathological schedules: each must return fire times or a parse error within a
// bounded time, never hang and never throw anything else. The inputs run in a worker thread that
// the test terminates after WORKER_TIMEOUT_MS, because a synchronous hang would otherwise block
// the test runner itself.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';

import fc from 'fast-check';

import type { HostileBatch, HostileOutcome } from './hostile-input-worker.js';

// A generous bound, far above the time a batch takes, so that only a hang fails the test.
const WORKER_TIMEOUT_MS = 60_000;
const TEN_KB = 10_240;
const INSTANT = Date.parse('2024-03-10T12:00:00Z');

async function run(expressions: string[], count = 2): Promise<HostileOutcome[]> {
  const batch: HostileBatch = {
    expressions,
    timeZone: 'America/New_York',
    instant: INSTANT,
    count,
  };
  const worker = new Worker(new URL('./hostile-input-worker.js', import.meta.url), {
    workerData: batch,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<HostileOutcome[]>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`schedule engine did not finish within ${WORKER_TIMEOUT_MS} ms`)),
        WORKER_TIMEOUT_MS,
      );
      worker.once('message', (outcomes: HostileOutcome[]) => resolve(outcomes));
      worker.once('error', reject);
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

function repeatTo(unit: string, separator: string, length: number): string {
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    parts.push(unit);
    size += unit.length + separator.length;
  }
  return parts.join(separator);
}

const NEVER = '(never fires: no listed month has such a day)';

void describe('impossible schedules', () => {
  void test('never fire, in both directions', async () => {
    const outcomes = await run([
      '0 0 30 2 *',
      '0 0 31 4,6,9,11 *',
      'cron(0 0 31 4 ? *)',
      'cron(0 0 30 2 ? *)',
      '0 0 , * ,',
    ]);
    assert.deepEqual(outcomes, [
      {
        kind: 'values',
        next: [],
        previous: [],
        description: `At 00:00, on day 30 of the month, only in February, in time zone America/New_York ${NEVER}`,
      },
      {
        kind: 'values',
        next: [],
        previous: [],
        description: `At 00:00, on day 31 of the month, only in April, June, September, and November, in time zone America/New_York ${NEVER}`,
      },
      {
        kind: 'values',
        next: [],
        previous: [],
        description: `At 00:00, on day 31 of the month, only in April, in time zone America/New_York ${NEVER}`,
      },
      {
        kind: 'values',
        next: [],
        previous: [],
        description: `At 00:00, on day 30 of the month, only in February, in time zone America/New_York ${NEVER}`,
      },
      {
        kind: 'values',
        next: [],
        previous: [],
        description:
          'Never fires, because neither the day-of-month nor the day-of-week field matches a value',
      },
    ]);
  });
});

void describe('pathological schedules', () => {
  void test('enormous lists', async () => {
    const minutes = repeatTo('0,1,2,3,4,5,6,7,8,9', ',', TEN_KB);
    const days = repeatTo('1-31', ',', TEN_KB);
    const stars = repeatTo('*', ',', TEN_KB);
    const commas = ','.repeat(TEN_KB);
    const outcomes = await run([
      `${minutes} 12 * * *`,
      `0 0 ${days} * *`,
      `${stars} * * * *`,
      `0 0 ${commas} * 1`,
    ]);
    assert.deepEqual(outcomes, [
      {
        kind: 'values',
        next: ['2024-03-10T12:00:00-04:00', '2024-03-10T12:01:00-04:00'],
        previous: ['2024-03-09T12:09:00-05:00', '2024-03-09T12:08:00-05:00'],
        description: 'Every minute between 12:00 and 12:09, in time zone America/New_York',
      },
      {
        kind: 'values',
        next: ['2024-03-11T00:00:00-04:00', '2024-03-12T00:00:00-04:00'],
        previous: ['2024-03-10T00:00:00-05:00', '2024-03-09T00:00:00-05:00'],
        description: 'At 00:00, in time zone America/New_York',
      },
      {
        kind: 'values',
        next: ['2024-03-10T08:01:00-04:00', '2024-03-10T08:02:00-04:00'],
        previous: ['2024-03-10T07:59:00-04:00', '2024-03-10T07:58:00-04:00'],
        description: 'Every minute, in time zone America/New_York',
      },
      {
        kind: 'values',
        next: ['2024-03-11T00:00:00-04:00', '2024-03-18T00:00:00-04:00'],
        previous: ['2024-03-04T00:00:00-05:00', '2024-02-26T00:00:00-05:00'],
        description: 'At 00:00, only on Monday, in time zone America/New_York',
      },
    ]);
  });

  void test('deep step and range chains', async () => {
    const steps = `*${repeatTo('/1', '', TEN_KB)}`;
    const hyphens = repeatTo('1', '-', TEN_KB);
    const outcomes = await run([
      `${steps} * * * *`,
      `0 ${hyphens} * * *`,
      `cron(0/${steps} * * * ? *)`,
    ]);
    assert.deepEqual(outcomes[0], {
      kind: 'rejected',
      name: 'ScheduleParseError',
      message: `too many slashes: ${steps}`,
    });
    assert.deepEqual(outcomes[1], {
      kind: 'rejected',
      name: 'ScheduleParseError',
      message: `too many hyphens: ${hyphens}`,
    });
    assert.equal(outcomes[2]?.kind, 'rejected');
    assert.equal(
      outcomes[2]?.kind === 'rejected' && outcomes[2].name,
      'EventBridgeExpressionError',
    );
  });

  void test('unicode input', async () => {
    const outcomes = await run([
      '０ ０ * * *',
      '0 0 * * МОН',
      '🕐 * * * *',
      '0\u00a00\u2003*\u3000*\u0085*',
      '0\u200b 0 * * *',
      '0 0 * * mon\u0301',
      '\ud800 * * * *',
      '0 0 * * \u0000',
      'TZ=Europe/Zürich 0 0 * * *',
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.kind === 'rejected' ? outcome.message : outcome.kind)),
      [
        'failed to parse int from ０: strconv.Atoi: parsing "０": invalid syntax',
        'failed to parse int from МОН: strconv.Atoi: parsing "МОН": invalid syntax',
        'failed to parse int from 🕐: strconv.Atoi: parsing "🕐": invalid syntax',
        'values',
        // Go's strconv.Quote escapes format characters and replaces a lone surrogate.
        'failed to parse int from 0\u200b: strconv.Atoi: parsing "0\\u200b": invalid syntax',
        'failed to parse int from mon\u0301: strconv.Atoi: parsing "mon\u0301": invalid syntax',
        'failed to parse int from \ud800: strconv.Atoi: parsing "\ufffd": invalid syntax',
        'failed to parse int from \u0000: strconv.Atoi: parsing "\\x00": invalid syntax',
        'provided bad location Europe/Zürich: unknown time zone Europe/Zürich',
      ],
    );
  });

  void test('ten kilobyte strings', async () => {
    const outcomes = await run([
      'a'.repeat(TEN_KB),
      ' '.repeat(TEN_KB),
      `@every ${'9'.repeat(TEN_KB)}s`,
      `@${'x'.repeat(TEN_KB)}`,
      `TZ=${'A'.repeat(TEN_KB)} 0 0 * * *`,
      `0 0 * * ${'1'.repeat(TEN_KB)}`,
      `cron(${'0 '.repeat(TEN_KB / 2)})`,
      `rate(${'9'.repeat(TEN_KB)} minutes)`,
    ]);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.kind),
      [
        'rejected',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
        'rejected',
      ],
    );
    assert.deepEqual(outcomes[0], {
      kind: 'rejected',
      name: 'ScheduleParseError',
      message: `expected exactly 5 fields, found 1: [${'a'.repeat(TEN_KB)}]`,
    });
    assert.deepEqual(outcomes[1], {
      kind: 'rejected',
      name: 'ScheduleParseError',
      message: 'expected exactly 5 fields, found 0: []',
    });
  });

  void test('generated strings never crash', async () => {
    const alphabet = fc.constantFrom(
      ...'0123456789*/-,? LW#@()abcdefmnorstuyTZ=_\t\u00a0'.split(''),
    );
    const inputs = [
      ...fc.sample(fc.string({ unit: alphabet, maxLength: 40 }), {
        numRuns: 3000,
        seed: 20_241_204,
      }),
      ...fc.sample(fc.string({ unit: 'grapheme', maxLength: 40 }), {
        numRuns: 1000,
        seed: 20_241_205,
      }),
      ...fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), {
        numRuns: 1000,
        seed: 20_241_206,
      }),
    ];
    const outcomes = await run(inputs, 1);
    const crashes = outcomes
      .map((outcome, index) => ({ input: inputs[index], outcome }))
      .filter(({ outcome }) => outcome.kind === 'crash');
    assert.deepEqual(crashes, []);
    assert.equal(outcomes.length, 5000);
  });
});
