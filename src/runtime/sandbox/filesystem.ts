/**
 * The bwrap(1) arguments that build a container's filesystem view. The host's root is bound
 * read-only or read-write. When a mountPath must be created at the top level, the root is a
 * tmpfs with the host's top-level entries bound instead. Then come a private /proc and /dev, the
 * volumes at their mountPaths, and an empty tmpfs over the host directory of all volumes.
 */
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

/** A volume mount whose source has been opened and checked to lie inside its volume. */
export interface CheckedMount {
  /** Host path of the opened source. */
  source: string;
  target: string;
  readOnly: boolean;
  /** Position of the source's descriptor among those the confinement passes to bwrap. */
  descriptorIndex: number;
}

/** Top-level entries that the sandbox replaces with its own mounts. */
const replacedRootEntries = new Set(['proc', 'dev', 'sys']);

/**
 * Host directory under which the worker creates each attempt's volumes. Containers never see
 * it, because it may hold other attempts' Secret files.
 */
export function volumesParentDirectory(): string {
  return join(tmpdir(), 'cronmesh-volumes');
}

/**
 * Creates the volumes parent directory with mode 0700, or checks the existing one, and
 * returns its path. `$TMPDIR` is usually world-writable, so a job that ran before the first
 * volume was set up could have created the path itself, as a symbolic link or a directory it
 * owns, and then redirected the files cronmesh writes there. Throws when the path is not a
 * directory owned by cronmesh's user.
 */
export function ensureVolumesParentDirectory(): string {
  const parent = volumesParentDirectory();
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const stats = lstatSync(parent);
  const uid = process.getuid?.();
  if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) {
    throw new Error(
      `${parent} is not a directory owned by cronmesh's user (uid ${uid ?? 'unknown'}); ` +
        'stop every job, remove it, and start the worker again',
    );
  }
  if ((stats.mode & 0o777) !== 0o700) chmodSync(parent, 0o700);
  return parent;
}

/**
 * Returns the filesystem arguments of bwrap. The descriptor of each mount's source is
 * `firstFd` plus its `descriptorIndex`.
 */
export function buildFilesystemArgs(
  mounts: readonly CheckedMount[],
  readOnlyRoot: boolean,
  firstFd: number,
): string[] {
  const bind = readOnlyRoot ? '--ro-bind' : '--bind';
  const args: string[] = [];
  const sorted = canonicalTargets(mounts).sort((a, b) => depth(a.target) - depth(b.target));
  if (needsOwnRoot(sorted)) {
    // The root is bwrap's tmpfs, so a missing top-level mountPath is created there.
    for (const entry of readdirSync('/', { withFileTypes: true })) {
      if (replacedRootEntries.has(entry.name)) continue;
      args.push(...mirrorEntryArgs(`/${entry.name}`, entry.isSymbolicLink(), bind));
    }
  } else {
    // One recursive bind of the host's root, because the kernel sets up and tears down each
    // mount of a new mount namespace in turn. With the top-level entries bound one by one
    // (about 20), bwrap ran about 135 times per second on a loaded 2-CPU machine, 8 at a time.
    // With this single bind it ran about 205 times.
    args.push(bind, '/', '/');
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  if (existsSync('/sys')) args.push('--ro-bind', '/sys', '/sys');

  // bwrap creates a missing mountPath, which it cannot do inside a read-only bind of a host
  // directory, and which must never create anything on the host. So the nearest existing
  // ancestor of such a mountPath becomes a tmpfs that contains binds of the host's entries.
  const mirrored = mirrorDirectories(sorted);
  for (const directory of mirrored) {
    args.push('--tmpfs', directory);
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      args.push(...mirrorEntryArgs(join(directory, entry.name), entry.isSymbolicLink(), bind));
    }
  }

  // After the mirrors, because a mirror of an ancestor such as /tmp binds the host's entry.
  const hidden = volumesParentDirectory();
  args.push('--tmpfs', hidden);

  for (const mount of sorted) {
    // bwrap creates missing parents with mode 0700, which would lock out a runAsUser.
    for (const parent of missingParents(mount, sorted))
      args.push('--perms', '0755', '--dir', parent);
    const fd = String(firstFd + mount.descriptorIndex);
    args.push(mount.readOnly ? '--ro-bind-fd' : '--bind-fd', fd, mount.target);
  }
  if (readOnlyRoot) {
    args.push('--remount-ro', '/');
    for (const directory of [...mirrored, hidden]) args.push('--remount-ro', directory);
  }
  return args;
}

/**
 * Replaces symbolic links in the host part of each mountPath by their targets, such as
 * `/var/run/x` by `/run/x` where `/var/run` links to `/run`. bwrap would resolve an absolute
 * link outside the new root, and the sandbox shows the host's links unchanged, so the host's
 * resolution is the sandbox's. A mountPath inside another mount keeps its path.
 */
function canonicalTargets(mounts: readonly CheckedMount[]): CheckedMount[] {
  return mounts.map((mount) => {
    const inner = mounts.some((other) => other !== mount && isInside(mount.target, other.target));
    if (inner) return mount;
    let existing = mount.target;
    while (existing !== '/' && !existsSync(existing)) existing = dirname(existing);
    const rest = mount.target.slice(existing === '/' ? 0 : existing.length);
    const resolved = realpathSync(existing);
    return { ...mount, target: resolved === '/' ? rest || '/' : `${resolved}${rest}` };
  });
}

/**
 * Returns, shallowest first, the parents of a mountPath that the sandbox lacks: those below
 * the innermost enclosing mount, or else those missing on the host.
 */
function missingParents(mount: CheckedMount, mounts: readonly CheckedMount[]): string[] {
  const enclosing = mounts
    .filter((other) => other !== mount && isInside(mount.target, other.target))
    .map((other) => other.target)
    .sort((a, b) => depth(b) - depth(a))[0];
  const parents: string[] = [];
  for (let parent = dirname(mount.target); parent !== '/'; parent = dirname(parent)) {
    if (parent === enclosing) break;
    if (enclosing === undefined && existsSync(parent) && !isBuiltBySandbox(parent)) break;
    parents.unshift(parent);
  }
  return parents;
}

function mirrorEntryArgs(path: string, isSymbolicLink: boolean, bind: string): string[] {
  return isSymbolicLink ? ['--symlink', readlinkSync(path), path] : [bind, path, path];
}

/**
 * Returns, shallowest first, the host directories to rebuild as tmpfs so that every missing
 * mountPath can be created. A mountPath inside another mount needs none, because bwrap
 * creates it inside that volume's directory, and one whose nearest existing ancestor is `/`
 * needs none, because the sandbox's root is a tmpfs already.
 */
function mirrorDirectories(mounts: readonly CheckedMount[]): string[] {
  const directories: string[] = [];
  for (const mount of mounts) {
    const ancestor = nearestExistingAncestor(mount, mounts);
    if (ancestor === undefined || ancestor === '/' || isBuiltBySandbox(ancestor)) continue;
    if (!directories.includes(ancestor)) directories.push(ancestor);
  }
  return directories.sort((a, b) => depth(a) - depth(b));
}

/**
 * Returns the nearest existing ancestor of a missing mountPath that bwrap must create outside
 * every other mount, or undefined for a mountPath that exists or lies inside another mount.
 */
function nearestExistingAncestor(
  mount: CheckedMount,
  mounts: readonly CheckedMount[],
): string | undefined {
  const inner = mounts.some((other) => other !== mount && isInside(mount.target, other.target));
  if (inner || existsSync(mount.target)) return undefined;
  let ancestor = dirname(mount.target);
  while (ancestor !== '/' && !existsSync(ancestor)) ancestor = dirname(ancestor);
  return ancestor;
}

/**
 * Tells whether a missing mountPath has `/` as its nearest existing ancestor. bwrap would
 * create it in the root, which must then be the sandbox's own tmpfs rather than the host's.
 */
function needsOwnRoot(mounts: readonly CheckedMount[]): boolean {
  return mounts.some((mount) => nearestExistingAncestor(mount, mounts) === '/');
}

/**
 * Tells whether `path` lies in a tmpfs the sandbox creates itself, /dev or the hidden volumes
 * directory, where the host's entries must never be bound and bwrap can create what is missing.
 */
function isBuiltBySandbox(path: string): boolean {
  return ['/dev', volumesParentDirectory()].some(
    (directory) => path === directory || isInside(path, directory),
  );
}

/**
 * Returns why a mountPath is not allowed, or undefined. Under /proc and /sys a missing
 * mountPath could only be created by rebuilding the directory from the host's entries. That
 * would show the host's processes or make its kernel settings writable. runc also rejects
 * mounts below /proc.
 */
export function describeForbiddenTarget(target: string): string | undefined {
  const normalized = posix.normalize(target);
  for (const directory of ['/proc', '/sys']) {
    if (normalized === directory || isInside(normalized, directory)) {
      return `the sandbox mounts its own ${directory}, so no volume may be mounted at or below it`;
    }
  }
  return undefined;
}

function isInside(path: string, directory: string): boolean {
  return directory === '/' || path.startsWith(`${directory}/`);
}

function depth(path: string): number {
  return path.split('/').filter((part) => part !== '').length;
}
