import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { ConfinementError } from '../confinement.js';
import { describeSpawnFailure } from '../exit-status.js';
import type { CheckedMount } from './filesystem.js';

/**
 * Resolves a container's executable against its PATH as the sandbox will see the filesystem,
 * and returns its absolute path inside the sandbox. Inside bwrap a missing command would only
 * make bwrap exit with its own error, so this throws ConfinementError with the message and
 * reason (ContainerCannotRun) that a failed spawn gets without a sandbox.
 */
export function resolveSandboxCommand(
  containerName: string,
  file: string,
  searchPath: string,
  workingDir: string,
  mounts: readonly CheckedMount[],
): string {
  const candidates = file.includes('/')
    ? [posix.resolve(workingDir, file)]
    : searchPath
        .split(':')
        .filter((directory) => directory !== '')
        .map((directory) => posix.resolve(workingDir, directory, file));

  let denied = false;
  for (const candidate of candidates) {
    const kind = executableKind(hostPathOf(candidate, mounts));
    if (kind === 'executable') return candidate;
    if (kind === 'not-executable') denied = true;
  }
  const code = denied ? 'EACCES' : 'ENOENT';
  const error = Object.assign(new Error(code), { code });
  const failure = describeSpawnFailure(containerName, file, error, searchPath, workingDir);
  throw new ConfinementError('ContainerCannotRun', failure.message);
}

/** Maps a path inside the sandbox to the host path behind it, in a volume or in the host's own tree. */
export function hostPathOf(path: string, mounts: readonly CheckedMount[]): string {
  let best: CheckedMount | undefined;
  for (const mount of mounts) {
    const inside = path === mount.target || path.startsWith(`${mount.target}/`);
    if (inside && (best === undefined || mount.target.length > best.target.length)) best = mount;
  }
  if (best === undefined) return path;
  return best.source + path.slice(best.target.length);
}

function executableKind(path: string): 'executable' | 'not-executable' | 'missing' {
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return 'missing';
    return (stats.mode & 0o111) === 0 ? 'not-executable' : 'executable';
  } catch {
    return 'missing';
  }
}
