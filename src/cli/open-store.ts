import type { OpenStoreOptions } from '../store/open.js';
import {
  InvalidStoreUrlError,
  UnknownPostgresMigrationError,
  openStore,
  redactPassword,
} from '../store/open.js';
import type { Store } from '../store/store.js';
import { CliError } from './errors.js';

/**
 * Opens the store of `serve` or `worker`. A PostgreSQL connection failure becomes a CliError
 * that names the store (password redacted) and what to check, because the driver's message
 * alone (`connect ECONNREFUSED 127.0.0.1:5432`) does not say which setting it came from.
 */
export async function openCommandStore(options: OpenStoreOptions): Promise<Store> {
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
