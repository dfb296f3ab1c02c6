import { randomBytes } from 'node:crypto';
import { access, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyRing } from '../store/encryption/keys.js';
import {
  InvalidEncryptionKeyError,
  keyByteLength,
  parseEncryptionKeys,
} from '../store/encryption/keys.js';
import type { Logger } from '../util/logger.js';
import { CliError } from './errors.js';

/** The environment variable that contains the keys when --encryption-key-file is absent. */
export const encryptionKeyVariable = 'CRONMESH_ENCRYPTION_KEY';

/** Name of the key file that `serve` creates in the SQLite data directory. */
export const generatedKeyFileName = 'encryption.key';

export interface EncryptionKeyOptions {
  /** Path from --encryption-key-file. */
  keyFile?: string;
  /** Value of CRONMESH_ENCRYPTION_KEY; an empty value counts as unset. */
  environmentValue?: string;
  /**
   * The SQLite data directory, where a key is created on first start when neither of the above
   * is set. Undefined for a PostgreSQL store, which then needs a configured key.
   */
  dataDir?: string;
}

/** The keys of a command and where they came from, for the start-up log line. */
interface LoadedKeys {
  keys: KeyRing;
  source: 'key-file' | 'environment' | 'data-dir';
  /** The key file read, unless the keys came from the environment. */
  path?: string;
  /** Whether the key file in the data directory was created by this start. */
  created: boolean;
}

/**
 * Returns the Secret encryption keys: those of --encryption-key-file, else of
 * CRONMESH_ENCRYPTION_KEY, else of `<dataDir>/encryption.key`, which is created with a new random
 * key and mode 0600 when missing. Logs where they came from and their ids. Throws CliError for
 * an unreadable or invalid key, and for a PostgreSQL store without a configured key, because
 * its replicas and workers must share one.
 */
export async function loadEncryptionKeys(
  options: EncryptionKeyOptions,
  logger: Logger,
): Promise<KeyRing> {
  const loaded = await readKeys(options);
  logger.info(
    { source: loaded.source, path: loaded.path, keyIds: loaded.keys.ids },
    loaded.created ? 'Secret encryption key created' : 'Secret encryption keys loaded',
  );
  return loaded.keys;
}

async function readKeys(options: EncryptionKeyOptions): Promise<LoadedKeys> {
  if (options.keyFile !== undefined) {
    const keys = parseOrExplain(await readKeyFile(options.keyFile), options.keyFile);
    return { keys, source: 'key-file', path: options.keyFile, created: false };
  }
  if (options.environmentValue !== undefined && options.environmentValue !== '') {
    const keys = parseOrExplain(options.environmentValue, encryptionKeyVariable);
    return { keys, source: 'environment', created: false };
  }
  if (options.dataDir === undefined) {
    throw new CliError(
      'missing encryption key: with a PostgreSQL store, every cronmesh serve replica and worker ' +
        'must encrypt Secrets with the same key. Pass --encryption-key-file PATH or set ' +
        `${encryptionKeyVariable}, for example to the output of: openssl rand -base64 32`,
    );
  }
  const path = join(options.dataDir, generatedKeyFileName);
  const created = (await isMissing(path)) && (await createKeyFile(options.dataDir, path));
  const keys = parseOrExplain(await readKeyFile(path), path);
  return { keys, source: 'data-dir', path, created };
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new CliError(`the encryption key file ${JSON.stringify(path)} does not exist`);
    }
    if (code === 'EACCES') {
      throw new CliError(
        `cannot read the encryption key file ${JSON.stringify(path)}: permission denied`,
      );
    }
    throw error;
  }
}

function parseOrExplain(text: string, source: string): KeyRing {
  try {
    return parseEncryptionKeys(text, source);
  } catch (error) {
    if (error instanceof InvalidEncryptionKeyError) throw new CliError(error.message);
    throw error;
  }
}

async function isMissing(path: string): Promise<boolean> {
  try {
    await access(path);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
}

/**
 * Creates the key file with a new random key and returns true, or returns false when another
 * process created it first. The key is written to a private temporary file and then linked into
 * place, so a process that starts at the same moment never reads a half-written file.
 */
async function createKeyFile(dataDir: string, path: string): Promise<boolean> {
  await mkdir(dataDir, { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const text =
    '# The key that encrypts the Secrets in cronmesh.db. Without it they cannot be read, so\n' +
    '# back it up, but not beside the database. Format: one [ID:]BASE64 key per line, and the\n' +
    '# first one encrypts.\n' +
    `${randomBytes(keyByteLength).toString('base64')}\n`;
  await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
}
