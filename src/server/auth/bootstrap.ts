import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { issueToken } from '../../store/issue-token.js';
import type { Store } from '../../store/store.js';
import { parseBearer, secretMatches } from '../../store/tokens.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';

/** Name of the file in the data directory that contains the first admin token. */
export const adminTokenFileName = 'admin.token';

/**
 * Writes a new token of an admin of every namespace to `<dataDir>/admin.token` (mode 0600) when
 * the file does not exist, so the first user of a server that requires tokens has one. An
 * existing file is kept even when its token no longer works, because an admin who deleted that
 * token meant to revoke it. The logged warning then recommends deleting the file. Returns the
 * file's path.
 */
export async function ensureAdminTokenFile(
  store: Store,
  clock: Clock,
  dataDir: string,
  logger: Logger,
): Promise<string> {
  const file = join(dataDir, adminTokenFileName);
  const existing = await readTokenFile(file);
  if (existing !== undefined) {
    if (!(await isValidToken(store, existing, clock.now()))) {
      logger.warn(
        { file },
        'the token in the admin token file is not valid; delete the file to have the next start write a new one',
      );
    }
    return file;
  }

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const issued = await issueToken(store, { role: 'admin' }, clock.now());
  try {
    // `wx` fails when another process created the file meanwhile, so no token is overwritten.
    await writeFile(file, `${issued.bearer}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    await store.deleteToken(issued.record.id);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return file;
    throw error;
  }
  logger.info({ file, token: issued.record.id }, 'wrote the admin token of every namespace');
  return file;
}

async function readTokenFile(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function isValidToken(store: Store, bearer: string, now: number): Promise<boolean> {
  const parsed = parseBearer(bearer);
  if (parsed === undefined) return false;
  const token = await store.findToken(parsed.id);
  if (token === undefined || !secretMatches(parsed.secret, token.secretHash)) return false;
  return token.expiresAt === undefined || token.expiresAt > now;
}
