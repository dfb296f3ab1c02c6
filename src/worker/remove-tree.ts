/**
 * Deletes directory trees that a job process may still change while they are deleted, such as
 * the volumes of an attempt whose processes outlived it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Deletes `path` and everything below it, and resolves when `path` does not exist. A symbolic
 * link, at `path` or below it, is removed and never followed.
 *
 * It runs GNU rm instead of fs.rm, because fs.rm walks the tree by path: a process that swaps
 * a subdirectory for a symbolic link between fs.rm's lstat and readdir makes it delete the
 * link's target. GNU rm walks with gnulib's fts through directory file descriptors and opens
 * each subdirectory with O_NOFOLLOW, so it never descends into a swapped-in link: it removes
 * the link or fails on it.
 * `--one-file-system` makes rm skip every directory on another file system than `path`, such
 * as a mount that a job left below a volume, and fail.
 *
 * NOTE: `--one-file-system` compares device numbers, so GNU coreutils 9.1 still deletes
 * through a bind mount of a directory from the same file system as `path`.
 *
 * Throws an Error with rm's error output when rm fails or is not GNU rm.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await run('rm', ['-rf', '--one-file-system', '--', path]);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    throw new Error(`removing ${path} failed: ${detail}`);
  }
}
