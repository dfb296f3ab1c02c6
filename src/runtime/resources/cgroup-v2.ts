/**
 * Per-run groups in the unified cgroup v2 hierarchy: one directory with memory.max and cpu.max.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ControlWriteError,
  createGroupDir,
  emptyAndRemove,
  hasControl,
  killMembers,
  readKeyedValue,
  readPids,
  writeControl,
  type RunCgroup,
} from './cgroup-files.js';
import { CFS_PERIOD_US, type KernelLimits } from './limits.js';

/** Controllers that per-run groups need, as written to `cgroup.subtree_control`. */
const CONTROLLERS = '+memory +cpu';

/** Leaf group in the process's own cgroup that the processes of that cgroup move into. */
export const CGROUP_LEAF_NAME = 'cronmesh-leaf';

/** Passes over `cgroup.procs` while moving processes, for those forked during a pass. */
const MOVE_PASSES = 10;

/** Writes one control file: `writeControl`, or a fake kernel in tests. */
export type ControlWriter = (dir: string, file: string, value: string) => Promise<void>;

/**
 * Enables the memory and cpu controllers for the children of `ownDir` (the process's cgroup) and
 * of `parentDir`, the directory under it that contains the per-run groups.
 *
 * cgroup v2 lets a group other than the root enable controllers for its children only while it
 * contains no processes (the no-internal-processes rule), and fails with EBUSY otherwise. The
 * processes of `ownDir`, cronmesh among them, then move into the leaf child `cronmesh-leaf`
 * first. They stay in the same subtree, so the limits and accounting of the groups above
 * apply to them as before.
 *
 * NOTE: the tests check this order of writes against a stand-in for the kernel. This machine
 * kind mounts cgroup v1, so no test here runs it on a real cgroup v2 hierarchy.
 */
export async function enableCgroupV2Controllers(
  ownDir: string,
  parentDir: string,
  write: ControlWriter = writeControl,
): Promise<void> {
  try {
    await write(ownDir, 'cgroup.subtree_control', CONTROLLERS);
  } catch (error) {
    if (!(error instanceof ControlWriteError) || error.code !== 'EBUSY') throw error;
    await moveProcessesToLeaf(ownDir, write);
    await write(ownDir, 'cgroup.subtree_control', CONTROLLERS);
  }
  await write(parentDir, 'cgroup.subtree_control', CONTROLLERS);
}

/** Moves every process listed in `ownDir` into its leaf child, one pid per write. */
async function moveProcessesToLeaf(ownDir: string, write: ControlWriter): Promise<void> {
  const leaf = join(ownDir, CGROUP_LEAF_NAME);
  await mkdir(leaf, { recursive: true });
  for (let pass = 0; pass < MOVE_PASSES; pass++) {
    const pids = await readPids(ownDir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        await write(leaf, 'cgroup.procs', String(pid));
      } catch (error) {
        // ESRCH: the process exited after the read.
        if (!(error instanceof ControlWriteError) || error.code !== 'ESRCH') throw error;
      }
    }
  }
}

/**
 * Creates the group of one run under `parentDir` and writes its limits. Throws naming the file
 * when the kernel rejects a value; the group is removed first.
 */
export async function createCgroupV2(
  parentDir: string,
  runId: string,
  limits: KernelLimits,
): Promise<RunCgroup> {
  const dir = join(parentDir, runId);
  await createGroupDir(dir);
  const group = new CgroupV2Group(dir);
  try {
    if (limits.memoryBytes !== undefined) {
      await writeControl(dir, 'memory.max', String(limits.memoryBytes));
      // Swap would let the group exceed its limit without an OOM kill, which Kubernetes
      // also prevents for containers unless node swap is configured.
      if (hasControl(dir, 'memory.swap.max')) await writeControl(dir, 'memory.swap.max', '0');
      // Kill the whole group on OOM, like a container, rather than one process of it.
      if (hasControl(dir, 'memory.oom.group')) await writeControl(dir, 'memory.oom.group', '1');
    }
    if (limits.cpuQuotaUs !== undefined) {
      await writeControl(dir, 'cpu.max', `${limits.cpuQuotaUs} ${CFS_PERIOD_US}`);
    }
  } catch (error) {
    await group.remove();
    throw error;
  }
  return group;
}

class CgroupV2Group implements RunCgroup {
  readonly procsFiles: string[];

  constructor(private readonly dir: string) {
    this.procsFiles = [join(dir, 'cgroup.procs')];
  }

  async oomKilled(): Promise<boolean> {
    const kills = await readKeyedValue(join(this.dir, 'memory.events'), 'oom_kill');
    return kills !== undefined && kills > 0;
  }

  killAll(): Promise<void> {
    return killMembers(this.dir, this.groupKill());
  }

  remove(): Promise<string[]> {
    return emptyAndRemove(this.dir, this.groupKill());
  }

  /** Returns a write of cgroup.kill (Linux 5.14 and later), which kills the whole group at once. */
  private groupKill(): (() => Promise<void>) | undefined {
    return hasControl(this.dir, 'cgroup.kill')
      ? () => writeControl(this.dir, 'cgroup.kill', '1')
      : undefined;
  }
}
