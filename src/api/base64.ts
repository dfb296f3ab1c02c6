/**
 * Base64 checking with the rules of Go's `encoding/base64.StdEncoding`, which decodes the `data`
 * of Secrets and the `binaryData` of ConfigMaps: padding required, `\r` and `\n` ignored.
 */

const alphabet = /^[A-Za-z0-9+/]$/;

export type Base64Result =
  { ok: true; byteLength: number } | { ok: false; offset: number; message: string };

function failure(offset: number): Base64Result {
  return { ok: false, offset, message: `illegal base64 data at input byte ${offset}` };
}

function isNewline(char: string | undefined): boolean {
  return char === '\n' || char === '\r';
}

/**
 * Returns the decoded length, or the offset of the first bad byte with Go's message
 * (`illegal base64 data at input byte 4`). Offsets count characters, which equal bytes for the
 * ASCII input that valid base64 consists of.
 */
export function checkBase64(text: string): Base64Result {
  let position = 0;
  let byteLength = 0;
  while (position < text.length) {
    let digits = 0;
    let padded = false;
    while (digits < 4) {
      if (position === text.length) {
        // Input ended inside a quantum: Go reports the quantum's start.
        if (digits === 0) return { ok: true, byteLength };
        return failure(position - digits);
      }
      const char = text[position];
      position += 1;
      if (char !== undefined && alphabet.test(char)) {
        digits += 1;
        continue;
      }
      if (isNewline(char)) continue;
      if (char !== '=' || digits < 2) return failure(position - 1);

      if (digits === 2) {
        // A quantum with two digits needs "==".
        while (position < text.length && isNewline(text[position])) position += 1;
        if (position === text.length) return failure(text.length);
        if (text[position] !== '=') return failure(position - 1);
        position += 1;
      }
      while (position < text.length && isNewline(text[position])) position += 1;
      if (position < text.length) return failure(position);
      padded = true;
      break;
    }
    // Four digits carry three bytes. A padded quantum of two or three digits carries one or two.
    byteLength += digits === 4 ? 3 : digits - 1;
    if (padded) return { ok: true, byteLength };
  }
  return { ok: true, byteLength };
}
