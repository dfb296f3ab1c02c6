/**
 * Removes the attempt volume directories that killed workers left in the volumes parent
 * directory, with their tmpfs mounts and the Secret files on them. A worker calls it at start.
 * Several workers may share the host and the directory, so only directories whose owner
 * process is dead are removed (see volume-owner.ts).
 */
import { readFile, lstat, readdir, realpath, rename } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from '../util/logger.js';
import { removeTree } from './remove-tree.js';
import {
  currentProcessIdentity,
  parseOwnedEntryName,
  readBootTimeMs,
  readOwnerState,
  removalName,
  type OwnedEntryName,
  type OwnerObserver,
  type OwnerState,
  type ProcessIdentity,
} from './volume-owner.js';
import { unmount } from './volumes.js';

export interface LeftoverVolumesOptions {
  /** The volumes parent directory, volumesParentDirectory() outside tests. */
  parent: string;
  logger: Logger;
}

/**
 * Removes every attempt directory in `parent` whose owner process is dead. It unmounts the
 * tmpfs mounts below the directory, deepest first, and then deletes it with removeTree. That
 * removes symbolic links without following them and stops at mounts of other file systems.
 *
 * It keeps the directories of live processes, of processes in another PID namespace, and of
 * other boot ids changed during this boot, and every entry whose name records no owner. When
 * this process's own identity cannot be read, it keeps every entry. Never rejects: it logs
 * `leftover attempt volumes removed` at info for each removed directory and
 * `leftover attempt volumes not removed` at warn, with the error, for each one it could not
 * remove.
 *
 * Service account token directories record their owner the same way and are removed alike.
 */
export async function removeLeftoverVolumes(options: LeftoverVolumesOptions): Promise<void> {
  const { parent, logger } = options;
  let entries: Awaited<ReturnType<typeof readOwnedEntries>>;
  let observer: OwnerObserver | undefined;
  try {
    entries = await readOwnedEntries(parent);
    const identity = await currentProcessIdentity(logger);
    if (identity !== undefined) observer = { identity, bootTimeMs: await readBootTimeMs() };
  } catch (error) {
    logger.warn({ path: parent, err: error }, 'leftover attempt volumes not removed');
    return;
  }

  for (const { name, owned, isDirectory } of entries) {
    const path = join(parent, name);
    const fields = {
      pod: owned.podUid,
      ownerPid: owned.creator.pid,
      ...(owned.remover === undefined ? {} : { removerPid: owned.remover.pid }),
      path,
    };
    try {
      if (!isDirectory) {
        throw new Error(
          `${path} is not a directory, so it was left in place for an operator to remove`,
        );
      }
      const state = await readEntryOwnerState(path, owned, observer);
      if (state === undefined) continue;
      if (state === 'unknown') {
        logger.debug(fields, 'attempt volumes kept because their owner cannot be checked');
        continue;
      }
      if (state !== 'dead' || observer === undefined) continue;
      const removed = await claimAndRemove(parent, name, owned, observer.identity);
      if (removed) logger.info(fields, 'leftover attempt volumes removed');
    } catch (error) {
      logger.warn({ ...fields, err: error }, 'leftover attempt volumes not removed');
    }
  }
}

/**
 * Returns the liveness of the current owner of the entry at `path`: the remover of a
 * `removing-` entry, else the creator. Returns 'unknown' without an observer, and undefined
 * when the entry no longer exists because another worker claimed it.
 */
async function readEntryOwnerState(
  path: string,
  owned: OwnedEntryName,
  observer: OwnerObserver | undefined,
): Promise<OwnerState | undefined> {
  if (observer === undefined) return 'unknown';
  const stats = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats === undefined) return undefined;
  return readOwnerState(owned.remover ?? owned.creator, stats.mtimeMs, observer);
}

/**
 * Returns the entries of `parent` whose names record an owner, or none when `parent` does not
 * exist. Throws when `parent` is a symbolic link or not a directory of this process's user.
 */
async function readOwnedEntries(
  parent: string,
): Promise<Array<{ name: string; owned: OwnedEntryName; isDirectory: boolean }>> {
  const stats = await lstat(parent).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (stats === undefined) return [];
  const uid = process.getuid?.();
  if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) {
    throw new Error(
      `${parent} is not a directory owned by cronmesh's user (uid ${uid ?? 'unknown'})`,
    );
  }
  const owned = [];
  for (const entry of await readdir(parent, { withFileTypes: true })) {
    const parsed = parseOwnedEntryName(entry.name);
    // The file type comes from the directory entry itself, so a symbolic link is not followed.
    if (parsed !== undefined) {
      owned.push({ name: entry.name, owned: parsed, isDirectory: entry.isDirectory() });
    }
  }
  return owned;
}

/**
 * Renames the entry `name` to this process's removal name, then unmounts and deletes it.
 * Returns false when another process renamed it first. Throws, leaving the directory in
 * place, when a mount below it stays mounted, because deleting through a mount would delete
 * the mounted files.
 */
async function claimAndRemove(
  parent: string,
  name: string,
  owned: OwnedEntryName,
  self: ProcessIdentity,
): Promise<boolean> {
  const claimed = join(parent, removalName(owned.attemptName, self));
  try {
    // rename(2) moves a symbolic link itself, and a directory together with the mounts below it.
    await rename(join(parent, name), claimed);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (!(await lstat(claimed)).isDirectory()) {
    throw new Error(
      `${claimed} is not a directory, so it was left in place for an operator to remove`,
    );
  }

  // /proc/self/mountinfo lists paths without symbolic links, so the prefix must be resolved too.
  const root = await realpath(claimed);
  const mountPoints = await readMountPointsBelow(root);
  for (const mountPoint of mountPoints) {
    await checkNoSymbolicLinks(root, mountPoint);
    const problem = await unmount(mountPoint);
    if (problem !== undefined) throw new Error(problem);
  }
  const remaining = await readMountPointsBelow(root);
  if (remaining.length > 0) {
    throw new Error(
      `${remaining.join(', ')} is still mounted, so ${claimed} was left in place for an operator to unmount and remove`,
    );
  }
  await removeTree(claimed);
  return true;
}

/**
 * Returns the mount points below `root` in this process's mount namespace, deepest first,
 * from /proc/self/mountinfo. A mount point that carries several mounts appears once per mount.
 */
async function readMountPointsBelow(root: string): Promise<string[]> {
  const mountInfo = await readFile('/proc/self/mountinfo', 'utf8');
  const mountPoints: string[] = [];
  for (const line of mountInfo.split('\n')) {
    // Field 5 is the mount point, in which the kernel writes space, tab, newline and backslash
    // as three-digit octal escapes.
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const mountPoint = field.replace(/\\([0-7]{3})/g, (_, octal: string) =>
      String.fromCharCode(parseInt(octal, 8)),
    );
    if (mountPoint.startsWith(`${root}${sep}`)) mountPoints.push(mountPoint);
  }
  const depth = (path: string): number => path.split(sep).length;
  return mountPoints.sort((a, b) => depth(b) - depth(a));
}

/**
 * Throws when a path element between `root` and `mountPoint` is not a directory, such as a
 * symbolic link that replaced a directory after mountinfo was read. umount(8) would follow it
 * and unmount whatever it points to.
 */
async function checkNoSymbolicLinks(root: string, mountPoint: string): Promise<void> {
  let path = root;
  for (const element of relative(root, mountPoint).split(sep)) {
    path = join(path, element);
    if (!(await lstat(path)).isDirectory()) {
      throw new Error(`${path} is not a directory, so ${mountPoint} was not unmounted`);
    }
  }
}
