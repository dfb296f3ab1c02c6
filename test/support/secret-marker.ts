import { randomUUID } from 'node:crypto';

/** A unique text to put into a Secret, and the forms in which a leak of it would show. */
export interface SecretMarker {
  text: string;
  /** The base64 of `text`, the encoding of the values in a Secret's `data`. */
  base64: string;
}

export function secretMarker(): SecretMarker {
  const text = `marker-${randomUUID()}-q7`;
  return { text, base64: Buffer.from(text).toString('base64') };
}

/**
 * Returns the names of the forms of `marker` that `haystack` contains: `text`, `base64` (without
 * its padding, which a longer encoded text would not have at this place) and `base64url`.
 */
export function markerFormsIn(haystack: string, marker: SecretMarker): string[] {
  const forms: Record<string, string> = {
    text: marker.text,
    base64: marker.base64.replace(/=+$/, ''),
    base64url: Buffer.from(marker.text).toString('base64url'),
  };
  return Object.entries(forms)
    .filter(([, form]) => haystack.includes(form))
    .map(([name]) => name);
}
