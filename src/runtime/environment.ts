import { userInfo } from 'node:os';

/**
 * PATH given to a container whose env has none. containerd uses the same default
 * (`defaultUnixEnv`) for a container whose image sets no PATH.
 */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Builds the environment of a container process: exactly `env`, plus PATH and HOME when
 * `env` lacks them. Nothing is inherited from cronmesh's own environment.
 *
 * HOME defaults to the home directory of the OS user that runs cronmesh, read from the
 * user database, or `/` when that user has none. runc sets a missing HOME the same way,
 * from the container's /etc/passwd with `/` as the fallback. Node resolves a command without a slash against the resulting
 * PATH, as a container runtime resolves it against the container's PATH.
 */
export function buildProcessEnvironment(env: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = { ...env };
  if (!('PATH' in result)) result.PATH = DEFAULT_PATH;
  if (!('HOME' in result)) result.HOME = defaultHomeDirectory();
  return result;
}

let cachedHome: string | undefined;

/** Returns the home directory of the current OS user, or `/` when it has none. */
export function defaultHomeDirectory(): string {
  if (cachedHome === undefined) {
    cachedHome = readHomeDirectory();
  }
  return cachedHome;
}

function readHomeDirectory(): string {
  try {
    const home = userInfo().homedir;
    return home === '' ? '/' : home;
  } catch (error) {
    // userInfo() raises a SystemError when the uid has no entry in the user database.
    if (error instanceof Error && 'code' in error && error.code === 'ERR_SYSTEM_ERROR') {
      return '/';
    }
    throw error;
  }
}
