/**
 * Finds the cgroup directories of the cronmesh process from /proc/self/mountinfo and
 * /proc/self/cgroup, for cgroup v2 (one unified hierarchy) or the v1 `memory` and `cpu`
 * hierarchies.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The process's own cgroup directories, under which per-run groups are created. */
export type CgroupLocation =
  { version: 1; memoryDir: string; cpuDir: string } | { version: 2; dir: string };

/** One cgroup filesystem from /proc/self/mountinfo. */
export interface CgroupMount {
  /** Path inside the hierarchy that is mounted, `/` unless a cgroup namespace hides the rest. */
  root: string;
  mountPoint: string;
  version: 1 | 2;
  /** Controllers of a v1 hierarchy, from its super options, such as `cpu` and `cpuacct`. */
  controllers: string[];
}

/** Line of /proc/self/cgroup: the hierarchy id, its v1 controllers, and the process's path. */
export interface CgroupMembership {
  hierarchyId: number;
  controllers: string[];
  path: string;
}

/** Decodes the octal escapes (`\040` for a space) that mountinfo uses in paths. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_match, octal: string) =>
    String.fromCharCode(parseInt(octal, 8)),
  );
}

/** Parses the cgroup and cgroup2 mounts of a mountinfo text (proc(5)). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const separator = line.indexOf(' - ');
    if (separator === -1) continue;
    const before = line.slice(0, separator).split(' ');
    const after = line.slice(separator + 3).split(' ');
    const fsType = after[0];
    const root = before[3];
    const mountPoint = before[4];
    if (root === undefined || mountPoint === undefined) continue;
    if (fsType === 'cgroup2') {
      mounts.push({
        root: unescapeMountPath(root),
        mountPoint: unescapeMountPath(mountPoint),
        version: 2,
        controllers: [],
      });
    } else if (fsType === 'cgroup') {
      mounts.push({
        root: unescapeMountPath(root),
        mountPoint: unescapeMountPath(mountPoint),
        version: 1,
        controllers: (after[2] ?? '').split(','),
      });
    }
  }
  return mounts;
}

/** Parses /proc/self/cgroup (cgroups(7)). */
export function parseCgroupMemberships(text: string): CgroupMembership[] {
  const memberships: CgroupMembership[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    memberships.push({
      hierarchyId: Number(match[1]),
      controllers: match[2] === '' ? [] : (match[2] ?? '').split(','),
      path: match[3] ?? '/',
    });
  }
  return memberships;
}

/**
 * Returns the directory of cgroup `path` under `mount`, or undefined when the path lies outside
 * the mounted part of the hierarchy.
 */
function directoryOf(mount: CgroupMount, path: string): string | undefined {
  let relative = path;
  if (mount.root !== '/') {
    if (path !== mount.root && !path.startsWith(`${mount.root}/`)) return undefined;
    relative = path.slice(mount.root.length);
  }
  // join keeps the trailing slash of `/`, the root group's path.
  return join(mount.mountPoint, relative).replace(/(.)\/$/, '$1');
}

/**
 * Returns where the process's cgroups are, preferring cgroup v2 when its hierarchy offers both
 * the memory and cpu controllers, else the v1 memory and cpu hierarchies. Returns a reason
 * string when neither is usable. `controllersOf` reads a v2 directory's `cgroup.controllers`.
 */
export function locateCgroups(
  mounts: readonly CgroupMount[],
  memberships: readonly CgroupMembership[],
  controllersOf: (dir: string) => string[],
): CgroupLocation | string {
  const unified = memberships.find((entry) => entry.hierarchyId === 0);
  const v2Mount = mounts.find((mount) => mount.version === 2);
  let v2Problem: string | undefined;
  if (unified !== undefined && v2Mount !== undefined) {
    const dir = directoryOf(v2Mount, unified.path);
    const available = dir === undefined ? [] : controllersOf(dir);
    if (dir !== undefined && available.includes('memory') && available.includes('cpu')) {
      return { version: 2, dir };
    }
    v2Problem = `the cgroup v2 hierarchy at ${v2Mount.mountPoint} does not offer the memory and cpu controllers`;
  }

  const v1Dir = (controller: string): string | undefined => {
    const mount = mounts.find(
      (entry) => entry.version === 1 && entry.controllers.includes(controller),
    );
    const member = memberships.find((entry) => entry.controllers.includes(controller));
    if (mount === undefined || member === undefined) return undefined;
    return directoryOf(mount, member.path);
  };
  const memoryDir = v1Dir('memory');
  const cpuDir = v1Dir('cpu');
  if (memoryDir !== undefined && cpuDir !== undefined) return { version: 1, memoryDir, cpuDir };
  return (
    v2Problem ?? 'no cgroup v2 hierarchy and no cgroup v1 memory and cpu hierarchies are mounted'
  );
}

/** Reads /proc/self to find the process's cgroups; returns a reason string when there are none. */
export function detectCgroups(): CgroupLocation | string {
  let mountinfo: string;
  let membership: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    membership = readFileSync('/proc/self/cgroup', 'utf8');
  } catch (error) {
    return `reading /proc/self failed: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
  return locateCgroups(parseCgroupMounts(mountinfo), parseCgroupMemberships(membership), (dir) => {
    try {
      return readFileSync(join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
    } catch {
      return [];
    }
  });
}
