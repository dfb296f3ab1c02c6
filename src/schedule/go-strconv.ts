// Go's strconv.Atoi and strconv.Quote as of Go 1.19, reimplemented so that robfig/cron's
// "failed to parse int" messages come out byte for byte, e.g.
// `strconv.Atoi: parsing "L": invalid syntax`.

const MAX_INT64 = (1n << 63n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** Result of Go's `strconv.Atoi` on a 64-bit platform. */
export type AtoiResult = { ok: true; value: bigint } | { ok: false; message: string };

/** Parses a base-10 integer with an optional sign, as Go's `strconv.Atoi` does. */
export function goAtoi(text: string): AtoiResult {
  const fail = (reason: string): AtoiResult => ({
    ok: false,
    message: `strconv.Atoi: parsing ${goQuote(text)}: ${reason}`,
  });
  if (text === '') return fail('invalid syntax');

  let digits = text;
  let negative = false;
  if (digits[0] === '+' || digits[0] === '-') {
    negative = digits[0] === '-';
    digits = digits.slice(1);
  }
  if (digits === '') return fail('invalid syntax');

  // Go scans left to right and reports the first problem it meets. A non-digit is a syntax
  // error, but an unsigned 64-bit overflow met before it is a range error.
  let value = 0n;
  for (const char of digits) {
    if (char < '0' || char > '9') return fail('invalid syntax');
    value = value * 10n + BigInt(char.charCodeAt(0) - 48);
    if (value > MAX_UINT64) return fail('value out of range');
  }
  if (!negative && value > MAX_INT64) return fail('value out of range');
  if (negative && value > MAX_INT64 + 1n) return fail('value out of range');
  return { ok: true, value: negative ? -value : value };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/**
 * Quotes `text` as Go's `strconv.Quote` does. NOTE: printability follows the Unicode tables of
 * this JavaScript engine, which may differ from Go 1.19's for characters added since.
 */
export function goQuote(text: string): string {
  let quoted = '"';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    const escape = SIMPLE_ESCAPES[char];
    if (escape !== undefined) quoted += escape;
    // A lone surrogate reaches Go as U+FFFD, which is printable.
    else if (code >= 0xd800 && code <= 0xdfff) quoted += '\ufffd';
    else if (PRINTABLE.test(char)) quoted += char;
    else if (code < 0x80) quoted += `\\x${hex(code, 2)}`;
    else if (code < 0x10000) quoted += `\\u${hex(code, 4)}`;
    else quoted += `\\U${hex(code, 8)}`;
  }
  return `${quoted}"`;
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}
