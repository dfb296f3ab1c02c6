import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { runNext } from '../../src/cli/next.js';
import { runCli } from './harness.js';

const NOW = Date.parse('2025-03-08T00:00:00Z');
const MOVED = 'moved to the first instant after the DST change';

void describe('cronmesh next previews', () => {
  void test('description for the OR rule', () => {
    const result = runNext(
      { expression: '0 0 1 * 1', timeZone: 'UTC', from: '2024-01-01T00:00:00Z', count: 3 },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 00:00, on day 1 of the month or on Monday, in time zone UTC\n' +
        '2024-01-08T00:00:00Z\n2024-01-15T00:00:00Z\n2024-01-22T00:00:00Z\n',
    );
    assert.equal(result.exitCode, 0);
  });

  void test('marks repeated local times', () => {
    const result = runNext(
      {
        expression: '30 1 * * *',
        timeZone: 'America/New_York',
        from: '2021-11-06T12:00:00Z',
        count: 2,
      },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 01:30, in time zone America/New_York\n' +
        '2021-11-07T01:30:00-04:00  (01:30 occurs twice on this day: runs only at the first occurrence)\n' +
        '2021-11-08T01:30:00-05:00\n',
    );
  });

  void test('before lists newest first', () => {
    const result = runNext(
      {
        expression: '0 2 * * *',
        timeZone: 'US/Pacific',
        before: '2025-03-10T12:00:00Z',
        count: 3,
      },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 02:00, in time zone US/Pacific\n' +
        '2025-03-10T02:00:00-07:00\n' +
        `2025-03-09T03:00:00-07:00  (02:00 does not exist on this day: ${MOVED})\n` +
        '2025-03-08T02:00:00-08:00\n',
    );
    assert.equal(result.stderr, '');
    assert.equal(result.exitCode, 0);
  });

  void test('before in json', () => {
    const result = runNext(
      {
        expression: '0 2 * * *',
        timeZone: 'US/Pacific',
        before: '2025-03-10T12:00:00Z',
        count: 2,
        dstPolicy: 'kubernetes',
        output: 'json',
      },
      NOW,
    );
    assert.deepEqual(JSON.parse(result.stdout), {
      expression: '0 2 * * *',
      dialect: 'kubernetes',
      timeZone: 'US/Pacific',
      dstPolicy: 'kubernetes',
      description: 'At 02:00, in time zone US/Pacific',
      previous: ['2025-03-10T02:00:00-07:00', '2025-03-08T02:00:00-08:00'],
      marks: [
        {
          time: '2025-03-10T02:00:00-07:00',
          kind: 'skipped',
          note: '02:00 on 2025-03-09 did not exist (DST change), so it was skipped',
        },
      ],
    });
  });

  void test('before never firing', () => {
    const result = runNext(
      { expression: '0 0 30 2 *', timeZone: 'UTC', before: '2025-01-01T00:00:00Z' },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 00:00, on day 30 of the month, only in February, in time zone UTC (never fires: no listed month has such a day)\n',
    );
    assert.equal(
      result.stderr,
      'schedule "0 0 30 2 *" does not fire within 5 years before 2025-01-01T00:00:00Z\n',
    );
    assert.equal(result.exitCode, 0);
  });

  void test('before with @every', () => {
    const result = runNext(
      { expression: '@every 90m', before: '2025-01-01T00:00:00Z', count: 2, output: 'json' },
      NOW,
    );
    const parsed = JSON.parse(result.stdout) as { previous: string[]; description: string };
    assert.equal(
      parsed.description,
      'Every 1 hour and 30 minutes, counted from the previous fire time',
    );
    assert.deepEqual(
      parsed.previous.map((time) => Date.parse(time)),
      [Date.parse('2024-12-31T22:30:00Z'), Date.parse('2024-12-31T21:00:00Z')],
    );
  });

  void test('invalid before', () => {
    const result = runNext({ expression: '0 0 * * *', before: 'yesterday' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid --before value "yesterday": expected an RFC 3339 time such as 2025-03-08T00:00:00Z\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('from and before together', () => {
    const result = runNext(
      {
        expression: '0 0 * * *',
        from: '2025-01-01T00:00:00Z',
        before: '2025-01-02T00:00:00Z',
      },
      NOW,
    );
    assert.equal(
      result.stderr,
      'error: --from and --before cannot be used together: give one of them\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('before for EventBridge rate', () => {
    const result = runNext(
      { expression: 'rate(5 minutes)', before: '2025-01-02T00:00:00Z', count: 2 },
      NOW,
    );
    assert.equal(result.stdout, 'Every 5 minutes\n2025-01-01T23:55:00Z\n2025-01-01T23:50:00Z\n');
    assert.equal(result.stderr, '');
    assert.equal(result.exitCode, 0);
  });

  void test('before for impossible EventBridge cron', () => {
    const result = runNext(
      { expression: 'cron(0 0 31 4 ? *)', before: '2025-01-02T00:00:00Z' },
      NOW,
    );
    assert.equal(
      result.stderr,
      'schedule "cron(0 0 31 4 ? *)" does not fire before 2025-01-02T00:00:00Z back to the start of 1970\n',
    );
    assert.equal(result.exitCode, 0);
  });

  void test('command accepts before', async () => {
    const args = ['next', '0 12 * * *', '--time-zone', 'UTC', '--before', '2018-11-05T00:00Z'];
    const result = await runCli({ url: 'http://127.0.0.1:1' }, [...args, '-n', '2']);
    assert.equal(
      result.stdout,
      'At 12:00, in time zone UTC\n2018-11-04T12:00:00Z\n2018-11-03T12:00:00Z\n',
    );
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });
});
