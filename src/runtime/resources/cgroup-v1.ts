/**
 * Per-run groups in the cgroup v1 `memory` and `cpu` hierarchies. Each limit gets a group only
 * in the hierarchy that enforces it.
 */
import { join } from 'node:path';
import {
  createGroupDir,
  emptyAndRemove,
  hasControl,
  killMembers,
  readKeyedValue,
  readNumber,
  writeControl,
  type RunCgroup,
} from './cgroup-files.js';
import type { ProcessExit } from '../confinement.js';
import { CFS_PERIOD_US, type KernelLimits } from './limits.js';

/** Parent directories of the per-run groups in each v1 hierarchy. */
export interface CgroupV1Parents {
  memoryDir: string;
  cpuDir: string;
}

/**
 * Creates the groups of one run and writes its limits. Throws naming the file when the kernel
 * rejects a value; the groups created so far are removed first.
 */
export async function createCgroupV1(
  parents: CgroupV1Parents,
  runId: string,
  limits: KernelLimits,
): Promise<RunCgroup> {
  const memoryDir = limits.memoryBytes === undefined ? undefined : join(parents.memoryDir, runId);
  const cpuDir = limits.cpuQuotaUs === undefined ? undefined : join(parents.cpuDir, runId);
  const group = new CgroupV1Group(memoryDir, cpuDir);
  try {
    if (memoryDir !== undefined && limits.memoryBytes !== undefined) {
      await createGroupDir(memoryDir);
      const bytes = String(limits.memoryBytes);
      await writeControl(memoryDir, 'memory.limit_in_bytes', bytes);
      // Without this the group swaps instead of reaching its limit where swap accounting is on.
      // It must follow memory.limit_in_bytes, because the kernel keeps memsw >= the memory limit.
      if (hasControl(memoryDir, 'memory.memsw.limit_in_bytes')) {
        await writeControl(memoryDir, 'memory.memsw.limit_in_bytes', bytes);
      }
    }
    if (cpuDir !== undefined && limits.cpuQuotaUs !== undefined) {
      await createGroupDir(cpuDir);
      await writeControl(cpuDir, 'cpu.cfs_period_us', String(CFS_PERIOD_US));
      await writeControl(cpuDir, 'cpu.cfs_quota_us', String(limits.cpuQuotaUs));
    }
  } catch (error) {
    await group.remove();
    throw error;
  }
  return group;
}

class CgroupV1Group implements RunCgroup {
  readonly procsFiles: string[];

  constructor(
    private readonly memoryDir: string | undefined,
    private readonly cpuDir: string | undefined,
  ) {
    this.procsFiles = [memoryDir, cpuDir]
      .filter((dir): dir is string => dir !== undefined)
      .map((dir) => join(dir, 'cgroup.procs'));
  }

  /**
   * Reads the `oom_kill` counter of memory.oom_control, which kernels from 4.13 on keep. Older
   * kernels lack it, and then a SIGKILL after the group hit its limit (memory.failcnt) counts
   * as the OOM kill.
   */
  async oomKilled(exit: ProcessExit): Promise<boolean> {
    if (this.memoryDir === undefined) return false;
    const kills = await readKeyedValue(join(this.memoryDir, 'memory.oom_control'), 'oom_kill');
    if (kills !== undefined) return kills > 0;
    const failures = await readNumber(join(this.memoryDir, 'memory.failcnt'));
    return failures !== undefined && failures > 0 && exit.signal === 'SIGKILL';
  }

  async killAll(): Promise<void> {
    for (const dir of [this.memoryDir, this.cpuDir]) {
      if (dir !== undefined) await killMembers(dir);
    }
  }

  async remove(): Promise<string[]> {
    const problems: string[] = [];
    for (const dir of [this.memoryDir, this.cpuDir]) {
      if (dir !== undefined) problems.push(...(await emptyAndRemove(dir)));
    }
    return problems;
  }
}
