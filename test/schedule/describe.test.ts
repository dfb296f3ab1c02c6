import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  EventBridgeExpressionError,
  ScheduleParseError,
  describeSchedule,
} from '../../src/schedule/index.js';

// [spec, description] for the Kubernetes (robfig/cron v3) dialect.
const KUBERNETES_CASES: ReadonlyArray<readonly [string, string]> = [
  // Both day fields restricted: robfig fires on a day that matches either one.
  ['0 0 1-7 * 1', 'At 00:00, between day 1 and 7 of the month or on Monday'],
  ['0 0 */2 * 1', 'At 00:00, every 2 days in a month or on Monday'],
  ['0 0 1 * 1', 'At 00:00, on day 1 of the month or on Monday'],
  ['0 0 1,15 * MON-FRI', 'At 00:00, on day 1 and 15 of the month or on Monday through Friday'],
  ['0 0 30 2 1', 'At 00:00, on day 30 of the month or on Monday, only in February'],
  // A star (`*`, `?`, `*/1`) in either day field: a day must match both, so it adds nothing.
  ['0 0 */1 * 1', 'At 00:00, only on Monday'],
  ['0 0 ?/1 * 1', 'At 00:00, only on Monday'],
  ['0 0 ? * 1', 'At 00:00, only on Monday'],
  ['0 0 1 * ?', 'At 00:00, on day 1 of the month'],
  // Under the OR rule a field that lists every day makes every day match.
  ['0 0 1-31 * 1', 'At 00:00'],
  ['0 0 1 * 0-6', 'At 00:00'],
  // A field of commas matches nothing, so under the OR rule the other field decides.
  ['0 0 , * 1', 'At 00:00, only on Monday'],
  ['0 0 1 * ,', 'At 00:00, on day 1 of the month'],
  // Descriptors.
  ['@hourly', 'Every hour'],
  ['@daily', 'At 00:00'],
  ['@midnight', 'At 00:00'],
  ['@weekly', 'At 00:00, only on Sunday'],
  ['@monthly', 'At 00:00, on day 1 of the month'],
  ['@yearly', 'At 00:00, on day 1 of the month, only in January'],
  ['@annually', 'At 00:00, on day 1 of the month, only in January'],
  // @every rounds down to whole seconds and raises to at least 1 s, as robfig does.
  ['@every 90s', 'Every 1 minute and 30 seconds, counted from the previous fire time'],
  ['@every 1h30m', 'Every 1 hour and 30 minutes, counted from the previous fire time'],
  ['@every 1m30.5s', 'Every 1 minute and 30 seconds, counted from the previous fire time'],
  ['@every 500ms', 'Every second, counted from the previous fire time'],
  ['@every 1h', 'Every hour, counted from the previous fire time'],
  ['@every 48h', 'Every 48 hours, counted from the previous fire time'],
  ['@every 2h0m1s', 'Every 2 hours and 1 second, counted from the previous fire time'],
  // Time zone prefixes.
  ['TZ=Europe/Rome 0 12 * * *', 'At 12:00, in time zone Europe/Rome'],
  ['CRON_TZ=Asia/Tokyo @daily', 'At 00:00, in time zone Asia/Tokyo'],
  ['CRON_TZ=Asia/Tokyo @every 5m', 'Every 5 minutes, counted from the previous fire time'],
  // robfig's oddities are described by the values they match.
  ['*-5 * * * *', 'Every minute'],
  ['0 0 1,,15 * *', 'At 00:00, on day 1 and 15 of the month'],
  ['0,15,30,45 * * * *', 'Every 15 minutes'],
  [
    '5/10 1/2 * * *',
    'Every 10 minutes, starting at 5 minutes past the hour, every 2 hours, starting at 01:00',
  ],
  ['30 0-23/2 * * *', 'At 30 minutes past the hour, every 2 hours'],
  // Times of day, names, steps and months.
  ['0,30 2 * * *', 'At 02:00 and 02:30'],
  ['0,30 2,14 * * *', 'At 02:00, 02:30, 14:00 and 14:30'],
  ['0 9,17 * * *', 'At 09:00 and 17:00'],
  ['* * * * *', 'Every minute'],
  ['0 */6 * * *', 'On the hour, every 6 hours'],
  ['0 0 * * sun', 'At 00:00, only on Sunday'],
  ['0 22 * * 1-5', 'At 22:00, Monday through Friday'],
  [
    '*/15 9-17 * JAN,JUL MON-FRI',
    'Every 15 minutes, between 09:00 and 17:59, Monday through Friday, only in January and July',
  ],
  ['30 2 */3 */2 *', 'At 02:30, every 3 days in a month, every 2 months'],
  ['0 0 2-30/2 * *', 'At 00:00, every 2 days in a month, starting on day 2 of the month'],
  // Schedules that never fire.
  [
    '0 0 30 2 *',
    'At 00:00, on day 30 of the month, only in February (never fires: no listed month has such a day)',
  ],
  [
    '0 0 31 4,6 ?',
    'At 00:00, on day 31 of the month, only in April and June (never fires: no listed month has such a day)',
  ],
  [
    'TZ=UTC 0 0 30 2 *',
    'At 00:00, on day 30 of the month, only in February, in time zone UTC (never fires: no listed month has such a day)',
  ],
  ['0 0 31 2,3 *', 'At 00:00, on day 31 of the month, only in February and March'],
  [', * * * *', 'Never fires, because the minute field matches no value'],
  ['0 , * * *', 'Never fires, because the hour field matches no value'],
  ['0 0 * , *', 'Never fires, because the month field matches no value'],
  [
    '0 0 , * ,',
    'Never fires, because neither the day-of-month nor the day-of-week field matches a value',
  ],
];

// [expression, description] for the EventBridge dialect, with weekdays 1 = Sunday.
const EVENTBRIDGE_CASES: ReadonlyArray<readonly [string, string]> = [
  ['cron(0 10 * * ? *)', 'At 10:00'],
  ['cron(15 12 * * ? *)', 'At 12:15'],
  ['cron(0 18 ? * MON-FRI *)', 'At 18:00, Monday through Friday'],
  ['cron(0 8 1 * ? *)', 'At 08:00, on day 1 of the month'],
  ['cron(0/15 * * * ? *)', 'Every 15 minutes'],
  [
    'cron(0/5 8-17 ? * MON-FRI *)',
    'Every 5 minutes, between 08:00 and 17:59, Monday through Friday',
  ],
  ['cron(0 9 ? * 2#1 *)', 'At 09:00, on the first Monday of the month'],
  ['cron(0 0 L * ? *)', 'At 00:00, on the last day of the month'],
  ['cron(0 0 ? * 6L *)', 'At 00:00, on the last Friday of the month'],
  ['cron(0 0 LW * ? *)', 'At 00:00, on the last weekday of the month'],
  ['cron(0 0 15W * ? *)', 'At 00:00, on the weekday nearest day 15 of the month'],
  ['cron(0 0 ? * 1,7 2030)', 'At 00:00, only on Sunday and Saturday, only in 2030'],
  [
    'cron(0 0 1 1 ? 2025-2027)',
    'At 00:00, on day 1 of the month, only in January, 2025 through 2027',
  ],
  [
    'cron(0 0 31 4 ? *)',
    'At 00:00, on day 31 of the month, only in April (never fires: no listed month has such a day)',
  ],
  ['rate(5 minutes)', 'Every 5 minutes'],
  ['rate(1 day)', 'Every day'],
];

void describe('describeSchedule, Kubernetes dialect', () => {
  for (const [spec, expected] of KUBERNETES_CASES) {
    void test(spec, () => {
      assert.equal(describeSchedule(spec, 'kubernetes'), expected);
    });
  }

  void test('time zone option is named', () => {
    assert.equal(
      describeSchedule('0 2 * * *', 'kubernetes', { timeZone: 'US/Pacific' }),
      'At 02:00, in time zone US/Pacific',
    );
  });

  void test('prefix wins over option', () => {
    assert.equal(
      describeSchedule('TZ=Asia/Tokyo 0 2 * * *', 'kubernetes', { timeZone: 'US/Pacific' }),
      'At 02:00, in time zone Asia/Tokyo',
    );
  });

  void test('@every leaves the zone out', () => {
    assert.equal(
      describeSchedule('@every 5m', 'kubernetes', { timeZone: 'US/Pacific' }),
      'Every 5 minutes, counted from the previous fire time',
    );
  });

  void test('invalid spec throws robfig text', () => {
    assert.throws(() => describeSchedule('0 0 * * 7', 'kubernetes'), {
      name: 'ScheduleParseError',
      message: 'end of range (7) above maximum (6): 7',
    });
  });

  void test('EventBridge syntax is rejected', () => {
    const error = catchError(() => describeSchedule('cron(0 12 ? * MON-FRI *)', 'kubernetes'));
    assert.equal(error instanceof ScheduleParseError, true);
    assert.equal(
      (error as ScheduleParseError).message,
      'expected exactly 5 fields, found 6: [cron(0 12 ? * MON-FRI *)]',
    );
  });
});

void describe('describeSchedule, EventBridge dialect', () => {
  for (const [expression, expected] of EVENTBRIDGE_CASES) {
    void test(expression, () => {
      assert.equal(describeSchedule(expression, 'eventbridge'), expected);
    });
  }

  void test('time zone names cron, not rate', () => {
    assert.equal(
      describeSchedule('cron(0 10 * * ? *)', 'eventbridge', { timeZone: 'Europe/Berlin' }),
      'At 10:00, in time zone Europe/Berlin',
    );
    assert.equal(
      describeSchedule('rate(2 hours)', 'eventbridge', { timeZone: 'Europe/Berlin' }),
      'Every 2 hours',
    );
  });

  void test('invalid expression throws', () => {
    const error = catchError(() => describeSchedule('cron(0 0 * * * *)', 'eventbridge'));
    assert.equal(error instanceof EventBridgeExpressionError, true);
    assert.equal((error as EventBridgeExpressionError).code, 'MissingQuestionMark');
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
