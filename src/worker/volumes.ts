/**
 * Materializes an attempt's volumes as host directories, which the sandbox binds at each
 * volumeMount's mountPath: emptyDir as an empty directory (a tmpfs for `medium: Memory`),
 * configMap and secret as files. Secrets go to a tmpfs, as kubelet keeps them, so their values
 * never reach a disk. Everything is removed after the attempt, and what a killed worker left
 * behind is removed by the next worker to start (leftover-volumes.ts).
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { chmod, chown, lstat, mkdir, mkdtemp, open, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { parseQuantity } from '../api/quantity.js';
import type { ConfigMap, Pod, Secret } from '../api/types.js';
import { ensureVolumesParentDirectory } from '../runtime/sandbox/filesystem.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { ContainerConfigError } from './environment.js';
import { removeTree } from './remove-tree.js';
import { attemptDirectoryPrefix, currentProcessIdentity } from './volume-owner.js';

const run = promisify(execFile);

/** Mode of configMap and secret files without defaultMode, as in Kubernetes (0644). */
const defaultFileMode = 0o644;

interface KeyToPath {
  key: string;
  path: string;
  mode?: number;
}

interface ProjectionSource {
  items?: KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

interface VolumeSpec {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string | number };
  configMap?: ProjectionSource & { name: string };
  secret?: ProjectionSource & { secretName: string };
}

/** The host directories of one attempt's volumes. */
export interface AttemptVolumes {
  /** Host directory of each volume, by volume name. */
  readonly directories: ReadonlyMap<string, string>;
  /**
   * Unmounts the tmpfs volumes and removes every directory. Never rejects: it returns a
   * description of each step that failed, for the caller to log.
   */
  release(): Promise<string[]>;
}

/**
 * Creates every volume of `pod` under a new private directory. Throws ContainerConfigError,
 * naming the volume's field path, when a non-optional ConfigMap, Secret or key is missing or a
 * volume cannot be set up. Whatever was created by then is removed first. `logger` receives the
 * warning when the directory's name cannot record this process as its owner.
 */
export async function materializeVolumes(
  pod: Pod,
  store: Store,
  logger?: Logger,
): Promise<AttemptVolumes> {
  const volumes = (pod.spec.volumes ?? []) as VolumeSpec[];
  if (volumes.length === 0) return { directories: new Map(), release: () => Promise.resolve([]) };
  let prefix: string;
  try {
    const parent = ensureVolumesParentDirectory();
    // The name records this process, so that after a crash the next worker to start can tell
    // that the directory's owner is dead and remove it. Without an identity the name records
    // no owner and the directory stays after a crash.
    const owner = await currentProcessIdentity(logger);
    prefix = join(parent, attemptDirectoryPrefix(pod.metadata.uid ?? '', owner));
  } catch (error) {
    throw new ContainerConfigError(`cannot set up volumes: ${(error as Error).message}`);
  }
  const base = await mkdtemp(prefix);
  const directories = new Map<string, string>();
  const mounted: string[] = [];
  const release = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const directory of mounted.splice(0).reverse()) {
      const problem = await unmount(directory);
      if (problem !== undefined) problems.push(problem);
    }
    // removeTree follows no symbolic link that a job process, which may outlive the attempt,
    // swaps in while it runs.
    await removeTree(base).catch((error: unknown) => {
      problems.push((error as Error).message);
    });
    return problems;
  };

  const fsGroup = (pod.spec.securityContext as { fsGroup?: number } | undefined)?.fsGroup;
  try {
    for (const [index, volume] of volumes.entries()) {
      const field = `spec.volumes[${index}]`;
      // The index, not the name, names the directory, so no name can form a path.
      const directory = join(base, String(index));
      await mkdir(directory, { mode: 0o700 });
      if (volume.emptyDir !== undefined) {
        await setUpEmptyDir(volume.emptyDir, directory, `${field}.emptyDir`, mounted);
      } else if (volume.configMap !== undefined) {
        await chmod(directory, 0o755);
        const data = await configMapData(pod, store, volume.configMap, volume.name);
        if (data !== undefined) {
          await writeProjection(directory, volume.configMap, data, `${field}.configMap`);
        }
      } else if (volume.secret !== undefined) {
        await mountTmpfs(directory, {}, `${field}.secret`, mounted);
        await chmod(directory, 0o755);
        const data = await secretData(pod, store, volume.secret, volume.name);
        if (data !== undefined) {
          await writeProjection(directory, volume.secret, data, `${field}.secret`);
        }
      } else {
        throw new ContainerConfigError(`${field}: cronmesh cannot set up this volume type`);
      }
      if (fsGroup !== undefined) {
        await applyFsGroup(directory, fsGroup, volume.emptyDir === undefined);
      }
      directories.set(volume.name, directory);
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { directories, release };
}

/**
 * Unmounts a tmpfs volume, detaching it lazily when a process still uses it, so that a Secret
 * never outlives its attempt on the host. Returns a description of a failure.
 */
export async function unmount(directory: string): Promise<string | undefined> {
  try {
    await run('umount', [directory]);
    return undefined;
  } catch {
    try {
      await run('umount', ['--lazy', directory]);
      return undefined;
    } catch (error) {
      const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
      return `unmounting ${directory} failed: ${detail}`;
    }
  }
}

async function setUpEmptyDir(
  source: NonNullable<VolumeSpec['emptyDir']>,
  directory: string,
  field: string,
  mounted: string[],
): Promise<void> {
  if (source.medium === 'Memory') {
    const size = source.sizeLimit === undefined ? undefined : parseQuantity(source.sizeLimit);
    await mountTmpfs(directory, { size }, field, mounted);
  } else if (source.sizeLimit !== undefined) {
    // TODO: kubelet enforces a disk emptyDir's sizeLimit by evicting the pod. cronmesh has no
    // disk usage monitor yet, so it rejects the limit instead of ignoring it.
    throw new ContainerConfigError(
      `${field}.sizeLimit: cronmesh cannot limit a disk-backed emptyDir; ` +
        'set medium: Memory for a size-limited tmpfs, or remove sizeLimit',
    );
  }
  // kubelet creates emptyDir volumes with mode 0777, so any runAsUser may write to them.
  await chmod(directory, 0o777);
}

/** Mounts a tmpfs at `directory`, with `size` in bytes when given, through mount(8). */
async function mountTmpfs(
  directory: string,
  options: { size?: number | undefined },
  field: string,
  mounted: string[],
): Promise<void> {
  const mountOptions = ['mode=0700', 'nosuid', 'nodev'];
  if (options.size !== undefined)
    mountOptions.push(`size=${Math.max(4096, Math.ceil(options.size))}`);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', mountOptions.join(','), 'tmpfs', directory]);
  } catch (error) {
    const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
    throw new ContainerConfigError(
      `${field}: mounting a tmpfs failed (cronmesh needs root for tmpfs volumes): ${detail}`,
    );
  }
  mounted.push(directory);
}

async function configMapData(
  pod: Pod,
  store: Store,
  source: NonNullable<VolumeSpec['configMap']>,
  volumeName: string,
): Promise<Map<string, Buffer> | undefined> {
  const configMap = await store.find<ConfigMap>('ConfigMap', namespaceOf(pod), source.name);
  if (configMap === undefined) {
    if (source.optional === true) return new Map();
    throw new ContainerConfigError(
      `MountVolume.SetUp failed for volume ${JSON.stringify(volumeName)} : configmap ${JSON.stringify(source.name)} not found`,
    );
  }
  const data = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(configMap.data ?? {}))
    data.set(key, Buffer.from(value));
  for (const [key, value] of Object.entries(configMap.binaryData ?? {})) {
    data.set(key, Buffer.from(value, 'base64'));
  }
  return data;
}

async function secretData(
  pod: Pod,
  store: Store,
  source: NonNullable<VolumeSpec['secret']>,
  volumeName: string,
): Promise<Map<string, Buffer> | undefined> {
  const secret = await store.find<Secret>('Secret', namespaceOf(pod), source.secretName);
  if (secret === undefined) {
    if (source.optional === true) return new Map();
    throw new ContainerConfigError(
      `MountVolume.SetUp failed for volume ${JSON.stringify(volumeName)} : secret ${JSON.stringify(source.secretName)} not found`,
    );
  }
  const data = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    data.set(key, Buffer.from(value, 'base64'));
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {}))
    data.set(key, Buffer.from(value));
  return data;
}

/**
 * Writes the keys of a ConfigMap or Secret as files: every key under its own name, or only
 * the listed `items` at their paths. A missing item key fails unless the source is optional.
 */
async function writeProjection(
  directory: string,
  source: ProjectionSource,
  data: ReadonlyMap<string, Buffer>,
  field: string,
): Promise<void> {
  const defaultMode = source.defaultMode ?? defaultFileMode;
  const files: Array<{ path: string; mode: number; value: Buffer; field: string }> = [];
  if (source.items === undefined) {
    for (const [key, value] of data) files.push({ path: key, mode: defaultMode, value, field });
  } else {
    for (const [index, item] of source.items.entries()) {
      const value = data.get(item.key);
      const itemField = `${field}.items[${index}]`;
      if (value === undefined) {
        if (source.optional === true) continue;
        throw new ContainerConfigError(
          `${itemField}.key: references non-existent key ${JSON.stringify(item.key)}`,
        );
      }
      files.push({ path: item.path, mode: item.mode ?? defaultMode, value, field: itemField });
    }
  }
  for (const file of files) await writeVolumeFile(directory, file);
}

/**
 * Writes one file below `directory`. Validation already rejects absolute item paths, `..`
 * elements and control characters, and this function checks again. Like kubelet, it drops
 * empty and `.` elements. It creates each parent itself, rejects any existing entry and opens
 * the file with O_NOFOLLOW, so no path can leave the volume.
 */
export async function writeVolumeFile(
  directory: string,
  file: { path: string; mode: number; value: Buffer; field: string },
): Promise<void> {
  const parts = checkedPathElements(file.path, `${file.field}.path`);
  let parent = directory;
  for (const part of parts.slice(0, -1)) {
    parent = join(parent, part);
    await mkdir(parent, { mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    if (!(await lstat(parent)).isDirectory()) {
      throw new ContainerConfigError(
        `${file.field}.path: ${JSON.stringify(file.path)} conflicts with another file of the volume`,
      );
    }
  }
  const target = join(parent, parts[parts.length - 1] ?? '');
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  const handle = await open(target, flags, 0o600).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EEXIST') {
      throw new ContainerConfigError(
        `${file.field}.path: ${JSON.stringify(file.path)} is given twice`,
      );
    }
    throw error;
  });
  try {
    await handle.writeFile(file.value);
    await handle.chmod(file.mode);
  } finally {
    await handle.close();
  }
}

/** Maximum lengths of an item path and of one file name, as kubelet's atomic writer has them. */
const maxPathLength = 4096;
const maxFileNameLength = 255;

/** Returns the elements of an item path, or throws ContainerConfigError naming `field`. */
function checkedPathElements(path: string, field: string): string[] {
  const invalid = (rule: string): ContainerConfigError =>
    new ContainerConfigError(`${field}: Invalid value: ${JSON.stringify(path)}: ${rule}`);
  if (posix.isAbsolute(path)) throw invalid('must be a relative path');
  const elements = path.split('/');
  if (elements.includes('..')) throw invalid("must not contain '..'");
  if (/[\u0000-\u001f\u007f]/.test(path)) throw invalid('must not contain control characters');
  if (Buffer.byteLength(path) > maxPathLength) {
    throw invalid(`must be no more than ${maxPathLength} bytes`);
  }
  const parts = elements.filter((element) => element !== '' && element !== '.');
  if (parts.length === 0) throw invalid('must name a file below the volume');
  // kubelet keeps its own entries, such as `..data`, under names that start with `..`.
  if (parts[0]?.startsWith('..') === true) throw invalid("must not start with '..'");
  if (parts.some((part) => Buffer.byteLength(part) > maxFileNameLength)) {
    throw invalid(`each element must be no more than ${maxFileNameLength} bytes`);
  }
  return parts;
}

/**
 * Gives a volume to fsGroup as kubelet's SetVolumeOwnership does: group ownership, the setgid
 * bit on directories, and group read (plus write for a writable volume) on everything.
 */
async function applyFsGroup(directory: string, fsGroup: number, readOnly: boolean): Promise<void> {
  const fileMask = readOnly ? 0o440 : 0o660;
  const visit = async (path: string): Promise<void> => {
    const stats = await lstat(path);
    if (stats.isSymbolicLink()) return;
    await chown(path, stats.uid, fsGroup);
    const mask = stats.isDirectory() ? fileMask | 0o110 | 0o2000 : fileMask;
    await chmod(path, (stats.mode & 0o7777) | mask);
    if (!stats.isDirectory()) return;
    for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(directory);
}

function namespaceOf(pod: Pod): string {
  return pod.metadata.namespace ?? 'default';
}
