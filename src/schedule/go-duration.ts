// Go's time.ParseDuration as of Go 1.19, reimplemented so that `@every` accepts exactly the
// durations Kubernetes accepts and rejects the others with Go's message text.

const TWO_POW_63 = 1n << 63n;

// Nanoseconds per unit. Go accepts both U+00B5 (micro sign) and U+03BC (Greek mu) for "µs".
const UNIT_NANOSECONDS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['\u00b5s', 1_000n],
  ['\u03bcs', 1_000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** Result of Go's `time.ParseDuration`: a signed count of nanoseconds, or Go's error text. */
export type DurationResult = { ok: true; nanoseconds: bigint } | { ok: false; message: string };

/** Parses a Go duration string such as `1h30m`, `1.5s` or `-300ms`. */
export function parseGoDuration(text: string): DurationResult {
  // Go works on UTF-8 bytes, which matters for units such as "µs" and for error quoting.
  const bytes = new TextEncoder().encode(text);
  const invalid = (): DurationResult => ({
    ok: false,
    message: `time: invalid duration ${quoteGoTime(bytes)}`,
  });

  let position = 0;
  let negative = false;
  if (bytes[0] === 0x2d || bytes[0] === 0x2b) {
    negative = bytes[0] === 0x2d;
    position = 1;
  }
  if (bytes.length - position === 1 && bytes[position] === 0x30)
    return { ok: true, nanoseconds: 0n };
  if (position === bytes.length) return invalid();

  let total = 0n;
  while (position < bytes.length) {
    const first = bytes[position] ?? 0;
    if (!(first === 0x2e || isDigit(first))) return invalid();

    // Go rejects an integer part above 2^63.
    let whole = 0n;
    const wholeStart = position;
    while (position < bytes.length && isDigit(bytes[position] ?? 0)) {
      if (whole > TWO_POW_63 / 10n) return invalid();
      whole = whole * 10n + BigInt((bytes[position] ?? 0x30) - 0x30);
      if (whole > TWO_POW_63) return invalid();
      position++;
    }
    const hasWhole = position !== wholeStart;

    // On overflow of the fraction part, Go stops adding digits instead of failing.
    let fraction = 0n;
    let scale = 1;
    let hasFraction = false;
    if (position < bytes.length && bytes[position] === 0x2e) {
      position++;
      const fractionStart = position;
      let overflow = false;
      while (position < bytes.length && isDigit(bytes[position] ?? 0)) {
        const digit = BigInt((bytes[position] ?? 0x30) - 0x30);
        position++;
        if (overflow) continue;
        if (fraction > (TWO_POW_63 - 1n) / 10n) {
          overflow = true;
          continue;
        }
        const next = fraction * 10n + digit;
        if (next > TWO_POW_63) {
          overflow = true;
          continue;
        }
        fraction = next;
        scale *= 10;
      }
      hasFraction = position !== fractionStart;
    }
    if (!hasWhole && !hasFraction) return invalid();

    const unitStart = position;
    while (position < bytes.length) {
      const byte = bytes[position] ?? 0;
      if (byte === 0x2e || isDigit(byte)) break;
      position++;
    }
    if (position === unitStart) {
      return { ok: false, message: `time: missing unit in duration ${quoteGoTime(bytes)}` };
    }
    // The unit ends at an ASCII byte, so it never splits a multi-byte character.
    const unitBytes = bytes.subarray(unitStart, position);
    const unit = UNIT_NANOSECONDS.get(new TextDecoder().decode(unitBytes));
    if (unit === undefined) {
      return {
        ok: false,
        message: `time: unknown unit ${quoteGoTime(unitBytes)} in duration ${quoteGoTime(bytes)}`,
      };
    }

    if (whole > TWO_POW_63 / unit) return invalid();
    let value = whole * unit;
    if (fraction > 0n) {
      // Go computes the fractional nanoseconds in float64 and truncates toward zero.
      value += BigInt(Math.trunc(Number(fraction) * (Number(unit) / scale)));
      if (value > TWO_POW_63) return invalid();
    }
    total += value;
    if (total > TWO_POW_63) return invalid();
  }

  if (negative) return { ok: true, nanoseconds: -total };
  if (total > TWO_POW_63 - 1n) return invalid();
  return { ok: true, nanoseconds: total };
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/**
 * Quotes bytes as the Go time package's private `quote` does: printable ASCII stays, `"` and
 * `\` get a backslash, and every byte of any other character becomes `\xNN`.
 */
function quoteGoTime(bytes: Uint8Array): string {
  let quoted = '"';
  for (const byte of bytes) {
    if (byte >= 0x80 || byte < 0x20) quoted += `\\x${byte.toString(16).padStart(2, '0')}`;
    else {
      const char = String.fromCharCode(byte);
      quoted += char === '"' || char === '\\' ? `\\${char}` : char;
    }
  }
  return `${quoted}"`;
}
