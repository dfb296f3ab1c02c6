/**
 * Identifies the process that owns an attempt's volume directory, so that a worker starting
 * later can tell a live owner from a dead one. A PID alone is not enough, because Linux reuses
 * PIDs. So the owner is the PID plus the process's start time from /proc/PID/stat, within one
 * PID namespace and one boot of the kernel.
 */
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';

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
  /**
   * The reading process cannot look the owner up: the owner ran in another PID namespace, or
   * under another boot id in a directory changed during this boot.
   */
  | 'unknown';

/** The process that judges the owners of directories, and the boot it runs in. */
export interface OwnerObserver {
  identity: ProcessIdentity;
  /** Start of the current boot in milliseconds since the epoch, from readBootTimeMs. */
  bootTimeMs: number;
}

/** The token form of an identity: `PID.STARTTIME.PIDNAMESPACE.BOOTID`, all digits or hex. */
const ownerTokenPattern = /^(\d+)\.(\d+)\.(\d+)\.([0-9a-f]{32})$/;

/**
 * Thrown when the procfs at hand belongs to another PID namespace than this process, so that
 * /proc/PID names another process than the one with that PID here.
 */
export class OtherPidNamespaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OtherPidNamespaceError';
  }
}

/**
 * Reads the identity of this process from the procfs mounted at `procRoot`. Throws
 * OtherPidNamespaceError when `<procRoot>/self` is not this process's PID, and an Error when a
 * file is missing or malformed.
 */
export async function readProcessIdentity(procRoot = '/proc'): Promise<ProcessIdentity> {
  const pid = process.pid;
  // A procfs mounted for another PID namespace resolves `self` to this process's PID in that
  // namespace, or to nothing where this process is not visible. Its /proc/PID then describes
  // an unrelated process.
  const self = await readlink(join(procRoot, 'self')).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (self === undefined) {
    throw new OtherPidNamespaceError(
      `${join(procRoot, 'self')} does not exist, so ${procRoot} is not the procfs of this ` +
        "process's PID namespace",
    );
  }
  if (self !== String(pid)) {
    throw new OtherPidNamespaceError(
      `${join(procRoot, 'self')} is ${JSON.stringify(self)}, not this process's PID ${pid}, ` +
        `so ${procRoot} belongs to another PID namespace`,
    );
  }
  const startTime = await readStartTime(pid, procRoot);
  if (startTime === undefined) {
    throw new Error(`${join(procRoot, String(pid), 'stat')} not found for this process`);
  }
  const namespaceLink = await readlink(join(procRoot, 'self/ns/pid'));
  const namespace = /^pid:\[(\d+)\]$/.exec(namespaceLink)?.[1];
  if (namespace === undefined) {
    throw new Error(
      `unexpected ${join(procRoot, 'self/ns/pid')} link ${JSON.stringify(namespaceLink)}`,
    );
  }
  const bootIdFile = join(procRoot, 'sys/kernel/random/boot_id');
  const bootId = (await readFile(bootIdFile, 'utf8')).trim();
  const compactBootId = bootId.replaceAll('-', '');
  if (!/^[0-9a-f]{32}$/.test(compactBootId)) {
    throw new Error(`unexpected boot id ${JSON.stringify(bootId)} in ${bootIdFile}`);
  }
  return { pid, startTime, pidNamespace: namespace, bootId: compactBootId };
}

/**
 * Caches the identity of this process. When the identity cannot be read, the directories of
 * this process record no owner and the leftover cleanup keeps them, so a /proc problem does
 * not fail the attempt.
 */
export class CurrentIdentityCache {
  private cached: Promise<ProcessIdentity | undefined> | undefined;
  /** Whether a failed read was logged at warn, so that later ones log at debug. */
  private warned = false;

  constructor(private readonly read: () => Promise<ProcessIdentity>) {}

  /**
   * Returns this process's identity, or undefined when it cannot be read. The first failure
   * that has a `logger` logs `attempt directories record no owner` at warn with the error, and
   * later ones log it at debug. A procfs of another PID namespace is cached as undefined, and
   * every other failure is read again on the next call.
   */
  get(logger: Logger | undefined): Promise<ProcessIdentity | undefined> {
    this.cached ??= this.readAndLog(logger);
    return this.cached;
  }

  private async readAndLog(logger: Logger | undefined): Promise<ProcessIdentity | undefined> {
    try {
      return await this.read();
    } catch (error) {
      if (!(error instanceof OtherPidNamespaceError)) this.cached = undefined;
      if (logger === undefined) return undefined;
      if (this.warned) {
        logger.debug({ err: error }, 'attempt directories record no owner');
      } else {
        this.warned = true;
        logger.warn({ err: error }, 'attempt directories record no owner');
      }
      return undefined;
    }
  }
}

const currentIdentity = new CurrentIdentityCache(() => readProcessIdentity());

/**
 * Returns this process's identity from /proc, or undefined, with a warning to `logger`, when
 * it cannot be read (see CurrentIdentityCache). Never rejects.
 */
export function currentProcessIdentity(
  logger: Logger | undefined,
): Promise<ProcessIdentity | undefined> {
  return currentIdentity.get(logger);
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
export async function readStartTime(pid: number, procRoot = '/proc'): Promise<string | undefined> {
  const file = join(procRoot, String(pid), 'stat');
  let stat: string;
  try {
    stat = await readFile(file, 'utf8');
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
    throw new Error(`${file} has no start time in field 22`);
  }
  return startTime;
}

/**
 * Returns the start of the current boot in milliseconds since the epoch, from the `btime` line
 * of `<procRoot>/stat`, which counts whole seconds. Throws when the line is missing.
 */
export async function readBootTimeMs(procRoot = '/proc'): Promise<number> {
  const stat = await readFile(join(procRoot, 'stat'), 'utf8');
  const seconds = /^btime (\d+)$/m.exec(stat)?.[1];
  if (seconds === undefined) throw new Error(`${join(procRoot, 'stat')} has no btime line`);
  return Number(seconds) * 1000;
}

/**
 * Returns the liveness of the `owner` of a directory, as seen from `observer`. `modifiedMs` is
 * the directory's modification time (mtime). Throws when /proc/PID/stat exists but cannot be read,
 * because then the owner may be alive.
 *
 * An owner with another boot id counts as dead only when the directory was last modified
 * before the current boot began. Other boot ids also appear while their owners run, such as
 * when hosts share $TMPDIR. Only cronmesh's user can change the entries of the volumes parent
 * directory (mode 0700), so mtime serves as well as ctime. mtime is compared because utimes(2)
 * can set it, which the tests need, and nothing can set ctime.
 *
 * NOTE: a directory that a live worker on another host last modified before this host booted
 * still counts as dead.
 */
export async function readOwnerState(
  owner: ProcessIdentity,
  modifiedMs: number,
  observer: OwnerObserver,
): Promise<OwnerState> {
  const self = observer.identity;
  if (owner.bootId !== self.bootId) {
    // btime is the boot's second rounded down, so any directory changed after the boot has an
    // mtime at or after it.
    return modifiedMs < observer.bootTimeMs ? 'dead' : 'unknown';
  }
  if (owner.pidNamespace !== self.pidNamespace) return 'unknown';
  if (owner.pid === self.pid && owner.startTime === self.startTime) return 'self';
  const startTime = await readStartTime(owner.pid);
  // NOTE: a worker in another time namespace (unshare --time) reads start times shifted by
  // that namespace's boot time offset, so a live owner there would look dead.
  return startTime === owner.startTime ? 'alive' : 'dead';
}

/** An entry of the volumes parent directory whose name carries its owner. */
export interface OwnedEntryName {
  /** The process that created the attempt's directory. */
  creator: ProcessIdentity;
  /** The process that renamed the directory to remove it, for a `removing-` entry. */
  remover: ProcessIdentity | undefined;
  /** The pod uid, as far as it fit the name: only `[a-z0-9-]`, at most 64 characters. */
  podUid: string;
  /** The directory's name as its attempt created it. */
  attemptName: string;
}

/**
 * Returns the prefix of an attempt's directory, `<kind>-<pod uid>-<owner token>-`, to which
 * mkdtemp appends six random characters: `attempt` for its volumes, `serviceaccount` for its
 * service account token. The pod uid keeps only `[a-z0-9-]`. Without an owner the prefix is
 * `<kind>-<pod uid>-`, a name that the leftover cleanup keeps.
 */
export function attemptDirectoryPrefix(
  podUid: string,
  owner: ProcessIdentity | undefined,
  kind: 'attempt' | 'serviceaccount' = 'attempt',
): string {
  const uid = podUid.replace(/[^a-z0-9-]/g, '').slice(0, 64);
  if (owner === undefined) return `${kind}-${uid}-`;
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
  if (creator === undefined) return undefined;
  if (removal === null) return { creator, remover: undefined, podUid, attemptName };
  const remover = parseOwnerToken(removal[1] ?? '');
  if (remover === undefined) return undefined;
  return { creator, remover, podUid, attemptName };
}
