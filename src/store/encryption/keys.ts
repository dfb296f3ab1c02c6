import { createHash } from 'node:crypto';

/** Bytes of an AES-256 key. */
export const keyByteLength = 32;

/** One AES-256-GCM key and the id that stored values name it by. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const keyIdPattern = /^[A-Za-z0-9_.-]{1,64}$/;
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;

/** A key list or key file entry that cannot be used. */
export class InvalidEncryptionKeyError extends Error {
  readonly code = 'InvalidEncryptionKey';

  constructor(
    /** Source of the keys, such as the file path or an environment variable name. */
    readonly source: string,
    /** 1-based line of the bad entry, or undefined for the whole source. */
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(
      `invalid encryption key in ${source}${line === undefined ? '' : `, line ${line}`}: ${detail}`,
    );
    this.name = new.target.name;
  }
}

/**
 * The keys a store encrypts and decrypts Secrets with. The first key (the primary key) encrypts
 * every write. Every key decrypts the values stored under its id, which is how a rotation keeps
 * old values readable until they are encrypted again.
 */
export class KeyRing {
  readonly primary: EncryptionKey;
  private readonly byId: ReadonlyMap<string, EncryptionKey>;

  constructor(keys: readonly EncryptionKey[]) {
    const primary = keys[0];
    if (primary === undefined) throw new RangeError('a key ring needs at least one key');
    const byId = new Map<string, EncryptionKey>();
    for (const key of keys) {
      if (key.key.length !== keyByteLength) {
        throw new RangeError(
          `key ${key.id} has ${key.key.length} bytes, expected ${keyByteLength}`,
        );
      }
      if (byId.has(key.id)) throw new RangeError(`key id ${key.id} is given twice`);
      byId.set(key.id, key);
    }
    this.primary = primary;
    this.byId = byId;
  }

  /** Returns the key with `id`, or undefined when the ring lacks it. */
  find(id: string): EncryptionKey | undefined {
    return this.byId.get(id);
  }

  /** The ids of every key, the primary key first. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }
}

/**
 * Returns the id of a key given without one: the first 8 hexadecimal digits of the SHA-256 hash
 * of its bytes. The same key gets the same id in every process, whether it comes from a file or
 * from the environment. The digits reveal nothing usable about a random 256-bit key.
 */
export function derivedKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Parses a key list: one key per line (or per comma), each `ID:BASE64` or a bare `BASE64`, whose
 * id is then derived from the key. BASE64 must decode to exactly 32 bytes. Blank lines and lines
 * starting with `#` are skipped. The first key is the primary key. Throws
 * InvalidEncryptionKeyError naming `source` and the line, never the key itself.
 */
export function parseEncryptionKeys(text: string, source: string): KeyRing {
  const keys: EncryptionKey[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const lineNumber = lines.length === 1 ? undefined : index + 1;
    if (rawLine.trim().startsWith('#')) continue;
    for (const rawEntry of rawLine.split(',')) {
      const entry = rawEntry.trim();
      if (entry === '') continue;
      const key = parseEntry(entry, source, lineNumber);
      if (seen.has(key.id)) {
        throw new InvalidEncryptionKeyError(
          source,
          lineNumber,
          `key id ${JSON.stringify(key.id)} is given twice; every key needs its own id`,
        );
      }
      keys.push(key);
      seen.add(key.id);
    }
  }
  if (keys.length === 0) {
    throw new InvalidEncryptionKeyError(
      source,
      undefined,
      'no key found; expected lines of ID:BASE64 or BASE64, where BASE64 encodes 32 random bytes',
    );
  }
  return new KeyRing(keys);
}

function parseEntry(entry: string, source: string, line: number | undefined): EncryptionKey {
  const colon = entry.indexOf(':');
  const id = colon === -1 ? undefined : entry.slice(0, colon).trim();
  const encoded = colon === -1 ? entry : entry.slice(colon + 1).trim();
  if (id !== undefined && !keyIdPattern.test(id)) {
    throw new InvalidEncryptionKeyError(
      source,
      line,
      `invalid key id ${JSON.stringify(id)}: expected 1 to 64 letters, digits, '_', '.' or '-'`,
    );
  }
  // The value is a key, so the message gives only its length, never its text.
  const key = base64Pattern.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (key === undefined || key.toString('base64') !== encoded || key.length !== keyByteLength) {
    throw new InvalidEncryptionKeyError(
      source,
      line,
      `the key${id === undefined ? '' : ` ${JSON.stringify(id)}`} is not the base64 encoding of ` +
        `${keyByteLength} bytes (found ${encoded.length} characters); ` +
        'create one with: openssl rand -base64 32',
    );
  }
  return { id: id ?? derivedKeyId(key), key };
}
