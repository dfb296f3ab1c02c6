import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseRfc3339, runNext } from '../../src/cli/next.js';
import { runCli } from './harness.js';

const NOW = Date.parse('2025-03-08T00:00:00Z');

void describe('cronmesh next', () => {
  void test('text output in zone offset', () => {
    const result = runNext({ expression: '0 2 * * *', timeZone: 'US/Pacific', count: 3 }, NOW);
    assert.equal(
      result.stdout,
      'At 02:00, in time zone US/Pacific\n' +
        '2025-03-08T02:00:00-08:00\n' +
        '2025-03-09T03:00:00-07:00  (02:00 does not exist on this day: moved to the first instant after the DST change)\n' +
        '2025-03-10T02:00:00-07:00\n',
    );
    assert.equal(result.stderr, '');
    assert.equal(result.exitCode, 0);
  });

  void test('kubernetes policy skips the day', () => {
    const result = runNext(
      { expression: '0 2 * * *', timeZone: 'US/Pacific', count: 2, dstPolicy: 'kubernetes' },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 02:00, in time zone US/Pacific\n' +
        '2025-03-08T02:00:00-08:00\n' +
        '2025-03-10T02:00:00-07:00  (02:00 on 2025-03-09 did not exist (DST change), so it was skipped)\n',
    );
  });

  void test('default count is five', () => {
    const result = runNext({ expression: '@hourly', timeZone: 'UTC' }, NOW);
    assert.equal(
      result.stdout,
      'Every hour, in time zone UTC\n' +
        '2025-03-08T01:00:00Z\n2025-03-08T02:00:00Z\n2025-03-08T03:00:00Z\n2025-03-08T04:00:00Z\n2025-03-08T05:00:00Z\n',
    );
  });

  void test('from flag with offset', () => {
    const result = runNext(
      {
        expression: '*/5 * * * *',
        timeZone: 'Asia/Kolkata',
        from: '2025-02-28T23:59:59.123+05:30',
        count: 2,
      },
      NOW,
    );
    assert.equal(
      result.stdout,
      'Every 5 minutes, in time zone Asia/Kolkata\n2025-03-01T00:00:00+05:30\n2025-03-01T00:05:00+05:30\n',
    );
  });

  void test('json output', () => {
    const result = runNext(
      {
        expression: '30 1 * * *',
        timeZone: 'America/New_York',
        from: '2021-11-06T12:00:00Z',
        count: 3,
        dstPolicy: 'kubernetes',
        output: 'json',
      },
      NOW,
    );
    assert.deepEqual(JSON.parse(result.stdout), {
      expression: '30 1 * * *',
      dialect: 'kubernetes',
      timeZone: 'America/New_York',
      dstPolicy: 'kubernetes',
      description: 'At 01:30, in time zone America/New_York',
      next: ['2021-11-07T01:30:00-04:00', '2021-11-07T01:30:00-05:00', '2021-11-08T01:30:00-05:00'],
      marks: [
        {
          time: '2021-11-07T01:30:00-04:00',
          kind: 'repeated',
          note: '01:30 occurs twice on this day: this is the first of its two runs',
        },
        {
          time: '2021-11-07T01:30:00-05:00',
          kind: 'repeated',
          note: '01:30 occurs twice on this day: this is the second of its two runs',
        },
      ],
    });
    assert.equal(result.exitCode, 0);
  });

  void test('json time zone from prefix', () => {
    const result = runNext(
      { expression: 'TZ=Europe/Rome 0 12 * * *', count: 1, output: 'json' },
      NOW,
    );
    assert.deepEqual(JSON.parse(result.stdout), {
      expression: 'TZ=Europe/Rome 0 12 * * *',
      dialect: 'kubernetes',
      timeZone: 'Europe/Rome',
      dstPolicy: 'cron',
      description: 'At 12:00, in time zone Europe/Rome',
      next: ['2025-03-08T12:00:00+01:00'],
      marks: [],
    });
  });

  void test('json null zone when unset', () => {
    const result = runNext({ expression: '0 0 31 4 *', output: 'json' }, NOW);
    assert.deepEqual(JSON.parse(result.stdout), {
      expression: '0 0 31 4 *',
      dialect: 'kubernetes',
      timeZone: null,
      dstPolicy: 'cron',
      description:
        'At 00:00, on day 31 of the month, only in April (never fires: no listed month has such a day)',
      next: [],
      marks: [],
    });
  });

  void test('never firing text output', () => {
    const result = runNext({ expression: '0 0 31 4 *', timeZone: 'UTC' }, NOW);
    assert.equal(
      result.stdout,
      'At 00:00, on day 31 of the month, only in April, in time zone UTC (never fires: no listed month has such a day)\n',
    );
    assert.equal(
      result.stderr,
      'schedule "0 0 31 4 *" does not fire within 5 years after 2025-03-08T00:00:00Z\n',
    );
    assert.equal(result.exitCode, 0);
  });

  void test('invalid expression', () => {
    const result = runNext({ expression: '0 0 * * 7' }, NOW);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'error: invalid schedule "0 0 * * 7": end of range (7) above maximum (6): 7\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('unknown time zone', () => {
    const result = runNext({ expression: '0 0 * * *', timeZone: 'Foo/Bar' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid --time-zone value "Foo/Bar": unknown time zone Foo/Bar\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('invalid count', () => {
    for (const count of [0, -1, 1.5, 1001]) {
      const result = runNext({ expression: '0 0 * * *', count }, NOW);
      assert.equal(
        result.stderr,
        `error: invalid -n value ${count}: expected an integer from 1 to 1000\n`,
      );
      assert.equal(result.exitCode, 1);
    }
  });

  void test('count flag text is checked', () => {
    for (const count of ['abc', '', '0x10', '1e2', '2.0', ' 3']) {
      const result = runNext({ expression: '0 0 * * *', count }, NOW);
      assert.equal(
        result.stderr,
        `error: invalid -n value ${JSON.stringify(count)}: expected an integer from 1 to 1000\n`,
      );
      assert.equal(result.exitCode, 1);
    }
  });

  void test('count flag text is a number', () => {
    const result = runNext(
      { expression: '0 0 * * *', count: '2', from: '2024-01-01T00:00:00Z', timeZone: 'UTC' },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 00:00, in time zone UTC\n2024-01-02T00:00:00Z\n2024-01-03T00:00:00Z\n',
    );
    assert.equal(result.exitCode, 0);
  });

  void test('invalid dst policy', () => {
    const result = runNext({ expression: '0 0 * * *', dstPolicy: 'vixie' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid --dst-policy value "vixie": expected cron or kubernetes\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('from without seconds', () => {
    const result = runNext(
      { expression: '0 12 * * *', timeZone: 'UTC', from: '2018-11-05T00:00Z', count: 2 },
      NOW,
    );
    assert.equal(
      result.stdout,
      'At 12:00, in time zone UTC\n2018-11-05T12:00:00Z\n2018-11-06T12:00:00Z\n',
    );
    assert.equal(result.stderr, '');
    assert.equal(result.exitCode, 0);
  });

  void test('command accepts from without seconds', async () => {
    const args = ['next', '0 12 * * *', '--time-zone', 'UTC', '--from', '2018-11-05T00:00Z'];
    const result = await runCli({ url: 'http://127.0.0.1:1' }, [...args, '-n', '1']);
    assert.equal(result.stdout, 'At 12:00, in time zone UTC\n2018-11-05T12:00:00Z\n');
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });

  void test('malformed from without seconds', () => {
    const result = runNext({ expression: '0 0 * * *', from: '2018-11-05T24:00Z' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid --from value "2018-11-05T24:00Z": expected an RFC 3339 time such as 2025-03-08T00:00:00Z\n',
    );
    assert.equal(result.exitCode, 1);
  });

  void test('invalid from', () => {
    const result = runNext({ expression: '0 0 * * *', from: 'yesterday' }, NOW);
    assert.equal(
      result.stderr,
      'error: invalid --from value "yesterday": expected an RFC 3339 time such as 2025-03-08T00:00:00Z\n',
    );
    assert.equal(result.exitCode, 1);
  });
});

void describe('parseRfc3339', () => {
  void test('accepts RFC 3339 forms', () => {
    assert.equal(parseRfc3339('2025-03-08T00:00:00Z'), Date.parse('2025-03-08T00:00:00Z'));
    assert.equal(parseRfc3339('2025-03-08t00:00:00z'), Date.parse('2025-03-08T00:00:00Z'));
    assert.equal(parseRfc3339('2025-03-08T05:30:00+05:30'), Date.parse('2025-03-08T00:00:00Z'));
    assert.equal(
      parseRfc3339('2025-03-08T00:00:00.5-01:00'),
      Date.parse('2025-03-08T01:00:00.500Z'),
    );
  });

  void test('accepts times without seconds', () => {
    assert.equal(parseRfc3339('2018-11-05T00:00Z'), Date.parse('2018-11-05T00:00:00Z'));
    assert.equal(parseRfc3339('2018-11-05t23:59z'), Date.parse('2018-11-05T23:59:00Z'));
    assert.equal(parseRfc3339('2018-11-05T05:30+05:30'), Date.parse('2018-11-05T00:00:00Z'));
    assert.equal(parseRfc3339('2018-11-04T19:00-05:00'), Date.parse('2018-11-05T00:00:00Z'));
  });

  void test('rejects other forms', () => {
    for (const text of [
      '2025-03-08',
      '2025-03-08T00:00:00',
      '2025-03-08T00:00',
      '2025-03-08T00Z',
      '2025-03-08T00:00.5Z',
      '2025-03-08T0:00Z',
      '2025-03-08T00:60Z',
      '2025-02-30T00:00Z',
      '2025-03-08T00:00:Z',
      '2025-02-30T00:00:00Z',
      '2025-03-08T24:00:00Z',
      '2025-03-08 00:00:00Z',
    ]) {
      assert.equal(parseRfc3339(text), null, text);
    }
  });
});
