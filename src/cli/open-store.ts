import { EncryptingStore } from '../store/encryption/encrypting-store.js';
import type { KeyRing } from '../store/encryption/keys.js';
import type { OpenStoreOptions } from '../store/open.js';
import {
  InvalidStoreUrlError,
  UnknownPostgresMigrationError,
  openStore,
  redactPassword,
} from '../store/open.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { CliError } from './errors.js';

/**
 * Opens the store of `serve` or `worker`, with Secrets encrypted by `keys`. A watch event of a
 * Secret that no key decrypts is logged at warn. Such ADDED and MODIFIED events are dropped, and
 * DELETED events arrive without the payload.
 */
export async function openCommandStore(
  options: OpenStoreOptions,
  keys: KeyRing,
  logger: Logger,
): Promise<EncryptingStore> {
  const store = await openBackend(options);
  return new EncryptingStore(store, keys, {
    onWatchDecryptionError: (error) =>
      logger.warn({ err: error }, 'Secret in a watch event not decrypted'),
  });
}

/**
 * Opens the database. A PostgreSQL connection failure becomes a CliError that names the store
 * (password redacted) and what to check, because the driver's message alone
 * (`connect ECONNREFUSED 127.0.0.1:5432`) does not say which setting it came from.
 */
async function openBackend(options: OpenStoreOptions): Promise<Store> {
  try {
    return await openStore(options);
  } catch (error) {
    if (!('url' in options) || options.url === undefined) throw error;
    // Errors of cronmesh itself (a newer schema, an invalid URL) already name the fix.
    if (error instanceof UnknownPostgresMigrationError || error instanceof InvalidStoreUrlError) {
      throw error;
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `could not open the PostgreSQL store ${redactPassword(options.url)}: ${reason}; ` +
        'check the host, port, database and credentials of --store or CRONMESH_STORE',
    );
  }
}
