import { readFileSync } from 'node:fs';
import type { EffectiveSecurityContext } from '../../api/security-context.js';

/** The user, primary group and supplementary groups a container process runs with. */
export interface ProcessIdentity {
  uid: number;
  gid: number;
  /** Supplementary groups, sorted and without duplicates. */
  groups: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Returns the identity of a container process. Without runAsUser it runs as cronmesh's own
 * user, the counterpart of an image's USER. As in containerd, a runAsUser without runAsGroup
 * takes the primary group of that uid from /etc/passwd, or group 0 when the uid has no entry.
 * The supplementary groups are fsGroup and supplementalGroups and, unless
 * supplementalGroupsPolicy is Strict, the groups /etc/group lists the user's name in.
 */
export function resolveIdentity(
  security: EffectiveSecurityContext,
  files: { passwd: string; group: string } = readAccountFiles(),
): ProcessIdentity {
  const uid = security.runAsUser ?? currentUid();
  const entry = parsePasswd(files.passwd).find((candidate) => candidate.uid === uid);
  const defaultGid = security.runAsUser === undefined ? currentGid() : (entry?.gid ?? 0);
  const gid = security.runAsGroup ?? defaultGid;

  const groups = new Set<number>(security.supplementalGroups ?? []);
  if (security.fsGroup !== undefined) groups.add(security.fsGroup);
  if (security.supplementalGroupsPolicy !== 'Strict' && entry !== undefined) {
    for (const group of memberGroups(files.group, entry.name)) groups.add(group);
  }
  groups.delete(gid);
  return { uid, gid, groups: [...groups].sort((a, b) => a - b) };
}

function readAccountFiles(): { passwd: string; group: string } {
  return { passwd: readOptional('/etc/passwd'), group: readOptional('/etc/group') };
}

function readOptional(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) continue;
    entries.push({ name, uid: Number(uid), gid: Number(gid) });
  }
  return entries;
}

/** Returns the ids of the groups whose member list (the fourth field) contains `user`. */
function memberGroups(text: string, user: string): number[] {
  const ids: number[] = [];
  for (const line of text.split('\n')) {
    const [, , gid, members] = line.split(':');
    if (gid === undefined || !/^\d+$/.test(gid) || members === undefined) continue;
    if (members.split(',').includes(user)) ids.push(Number(gid));
  }
  return ids;
}

/** Returns cronmesh's own uid. */
export function currentUid(): number {
  return process.getuid?.() ?? 0;
}

/** Returns cronmesh's own gid. */
export function currentGid(): number {
  return process.getgid?.() ?? 0;
}
