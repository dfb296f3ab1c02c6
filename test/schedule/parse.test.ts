import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ScheduleParseError, parseStandard } from '../../src/schedule/index.js';
import type { CronFieldsSpec, ScheduleField } from '../../src/schedule/index.js';

function parseFields(spec: string): CronFieldsSpec {
  const parsed = parseStandard(spec);
  assert.equal(parsed.kind, 'fields');
  return parsed;
}

function parseError(spec: string): ScheduleParseError {
  try {
    parseStandard(spec);
  } catch (error) {
    assert.ok(
      error instanceof ScheduleParseError,
      `expected ScheduleParseError, got ${String(error)}`,
    );
    return error;
  }
  assert.fail(`expected ${JSON.stringify(spec)} to be rejected`);
}

// Texts produced by robfig/cron v3.0.1 (the reference program) for each spec.
const REJECTED: ReadonlyArray<readonly [string, string, ScheduleField | undefined]> = [
  ['0 0 * * * *', 'expected exactly 5 fields, found 6: [0 0 * * * *]', 'fields'],
  ['0 0 * *', 'expected exactly 5 fields, found 4: [0 0 * *]', 'fields'],
  ['', 'empty spec string', undefined],
  ['   ', 'expected exactly 5 fields, found 0: []', 'fields'],
  ['0 0 * * 7', 'end of range (7) above maximum (6): 7', 'dayOfWeek'],
  ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0', 'dayOfMonth'],
  ['0 0 * 0 *', 'beginning of range (0) below minimum (1): 0', 'month'],
  ['60 * * * *', 'end of range (60) above maximum (59): 60', 'minute'],
  ['0 24 * * *', 'end of range (24) above maximum (23): 24', 'hour'],
  ['*/0 * * * *', 'step of range should be a positive number: */0', 'minute'],
  ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2', 'minute'],
  ['1-2-3 * * * *', 'too many hyphens: 1-2-3', 'minute'],
  ['1/2/3 * * * *', 'too many slashes: 1/2/3', 'minute'],
  [
    '0 0 L * *',
    'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax',
    'dayOfMonth',
  ],
  [
    '0 0 1W * *',
    'failed to parse int from 1W: strconv.Atoi: parsing "1W": invalid syntax',
    'dayOfMonth',
  ],
  [
    '0 0 * * 1#2',
    'failed to parse int from 1#2: strconv.Atoi: parsing "1#2": invalid syntax',
    'dayOfWeek',
  ],
  ['H * * * *', 'failed to parse int from H: strconv.Atoi: parsing "H": invalid syntax', 'minute'],
  [
    '0 0 * * MON-L',
    'failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax',
    'dayOfWeek',
  ],
  ['-1 * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax', 'minute'],
  ['1- * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax', 'minute'],
  ['*/-1 * * * *', 'negative number (-1) not allowed: -1', 'minute'],
  [
    '99999999999999999999 * * * *',
    'failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range',
    'minute',
  ],
  [
    '9223372036854775807 * * * *',
    'end of range (9223372036854775807) above maximum (59): 9223372036854775807',
    'minute',
  ],
  [
    '0 0 * JANUARY *',
    'failed to parse int from JANUARY: strconv.Atoi: parsing "JANUARY": invalid syntax',
    'month',
  ],
  [
    '0 0 * * é',
    'failed to parse int from é: strconv.Atoi: parsing "é": invalid syntax',
    'dayOfWeek',
  ],
  [
    '0 0 * * \u0001',
    'failed to parse int from \u0001: strconv.Atoi: parsing "\\x01": invalid syntax',
    'dayOfWeek',
  ],
  ['@reboot', 'unrecognized descriptor: @reboot', 'descriptor'],
  ['@every', 'unrecognized descriptor: @every', 'descriptor'],
  ['@Daily', 'unrecognized descriptor: @Daily', 'descriptor'],
  ['@daily ', 'unrecognized descriptor: @daily ', 'descriptor'],
  [' @daily', 'expected exactly 5 fields, found 1: [@daily]', 'fields'],
  [
    '@every 5x',
    'failed to parse duration @every 5x: time: unknown unit "x" in duration "5x"',
    'descriptor',
  ],
  ['@every ', 'failed to parse duration @every : time: invalid duration ""', 'descriptor'],
  [
    '@every 10',
    'failed to parse duration @every 10: time: missing unit in duration "10"',
    'descriptor',
  ],
  ['@every .s', 'failed to parse duration @every .s: time: invalid duration ".s"', 'descriptor'],
  [
    '@every 1h 30m',
    'failed to parse duration @every 1h 30m: time: unknown unit "h " in duration "1h 30m"',
    'descriptor',
  ],
  [
    '@every 99999999999999999999h',
    'failed to parse duration @every 99999999999999999999h: time: invalid duration "99999999999999999999h"',
    'descriptor',
  ],
  ['TZ=Foo/Bar 0 0 * * *', 'provided bad location Foo/Bar: unknown time zone Foo/Bar', 'timeZone'],
  [
    'CRON_TZ=Mars/Base 0 0 * * *',
    'provided bad location Mars/Base: unknown time zone Mars/Base',
    'timeZone',
  ],
  ['TZ=America 0 0 * * *', 'provided bad location America: is a directory', 'timeZone'],
  ['TZ=../x 0 0 * * *', 'provided bad location ../x: time: invalid location name', 'timeZone'],
  [
    'TZ=asia/kolkata 0 0 * * *',
    'provided bad location asia/kolkata: unknown time zone asia/kolkata',
    'timeZone',
  ],
];

void describe('parseStandard errors', () => {
  for (const [spec, message, field] of REJECTED) {
    void test(`rejects ${JSON.stringify(spec)}`, () => {
      const error = parseError(spec);
      assert.equal(error.code, 'ScheduleParseError');
      assert.equal(error.message, message);
      assert.equal(error.spec, spec);
      assert.equal(error.field, field);
    });
  }

  void test('TZ prefix without schedule', () => {
    // robfig v3.0.1 panics on this input, so cronmesh rejects it with a message of its own.
    const error = parseError('TZ=UTC');
    assert.equal(error.message, 'missing space and schedule after time zone prefix: TZ=UTC');
    assert.equal(error.field, 'timeZone');
  });
});

void describe('parseStandard fields', () => {
  void test('lists, ranges and steps', () => {
    const spec = parseFields('1,5-7,50/4 */6 1-10/3 */5 1-5');
    assert.deepEqual(spec.minute.values, [1, 5, 6, 7, 50, 54, 58]);
    assert.deepEqual(spec.hour.values, [0, 6, 12, 18]);
    assert.deepEqual(spec.dayOfMonth.values, [1, 4, 7, 10]);
    assert.deepEqual(spec.month.values, [1, 6, 11]);
    assert.deepEqual(spec.dayOfWeek.values, [1, 2, 3, 4, 5]);
  });

  void test('names in any case', () => {
    const spec = parseFields('0 0 * JAN-mar,Dec MON-fri');
    assert.deepEqual(spec.month.values, [1, 2, 3, 12]);
    assert.deepEqual(spec.dayOfWeek.values, [1, 2, 3, 4, 5]);
  });

  void test('question mark equals star', () => {
    const spec = parseFields('? ? ? ? ?');
    assert.equal(spec.minute.values.length, 60);
    assert.equal(spec.dayOfMonth.star, true);
    assert.equal(spec.dayOfWeek.star, true);
  });

  void test('star bit follows the step', () => {
    assert.equal(parseFields('0 0 */1 * 1').dayOfMonth.star, true);
    assert.equal(parseFields('0 0 */2 * 1').dayOfMonth.star, false);
    assert.equal(parseFields('0 0 1,* * 1').dayOfMonth.star, true);
    assert.equal(parseFields('0 0 1-31 * 1').dayOfMonth.star, false);
  });

  void test('wildcard flags minute and hour', () => {
    const spec = parseFields('*/15 3 * * *');
    assert.equal(spec.minute.wildcard, true);
    assert.equal(spec.hour.wildcard, false);
    assert.equal(parseFields('0-59 3 * * *').minute.wildcard, false);
  });

  void test('robfig oddities accepted', () => {
    // robfig ignores what follows `*-`, accepts a leading `+`, and drops empty list items.
    assert.equal(parseFields('*-5 0 * * *').minute.values.length, 60);
    assert.deepEqual(parseFields('+3 0 * * *').minute.values, [3]);
    assert.deepEqual(parseFields('1,,2 0 * * *').minute.values, [1, 2]);
    assert.deepEqual(parseFields(', 0 * * *').minute.values, []);
  });

  void test('N/step runs to the maximum', () => {
    assert.deepEqual(parseFields('50/4 0 * * *').minute.values, [50, 54, 58]);
    assert.deepEqual(parseFields('0 20/1 * * *').hour.values, [20, 21, 22, 23]);
  });

  void test('Go whitespace separates fields', () => {
    const spec = parseFields('\t0\u00a00 *\u0085* *  ');
    assert.deepEqual(spec.minute.values, [0]);
    assert.deepEqual(spec.hour.values, [0]);
  });
});

void describe('parseStandard descriptors', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['@yearly', '0 0 1 1 *'],
    ['@annually', '0 0 1 1 *'],
    ['@monthly', '0 0 1 * *'],
    ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'],
    ['@midnight', '0 0 * * *'],
    ['@hourly', '0 * * * *'],
  ];
  for (const [descriptor, equivalent] of cases) {
    void test(`${descriptor} equals ${equivalent}`, () => {
      const actual = parseFields(descriptor);
      const expected = parseFields(equivalent);
      for (const field of ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const) {
        assert.deepEqual(actual[field].values, expected[field].values, field);
        assert.equal(actual[field].star, expected[field].star, field);
      }
    });
  }

  void test('@every intervals', () => {
    const intervals: ReadonlyArray<readonly [string, number]> = [
      ['@every 1h30m', 5400],
      ['@every 500ms', 1],
      ['@every 1m30.5s', 90],
      ['@every -5s', 1],
      ['@every 0', 1],
      ['@every 1.5\u00b5s', 1],
      ['@every 2.5h', 9000],
    ];
    for (const [spec, seconds] of intervals) {
      const parsed = parseStandard(spec);
      assert.equal(parsed.kind, 'every', spec);
      assert.equal(parsed.kind === 'every' ? parsed.intervalSeconds : 0, seconds, spec);
    }
  });
});

void describe('parseStandard time zone prefix', () => {
  void test('TZ and CRON_TZ prefixes', () => {
    assert.equal(parseStandard('TZ=America/New_York 0 2 * * *').timeZone, 'America/New_York');
    assert.equal(parseStandard('CRON_TZ=Asia/Kolkata   30 5 * * *').timeZone, 'Asia/Kolkata');
    assert.equal(parseStandard('TZ=UTC @daily').timeZone, 'UTC');
    assert.equal(parseStandard('0 2 * * *').timeZone, undefined);
  });

  void test('empty zone name is UTC', () => {
    assert.equal(parseStandard('TZ= 0 0 * * *').timeZone, '');
  });

  void test('spec keeps the prefix', () => {
    assert.equal(parseStandard('TZ=UTC 0 0 * * *').spec, 'TZ=UTC 0 0 * * *');
  });
});
