/**
 * Enforces a container's `resources.limits.memory` and `resources.limits.cpu`: with a cgroup
 * per container run when the host lets cronmesh create one, else memory through RLIMIT_AS and
 * CPU not at all (the container is rejected). This layer must be the outermost confiner,
 * because the process joins its cgroup before anything else runs.
 */
import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../../util/logger.js';
import {
  ConfinementError,
  type Confinement,
  type ConfinementContext,
  type Confiner,
  type ExitExplanation,
  type LaunchCommand,
  type ProcessExit,
} from '../confinement.js';
import type { ResolvedContainer } from '../types.js';
import { detectCgroups, type CgroupLocation } from './cgroup-detect.js';
import type { RunCgroup } from './cgroup-files.js';
import { createCgroupV1, type CgroupV1Parents } from './cgroup-v1.js';
import { createCgroupV2, enableCgroupV2Controllers } from './cgroup-v2.js';
import { hasKernelLimits, toKernelLimits, type KernelLimits } from './limits.js';
import { addressSpaceLimitCommand, joinCgroupsCommand } from './shim.js';

/** Directory created in the process's own cgroup to hold the per-run groups. */
export const CGROUP_PARENT_NAME = 'cronmesh';

export interface ResourceConfinerOptions {
  /**
   * The process's own cgroup directories, under which a `cronmesh` group contains the per-run
   * groups. Unset detects them from /proc/self; `false` uses rlimits only.
   */
  cgroups?: CgroupLocation | false;
  logger?: Logger;
}

/** Mechanism that enforces limits on this host, chosen once at the first limited container. */
export type ResourceMechanism =
  | { kind: 'cgroup-v1'; parents: CgroupV1Parents }
  | { kind: 'cgroup-v2'; parentDir: string }
  | { kind: 'rlimit'; reason: string };

const noConfinement: Confinement = {
  wrap: (command) => command,
  release: () => Promise.resolve(),
};

export class ResourceConfiner implements Confiner {
  private readonly logger: Logger;
  private prepared: Promise<ResourceMechanism> | undefined;

  constructor(private readonly options: ResourceConfinerOptions = {}) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Returns the mechanism in use, preparing the cgroup parent directories on the first call. */
  mechanism(): Promise<ResourceMechanism> {
    this.prepared ??= this.prepare().then((mechanism) => {
      if (mechanism.kind === 'rlimit') {
        this.logger.warn(
          { reason: mechanism.reason },
          'cgroups unavailable: memory limits use RLIMIT_AS and CPU limits are rejected',
        );
      } else {
        this.logger.info({ mechanism: mechanism.kind }, 'resource limits use cgroups');
      }
      return mechanism;
    });
    return this.prepared;
  }

  async confine(container: ResolvedContainer, context: ConfinementContext): Promise<Confinement> {
    const limits = toKernelLimits(container.limits);
    if (!hasKernelLimits(limits)) return noConfinement;

    const mechanism = await this.mechanism();
    if (mechanism.kind === 'rlimit') return confineWithRlimits(container, limits, mechanism.reason);

    const runId = context.runId.replace(/[^A-Za-z0-9_.-]/g, '_');
    let group: RunCgroup;
    try {
      group =
        mechanism.kind === 'cgroup-v1'
          ? await createCgroupV1(mechanism.parents, runId, limits)
          : await createCgroupV2(mechanism.parentDir, runId, limits);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new ConfinementError(
        'StartError',
        `container ${JSON.stringify(container.name)} cannot start: creating its cgroup failed: ${detail}`,
      );
    }
    return new CgroupConfinement(group, limits, this.logger, context.runId);
  }

  private async prepare(): Promise<ResourceMechanism> {
    const location =
      this.options.cgroups === false
        ? 'cgroups are disabled by configuration'
        : (this.options.cgroups ?? detectCgroups());
    if (typeof location === 'string') return { kind: 'rlimit', reason: location };

    try {
      if (location.version === 1) {
        const parents = {
          memoryDir: join(location.memoryDir, CGROUP_PARENT_NAME),
          cpuDir: join(location.cpuDir, CGROUP_PARENT_NAME),
        };
        await probeWritable(parents.memoryDir);
        await probeWritable(parents.cpuDir);
        return { kind: 'cgroup-v1', parents };
      }
      const parentDir = join(location.dir, CGROUP_PARENT_NAME);
      await probeWritable(parentDir);
      await enableCgroupV2Controllers(location.dir, parentDir);
      return { kind: 'cgroup-v2', parentDir };
    } catch (error) {
      return { kind: 'rlimit', reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** Creates `dir` if needed and then a child group in it, which needs write access as root. */
async function probeWritable(dir: string): Promise<void> {
  const probe = join(dir, `probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await mkdir(probe);
    await rmdir(probe);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot create cgroup ${probe}: ${code}`, { cause: error });
  }
}

class CgroupConfinement implements Confinement {
  constructor(
    private readonly group: RunCgroup,
    private readonly limits: KernelLimits,
    private readonly logger: Logger,
    private readonly runId: string,
  ) {}

  wrap(command: LaunchCommand): LaunchCommand {
    return joinCgroupsCommand(command, this.group.procsFiles);
  }

  async explainExit(exit: ProcessExit): Promise<ExitExplanation | undefined> {
    if (!(await this.group.oomKilled(exit))) return undefined;
    // The process's own exit code stays, as containerd keeps it: 137 when the OOM killer hit
    // the main process, or the main process's code when only a child was killed.
    const limit = `its memory limit of ${this.limits.memoryBytes} bytes (resources.limits.memory)`;
    const message =
      // Under the sandbox bwrap reports its command's SIGKILL as exit code 137 (128 + 9).
      exit.signal === 'SIGKILL' || exit.exitCode === 137
        ? `the container used more than ${limit} and the kernel OOM killer ended it`
        : `the container reached ${limit}, the kernel OOM killer ended one of its child ` +
          `processes, and the main process exited with code ${exit.exitCode}`;
    return { reason: 'OOMKilled', exitCode: exit.exitCode, message };
  }

  async killRemaining(): Promise<void> {
    await this.group.killAll().catch((error: unknown) => {
      this.logger.warn({ run: this.runId, err: error }, 'killing the cgroup processes failed');
    });
  }

  async release(): Promise<void> {
    const problems = await this.group.remove().catch((error: unknown) => [String(error)]);
    if (problems.length > 0) {
      this.logger.warn({ run: this.runId, problems }, 'cgroup cleanup failed');
    }
  }
}

/**
 * Returns the rlimit layer: RLIMIT_AS for the memory limit, and a rejection of any CPU limit,
 * because RLIMIT_CPU caps total CPU seconds and no rlimit caps a rate.
 */
function confineWithRlimits(
  container: ResolvedContainer,
  limits: KernelLimits,
  reason: string,
): Confinement {
  if (limits.cpuMillis !== undefined) {
    throw new ConfinementError(
      'CreateContainerConfigError',
      `container ${JSON.stringify(container.name)}: resources.limits.cpu ${limits.cpuMillis}m ` +
        `cannot be enforced without cgroups (${reason}); run the worker where it can create ` +
        'cgroups (as root, or with a delegated cgroup v2 subtree) or remove the CPU limit',
    );
  }
  const bytes = limits.memoryBytes;
  if (bytes === undefined) return noConfinement;
  const kibibytes = Math.max(1, Math.floor(bytes / 1024));
  return {
    wrap: (command) => addressSpaceLimitCommand(command, kibibytes),
    release: () => Promise.resolve(),
  };
}
