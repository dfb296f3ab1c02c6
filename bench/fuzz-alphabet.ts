// Building blocks of the parser fuzz inputs: zones, instants, field bounds, names, tokens and
// code points.

// Zones with unusual transitions: 30-minute DST (Lord Howe), transitions at 02:45 (Chatham) and
// at midnight (Santiago), negative DST (Dublin), Ramadan changes (Casablanca), +14 h (Kiritimati),
// a 2-hour DST jump (Troll).
export const OPTION_ZONES = [
  'UTC',
  'America/New_York',
  'Europe/London',
  'Europe/Dublin',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'America/Santiago',
  'America/St_Johns',
  'Africa/Casablanca',
  'Asia/Kolkata',
  'Pacific/Kiritimati',
  'Antarctica/Troll',
];

// Zone names for `TZ=` prefixes, including ones Go rejects or treats specially.
export const PREFIX_ZONES = [
  ...OPTION_ZONES,
  'Local',
  '',
  'Etc/GMT+14',
  'Etc/GMT-14',
  'US/Pacific',
  'Foo/Bar',
  'america/new_york',
  '../etc/passwd',
  '/etc/localtime',
  'America',
  'Europe/',
  'EST5EDT',
  'Factory',
  'Asia/Kolkata\u0000',
];

// Instants near daylight-saving transitions of the option zones (2024), as ms since the epoch.
export const TRANSITIONS = [
  '2024-03-10T07:00:00Z',
  '2024-11-03T06:00:00Z',
  '2024-03-31T01:00:00Z',
  '2024-10-27T01:00:00Z',
  '2024-04-06T15:00:00Z',
  '2024-10-05T15:30:00Z',
  '2024-04-06T14:00:00Z',
  '2024-09-08T04:00:00Z',
  '2024-04-07T03:00:00Z',
  '2024-03-10T05:30:00Z',
].map((text) => Date.parse(text));

export const MINUTE_MS = 60_000;
export const YEAR_1970_TO_2100_MS = 4_102_444_800_000;
// Far instants stay inside the range next() accepts (Date's ±8.64e15 ms less a few years).
export const FAR_MS = 8.6e15;

export const MONTHS = [
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
];
export const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
export const FIELD_MAX = [59, 23, 31, 12, 6];
export const FIELD_MIN = [0, 0, 1, 1, 0];
export const DESCRIPTORS = [
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
];
export const DURATION_UNITS = ['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h', '', 'd', 'H', 'S'];

export const TOKENS = [
  '*',
  '?',
  '/',
  '-',
  ',',
  ' ',
  '  ',
  '\t',
  '0',
  '1',
  '5',
  '7',
  '12',
  '23',
  '24',
  '31',
  '32',
  '59',
  '60',
  '99',
  'JAN',
  'jan',
  'Feb',
  'DEC',
  'MON',
  'sun',
  'SAT',
  'L',
  'W',
  '#',
  'H',
  '@',
  '@every',
  '@daily',
  'TZ=',
  'CRON_TZ=',
  'UTC',
  'America/New_York',
  '=',
  '\n',
  '\u00a0',
  '\u3000',
  '\u0085',
  '\ufeff',
  '+',
  '.',
  '%',
  '\\',
  '"',
];

// Code points from scripts and blocks that trip up parsers: Go spaces, full-width and
// Arabic-Indic digits, combining marks, right-to-left text, surrogate pairs and lone surrogates.
export const CODE_POINT_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x00, 0x7f],
  [0x80, 0xff],
  [0x2000, 0x206f],
  [0xff10, 0xff19],
  [0x0660, 0x0669],
  [0x0300, 0x036f],
  [0x05d0, 0x05ea],
  [0xd800, 0xdfff],
  [0x1f300, 0x1f64f],
  [0xe0000, 0xe007f],
];
