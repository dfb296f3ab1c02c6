/**
 * The stored form of an encrypted value: `enc:v1:KEY_ID:BASE64`, where BASE64 encodes the 12-byte
 * nonce, the AES-256-GCM ciphertext and the 16-byte authentication tag, in that order.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey, KeyRing } from './keys.js';

const prefix = 'enc:v1:';
const algorithm = 'aes-256-gcm';
/** 96 bits, the nonce length that GCM is specified for (NIST SP 800-38D). */
const nonceBytes = 12;
const tagBytes = 16;

/** Cause of a failure to decrypt a stored value. */
export type DecryptionFailure = 'malformed' | 'unknown-key' | 'authentication-failed';

/** A stored value that cannot be decrypted; it names the value's owner, never the plaintext. */
export class DecryptionError extends Error {
  readonly code = 'DecryptionFailed';

  constructor(
    /** The owner of the value, such as `Secret default/credentials`. */
    readonly subject: string,
    readonly failure: DecryptionFailure,
    /** The key id the value names, when it could be read. */
    readonly keyId: string | undefined,
    detail: string,
  ) {
    super(`decrypting ${subject} failed: ${detail}`);
    this.name = new.target.name;
  }
}

/**
 * Encrypts `plaintext` with `key` under a fresh random nonce. `associatedData` is authenticated but
 * not stored, so the value decrypts only with the same associated data.
 */
export function seal(plaintext: string, key: EncryptionKey, associatedData: string): string {
  const nonce = randomBytes(nonceBytes);
  const cipher = createCipheriv(algorithm, key.key, nonce, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const sealed = Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
  return `${prefix}${key.id}:${sealed.toString('base64')}`;
}

/** Returns the key id of a sealed value, or undefined when `value` is not one. */
export function sealedKeyId(value: string): string | undefined {
  if (!value.startsWith(prefix)) return undefined;
  const colon = value.indexOf(':', prefix.length);
  return colon === -1 ? undefined : value.slice(prefix.length, colon);
}

/**
 * Decrypts a value that `seal` returned. Throws DecryptionError naming `subject` when the value is
 * malformed, its key is not in `keys`, or authentication fails: the value, the associated data or
 * the key differ from those it was sealed with.
 */
export function open(
  value: string,
  keys: KeyRing,
  associatedData: string,
  subject: string,
): string {
  const keyId = sealedKeyId(value);
  if (keyId === undefined) {
    throw new DecryptionError(
      subject,
      'malformed',
      undefined,
      `the stored value does not start with ${prefix}KEY_ID:`,
    );
  }
  const key = keys.find(keyId);
  if (key === undefined) {
    throw new DecryptionError(
      subject,
      'unknown-key',
      keyId,
      `it is encrypted with key ${JSON.stringify(keyId)}, which is not among the configured keys ` +
        `(${keys.ids.map((id) => JSON.stringify(id)).join(', ')}); add that key to ` +
        '--encryption-key-file or CRONMESH_ENCRYPTION_KEY after the primary key',
    );
  }
  const sealed = Buffer.from(value.slice(prefix.length + keyId.length + 1), 'base64');
  if (sealed.length < nonceBytes + tagBytes) {
    throw new DecryptionError(
      subject,
      'malformed',
      keyId,
      `the stored value has ${sealed.length} bytes, fewer than the ${nonceBytes + tagBytes} of a nonce and a tag`,
    );
  }
  const decipher = createDecipheriv(algorithm, key.key, sealed.subarray(0, nonceBytes), {
    authTagLength: tagBytes,
  });
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
  try {
    const ciphertext = sealed.subarray(nonceBytes, sealed.length - tagBytes);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // OpenSSL reports only "Unsupported state or unable to authenticate data".
    throw new DecryptionError(
      subject,
      'authentication-failed',
      keyId,
      `authentication with key ${JSON.stringify(keyId)} failed: the stored value was changed, ` +
        'moved from another object, or encrypted with a different key of the same id',
    );
  }
}
