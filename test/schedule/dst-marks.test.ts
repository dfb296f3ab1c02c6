import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  compileSchedule,
  formatInZone,
  markFireTimes,
  nextWithMarks,
  previousWithMarks,
} from '../../src/schedule/index.js';
import type { DstMarkKind, DstPolicy, MarkedTime } from '../../src/schedule/index.js';

/** A fire time in the schedule's zone, with `kind: note` for each mark. */
type Line = readonly [string, ...string[]];

function lines(marked: readonly MarkedTime[], timeZone: string): Line[] {
  return marked.map(({ time, marks }) => [
    formatInZone(time, timeZone),
    ...marks.map(({ kind, note }) => `${kind}: ${note}`),
  ]);
}

function next(
  spec: string,
  timeZone: string,
  from: string,
  count: number,
  dstPolicy: DstPolicy,
): Line[] {
  const schedule = compileSchedule(spec, { timeZone, dstPolicy });
  return lines(nextWithMarks(schedule, Date.parse(from), count), timeZone);
}

const MOVED = 'moved to the first instant after the DST change';

void describe('DST marks, skipped local times', () => {
  void test('cron policy moves 02:00', () => {
    assert.deepEqual(next('0 2 * * *', 'US/Pacific', '2025-03-08T00:00:00Z', 3, 'cron'), [
      ['2025-03-08T02:00:00-08:00'],
      ['2025-03-09T03:00:00-07:00', `shifted: 02:00 does not exist on this day: ${MOVED}`],
      ['2025-03-10T02:00:00-07:00'],
    ]);
  });

  void test('kubernetes policy skips 02:00', () => {
    assert.deepEqual(next('0 2 * * *', 'US/Pacific', '2025-03-08T00:00:00Z', 2, 'kubernetes'), [
      ['2025-03-08T02:00:00-08:00'],
      [
        '2025-03-10T02:00:00-07:00',
        'skipped: 02:00 on 2025-03-09 did not exist (DST change), so it was skipped',
      ],
    ]);
  });

  void test('two skipped times run once', () => {
    assert.deepEqual(next('0,30 2 * * *', 'America/New_York', '2021-03-13T12:00:00Z', 2, 'cron'), [
      [
        '2021-03-14T03:00:00-04:00',
        'shifted: 02:00 and 02:30 do not exist on this day: run once at the first instant after the DST change',
      ],
      ['2021-03-15T02:00:00-04:00'],
    ]);
  });

  void test('skipped time merges into 03:00', () => {
    assert.deepEqual(next('0 2,3 * * *', 'America/New_York', '2021-03-13T12:00:00Z', 2, 'cron'), [
      [
        '2021-03-14T03:00:00-04:00',
        'shifted: 02:00 does not exist on this day: merged into this 03:00 run',
      ],
      ['2021-03-15T02:00:00-04:00'],
    ]);
  });

  for (const policy of ['cron', 'kubernetes'] as const) {
    void test(`wildcard schedule under ${policy}`, () => {
      assert.deepEqual(
        next('*/30 * * * *', 'America/New_York', '2021-03-14T06:00:00Z', 2, policy),
        [
          ['2021-03-14T01:30:00-05:00'],
          [
            '2021-03-14T03:00:00-04:00',
            'skipped: 02:00 and 02:30 on 2021-03-14 did not exist (DST change), so they were skipped',
          ],
        ],
      );
    });
  }

  void test('long lists are summarized', () => {
    assert.deepEqual(
      next('* 2 * * *', 'America/New_York', '2021-03-14T06:00:00Z', 1, 'kubernetes'),
      [
        [
          '2021-03-15T02:00:00-04:00',
          'skipped: 60 times from 02:00 to 02:59 on 2021-03-14 did not exist (DST change), so they were skipped',
        ],
      ],
    );
  });

  void test('skip weeks before the fire time', () => {
    assert.deepEqual(
      next('30 2 * 3 0', 'America/New_York', '2021-03-01T00:00:00Z', 3, 'kubernetes'),
      [
        ['2021-03-07T02:30:00-05:00'],
        [
          '2021-03-21T02:30:00-04:00',
          'skipped: 02:30 on 2021-03-14 did not exist (DST change), so it was skipped',
        ],
        ['2021-03-28T02:30:00-04:00'],
      ],
    );
  });

  void test('Santiago midnight', () => {
    assert.deepEqual(next('0 0 * * *', 'America/Santiago', '2024-09-07T12:00:00Z', 2, 'cron'), [
      ['2024-09-08T01:00:00-03:00', `shifted: 00:00 does not exist on this day: ${MOVED}`],
      ['2024-09-09T00:00:00-03:00'],
    ]);
    assert.deepEqual(
      next('0 0 * * *', 'America/Santiago', '2024-09-07T12:00:00Z', 1, 'kubernetes'),
      [
        [
          '2024-09-09T00:00:00-03:00',
          'skipped: 00:00 on 2024-09-08 did not exist (DST change), so it was skipped',
        ],
      ],
    );
  });

  void test('Lord Howe half hour', () => {
    // 2024-10-06 02:00 +10:30 becomes 02:30 +11:00.
    assert.deepEqual(next('15 2 * * *', 'Australia/Lord_Howe', '2024-10-05T00:00:00Z', 1, 'cron'), [
      ['2024-10-06T02:30:00+11:00', `shifted: 02:15 does not exist on this day: ${MOVED}`],
    ]);
  });

  void test('skipped day names its date', () => {
    // Samoa moved across the date line: 2011-12-29 24:00 -10:00 became 2011-12-31 00:00 +14:00.
    assert.deepEqual(next('0 12 * * *', 'Pacific/Apia', '2011-12-29T23:00:00Z', 1, 'cron'), [
      ['2011-12-31T00:00:00+14:00', `shifted: 12:00 does not exist on 2011-12-30: ${MOVED}`],
    ]);
  });
});

void describe('DST marks, repeated local times', () => {
  void test('kubernetes policy runs both', () => {
    assert.deepEqual(
      next('30 1 * * *', 'America/New_York', '2021-11-06T12:00:00Z', 3, 'kubernetes'),
      [
        [
          '2021-11-07T01:30:00-04:00',
          'repeated: 01:30 occurs twice on this day: this is the first of its two runs',
        ],
        [
          '2021-11-07T01:30:00-05:00',
          'repeated: 01:30 occurs twice on this day: this is the second of its two runs',
        ],
        ['2021-11-08T01:30:00-05:00'],
      ],
    );
  });

  void test('cron policy runs the first', () => {
    assert.deepEqual(next('30 1 * * *', 'America/New_York', '2021-11-06T12:00:00Z', 2, 'cron'), [
      [
        '2021-11-07T01:30:00-04:00',
        'merged: 01:30 occurs twice on this day: runs only at the first occurrence',
      ],
      ['2021-11-08T01:30:00-05:00'],
    ]);
  });

  void test('wildcard schedule repeats under cron', () => {
    assert.deepEqual(next('*/30 * * * *', 'America/New_York', '2021-11-07T05:00:00Z', 4, 'cron'), [
      [
        '2021-11-07T01:30:00-04:00',
        'repeated: 01:30 occurs twice on this day: this is the first of its two runs',
      ],
      [
        '2021-11-07T01:00:00-05:00',
        'repeated: 01:00 occurs twice on this day: this is the second of its two runs',
      ],
      [
        '2021-11-07T01:30:00-05:00',
        'repeated: 01:30 occurs twice on this day: this is the second of its two runs',
      ],
      ['2021-11-07T02:00:00-05:00'],
    ]);
  });

  void test('Santiago 23:30 before midnight', () => {
    // 2024-04-07 00:00 -03:00 becomes 2024-04-06 23:00 -04:00.
    assert.deepEqual(
      next('30 23 * * *', 'America/Santiago', '2024-04-06T12:00:00Z', 2, 'kubernetes'),
      [
        [
          '2024-04-06T23:30:00-03:00',
          'repeated: 23:30 occurs twice on this day: this is the first of its two runs',
        ],
        [
          '2024-04-06T23:30:00-04:00',
          'repeated: 23:30 occurs twice on this day: this is the second of its two runs',
        ],
      ],
    );
  });
});

void describe('DST marks, other cases', () => {
  void test('UTC and @every have none', () => {
    const marked = [
      ...nextWithMarks(compileSchedule('0 2 * * *', { timeZone: 'UTC' }), 0, 3),
      ...nextWithMarks(
        compileSchedule('@every 30m', { timeZone: 'America/New_York' }),
        Date.parse('2021-11-07T04:50:00Z'),
        4,
      ),
    ];
    assert.equal(marked.length, 7);
    assert.deepEqual(
      marked.map((time) => time.marks),
      [[], [], [], [], [], [], []],
    );
  });

  void test('previous times newest first', () => {
    const schedule = compileSchedule('0 2 * * *', {
      timeZone: 'US/Pacific',
      dstPolicy: 'kubernetes',
    });
    assert.deepEqual(
      lines(previousWithMarks(schedule, Date.parse('2025-03-11T00:00:00Z'), 3), 'US/Pacific'),
      [
        [
          '2025-03-10T02:00:00-07:00',
          'skipped: 02:00 on 2025-03-09 did not exist (DST change), so it was skipped',
        ],
        ['2025-03-08T02:00:00-08:00'],
        ['2025-03-07T02:00:00-08:00'],
      ],
    );
  });

  void test('oldest previous time looks back', () => {
    const schedule = compileSchedule('0 2 * * *', {
      timeZone: 'US/Pacific',
      dstPolicy: 'kubernetes',
    });
    assert.deepEqual(
      lines(previousWithMarks(schedule, Date.parse('2025-03-11T00:00:00Z'), 1), 'US/Pacific'),
      [
        [
          '2025-03-10T02:00:00-07:00',
          'skipped: 02:00 on 2025-03-09 did not exist (DST change), so it was skipped',
        ],
      ],
    );
  });

  void test('marks follow the since bound', () => {
    const schedule = compileSchedule('0 2 * * *', {
      timeZone: 'US/Pacific',
      dstPolicy: 'kubernetes',
    });
    const time = Date.parse('2025-03-10T09:00:00Z');
    const kinds = (since: string): DstMarkKind[] =>
      markFireTimes(schedule, [time], Date.parse(since)).flatMap(({ marks }) =>
        marks.map((mark) => mark.kind),
      );
    assert.deepEqual(kinds('2025-03-08T10:00:00Z'), ['skipped']);
    assert.deepEqual(kinds('2025-03-09T12:00:00Z'), []);
  });
});
