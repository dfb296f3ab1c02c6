import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileEventBridge, previousTimes } from '../../src/schedule/index.js';

const at = (text: string): number => Date.parse(text);
const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('EventBridge previous fire times', () => {
  const cases: Array<[string, string, string[]]> = [
    [
      'cron(0 12 ? * MON-FRI *)',
      '2026-12-07T12:00:00Z',
      ['2026-12-04T12:00:00Z', '2026-12-03T12:00:00Z', '2026-12-02T12:00:00Z'],
    ],
    ['cron(0 0 L * ? *)', '2024-03-15T00:00:00Z', ['2024-02-29T00:00:00Z', '2024-01-31T00:00:00Z']],
    [
      'cron(0 9 ? * 2#1 *)',
      '2024-06-01T00:00:00Z',
      ['2024-05-06T09:00:00Z', '2024-04-01T09:00:00Z'],
    ],
    [
      'cron(0 0 LW * ? *)',
      '2024-07-01T00:00:00Z',
      ['2024-06-28T00:00:00Z', '2024-05-31T00:00:00Z'],
    ],
    [
      'cron(0/15 * * * ? *)',
      '2024-01-01T00:20:00Z',
      ['2024-01-01T00:15:00Z', '2024-01-01T00:00:00Z'],
    ],
    ['cron(0 0 1 1 ? 1970)', '1971-01-01T00:00:00Z', ['1970-01-01T00:00:00Z']],
  ];
  for (const [expression, before, expected] of cases) {
    it(`${expression} before ${before}`, () => {
      const schedule = compileEventBridge(expression);
      assert.deepEqual(previousTimes(schedule, at(before), expected.length).map(iso), expected);
    });
  }

  it('returns null before the first year', () => {
    const schedule = compileEventBridge('cron(0 0 1 1 ? 1970)');
    assert.equal(schedule.prev?.(at('1970-01-01T00:00:00Z')), null);
  });

  it('returns null for an impossible date', () => {
    const schedule = compileEventBridge('cron(0 0 31 4 ? *)');
    assert.equal(schedule.prev?.(at('2030-01-01T00:00:00Z')), null);
  });

  it('skips the nonexistent hour under the kubernetes policy', () => {
    const schedule = compileEventBridge('cron(30 2 * * ? *)', {
      timeZone: 'America/New_York',
      dstPolicy: 'kubernetes',
    });
    assert.deepEqual(previousTimes(schedule, at('2024-03-11T12:00:00Z'), 2).map(iso), [
      '2024-03-11T06:30:00Z',
      '2024-03-09T07:30:00Z',
    ]);
  });

  it('undoes next for random instants', () => {
    const expressions = [
      'cron(0 12 ? * MON-FRI *)',
      'cron(15 10 L * ? *)',
      'cron(0 0 15W * ? *)',
      'cron(0/10 8-17 ? * 6L *)',
      'cron(30 1 * * ? *)',
    ];
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const expression of expressions) {
      const schedule = compileEventBridge(expression, { timeZone: 'America/New_York' });
      for (let index = 0; index < 40; index++) {
        const before = at('2000-01-01T00:00:00Z') + Math.floor(random() * 40 * 365 * 86_400_000);
        const previous = schedule.prev?.(before) ?? null;
        assert.notEqual(previous, null, `${expression} before ${iso(before)}`);
        assert.equal((previous as number) < before, true, `${expression} before ${iso(before)}`);
        assert.equal(
          (schedule.next(previous as number) as number) >= before,
          true,
          `${expression}: nothing between ${iso(previous as number)} and ${iso(before)}`,
        );
      }
    }
  });
});

describe('rate previous fire times', () => {
  const anchor = at('2024-01-01T00:00:00Z');
  const schedule = compileEventBridge('rate(5 minutes)', { anchor });

  it('counts periods from the anchor', () => {
    assert.equal(
      iso(schedule.prev?.(at('2024-01-01T00:12:00Z')) as number),
      '2024-01-01T00:10:00Z',
    );
    assert.equal(
      iso(schedule.prev?.(at('2024-01-01T00:10:00Z')) as number),
      '2024-01-01T00:05:00Z',
    );
  });

  it('is null at or before the anchor', () => {
    assert.equal(schedule.prev?.(anchor), null);
    assert.equal(iso(schedule.prev?.(anchor + 1) as number), '2024-01-01T00:00:00Z');
  });

  it('mirrors next without an anchor', () => {
    const unanchored = compileEventBridge('rate(5 minutes)');
    assert.equal(
      iso(unanchored.prev?.(at('2024-01-01T00:12:30.500Z')) as number),
      '2024-01-01T00:07:30Z',
    );
  });
});
