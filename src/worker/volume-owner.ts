/**
 * Identifies the process that owns an attempt's volume directory, so that a worker starting
 * later can tell a live owner from a dead one. A PID alone is not enough, because Linux reuses
 * PIDs. So the owner is the PID plus the process's start time from /proc/PID/stat, within one
 * PID namespace and one boot of the kernel.
 */
import { readFile, readlink } from 'node:fs/promises';

/** The identity of a process, as written into the names of the directories it owns. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/PID/stat: clock ticks from boot to the process's start. */
  startTime: string;
  /** Inode number of the process's PID namespace, from /proc/PID/ns/pid. */
  pidNamespace: string;
  /** /proc/sys/kernel/random/boot_id without dashes, which changes at every boot. */
  bootId: string;
}

/** The liveness of a directory's owner, as seen by the process that reads its identity. */
export type OwnerState =
  /** The owner is the reading process itself. */
  | 'self'
  /** The owner still runs. */
  | 'alive'
  /** The owner ran in an earlier boot, no longer exists, or its PID now names another process. */
  | 'dead'
  /** The owner ran in another PID namespace, whose PIDs this process cannot look up. */
  | 'unknown';

/** The token form of an identity: `PID.STARTTIME.PIDNAMESPACE.BOOTID`, all digits or hex. */
const ownerTokenPattern = /^(\d+)\.(\d+)\.(\d+)\.([0-9a-f]{32})$/;

let current: Promise<ProcessIdentity> | undefined;

/** Reads this process's identity once and returns it on every later call. */
export function currentProcessIdentity(): Promise<ProcessIdentity> {
  current ??= readCurrentIdentity();
  return current;
}

async function readCurrentIdentity(): Promise<ProcessIdentity> {
  const pid = process.pid;
  const startTime = await readStartTime(pid);
  if (startTime === undefined) throw new Error(`/proc/${pid}/stat not found for this process`);
  const namespaceLink = await readlink('/proc/self/ns/pid');
  const namespace = /^pid:\[(\d+)\]$/.exec(namespaceLink)?.[1];
  if (namespace === undefined) {
    throw new Error(`unexpected /proc/self/ns/pid link ${JSON.stringify(namespaceLink)}`);
  }
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
  const compactBootId = bootId.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/.test(compactBootId)) {
    throw new Error(
      `unexpected boot id ${JSON.stringify(bootId)} in /proc/sys/kernel/random/boot_id`,
    );
  }
  return { pid, startTime, pidNamespace: namespace, bootId: compactBootId };
}

/** Returns the token that names `identity` in directory names. It contains no `-` or `/`. */
export function formatOwnerToken(identity: ProcessIdentity): string {
  return `${identity.pid}.${identity.startTime}.${identity.pidNamespace}.${identity.bootId}`;
}

/** Returns the identity that `formatOwnerToken` wrote into `token`, or undefined. */
export function parseOwnerToken(token: string): ProcessIdentity | undefined {
  const [, pid, startTime, pidNamespace, bootId] = ownerTokenPattern.exec(token) ?? [];
  if (pid === undefined || startTime === undefined) return undefined;
  if (pidNamespace === undefined || bootId === undefined) return undefined;
  return { pid: Number(pid), startTime, pidNamespace, bootId };
}

/**
 * Returns the start time of process `pid` (field 22 of /proc/PID/stat), or undefined when no
 * such process exists. A zombie still has its entry, so it counts as existing.
 */
export async function readStartTime(pid: number): Promise<string | undefined> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return undefined;
    throw error;
  }
  // The command name in field 2 may contain spaces and parentheses, so the fields are counted
  // from the last `)`. The first field after it is field 3, so field 22 is at index 19.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const startTime = fields[19];
  if (startTime === undefined || !/^\d+$/.test(startTime)) {
    throw new Error(`/proc/${pid}/stat has no start time in field 22`);
  }
  return startTime;
}

/**
 * Tells whether `owner` still runs, as seen from the process `self`. Throws when /proc/PID/stat
 * exists but cannot be read, because then the owner may be alive.
 */
export async function readOwnerState(
  owner: ProcessIdentity,
  self: ProcessIdentity,
): Promise<OwnerState> {
  if (owner.bootId !== self.bootId) return 'dead';
  if (owner.pidNamespace !== self.pidNamespace) return 'unknown';
  if (owner.pid === self.pid && owner.startTime === self.startTime) return 'self';
  const startTime = await readStartTime(owner.pid);
  return startTime === owner.startTime ? 'alive' : 'dead';
}

/** An entry of the volumes parent directory whose name carries its owner. */
export interface OwnedEntryName {
  /** The process that created the attempt's directory, or that is removing it. */
  owner: ProcessIdentity;
  /** The pod uid, as far as it fit the name: only `[a-z0-9-]`, at most 64 characters. */
  podUid: string;
  /** The directory's name as its attempt created it. */
  attemptName: string;
}

/**
 * Returns the prefix of an attempt's directory, `<kind>-<pod uid>-<owner token>-`, to which
 * mkdtemp appends six random characters: `attempt` for its volumes, `serviceaccount` for its
 * service account token. The pod uid keeps only `[a-z0-9-]`.
 */
export function attemptDirectoryPrefix(
  podUid: string,
  owner: ProcessIdentity,
  kind: 'attempt' | 'serviceaccount' = 'attempt',
): string {
  const uid = podUid.replace(/[^a-z0-9-]/g, '').slice(0, 64);
  return `${kind}-${uid}-${formatOwnerToken(owner)}-`;
}

/**
 * Returns the name under which `remover` removes the attempt directory `attemptName`. A
 * remover renames the directory first, so no two workers remove the same one, and a remover
 * that dies midway leaves a name that the next worker recognizes.
 */
export function removalName(attemptName: string, remover: ProcessIdentity): string {
  return `removing-${formatOwnerToken(remover)}-${attemptName}`;
}

const attemptNamePattern = /^(?:attempt|serviceaccount)-([a-z0-9-]*)-([0-9a-f.]+)-[A-Za-z0-9]{6}$/;
const removalNamePattern = /^removing-([0-9a-f.]+)-((?:attempt|serviceaccount)-.+)$/;

/**
 * Parses a name that attemptDirectoryPrefix or removalName formed. Returns undefined for any
 * other name, such as a directory of a cronmesh version that did not record the owner.
 */
export function parseOwnedEntryName(name: string): OwnedEntryName | undefined {
  const removal = removalNamePattern.exec(name);
  const attemptName = removal?.[2] ?? name;
  const [, podUid, token] = attemptNamePattern.exec(attemptName) ?? [];
  if (podUid === undefined || token === undefined) return undefined;
  const creator = parseOwnerToken(token);
  const owner = removal === null ? creator : parseOwnerToken(removal[1] ?? '');
  if (creator === undefined || owner === undefined) return undefined;
  return { owner, podUid, attemptName };
}
