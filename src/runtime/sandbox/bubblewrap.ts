import { realpathSync } from 'node:fs';
import { posix } from 'node:path';
import {
  ConfinementError,
  type Confinement,
  type Confiner,
  type LaunchCommand,
} from '../confinement.js';
import type { ResolvedContainer } from '../types.js';
import { boundingSetArgument, containerCapabilities } from './capabilities.js';
import { checkAppArmorProfile, checkRunAsNonRoot, checkSandboxFields } from './checks.js';
import { closeDescriptors, openPathDescriptor, openProgramDescriptor } from './descriptors.js';
import {
  buildFilesystemArgs,
  describeForbiddenTarget,
  ensureVolumesParentDirectory,
  type CheckedMount,
} from './filesystem.js';
import { resolveIdentity, type ProcessIdentity } from './identity.js';
import { resolveSandboxCommand } from './resolve-command.js';
import { seccompProgram } from './seccomp/profile.js';
import { defaultSandboxSettings } from './settings.js';
import type { SandboxMount, SandboxSettings } from './types.js';

/** Absolute paths of the programs the sandbox runs. */
export interface SandboxTools {
  bwrap: string;
  setpriv: string;
  /** GNU env, which sets signal dispositions before it execs a program. */
  env: string;
}

/**
 * Runs each container inside bubblewrap. The wrapped command is
 *
 *     env --ignore-signal=TERM bwrap <namespaces> <filesystem> --
 *       env --default-signal=TERM setpriv <user, groups, capabilities> -- <command> <args>
 *
 * bwrap dies on SIGTERM and then kills the sandbox at once, so it runs with SIGTERM ignored.
 * The executor's SIGTERM to the process group still reaches the command, which gets the
 * default disposition back, and its grace period works as without a sandbox. SIGKILL ends
 * bwrap and, through --die-with-parent and the PID namespace, everything inside.
 *
 * No shell takes part, so names, labels and annotations in arguments are never interpreted.
 */
export class BubblewrapConfiner implements Confiner {
  /**
   * `options.seccompUnavailable` is why a probe run of bwrap with a seccomp filter failed, if
   * it did; containers with `seccompProfile: RuntimeDefault` are then rejected at start.
   */
  constructor(
    private readonly tools: SandboxTools,
    private readonly options: { seccompUnavailable?: string } = {},
  ) {}

  confine(container: ResolvedContainer): Promise<Confinement> {
    const settings = container.sandbox ?? defaultSandboxSettings(container.name);
    checkRunAsNonRoot(settings, container.name);
    checkAppArmorProfile(settings);
    checkSandboxFields(settings);
    const identity = resolveIdentity(settings.security);
    const capabilities = containerCapabilities(settings.security.capabilities);
    const program = seccompProgram(settings, capabilities, this.options.seccompUnavailable);
    hideVolumesParent();

    // bwrap receives these as descriptors 3, 4, ...: one per volume mount, then the program.
    const descriptors: number[] = [];
    let mounts: CheckedMount[];
    try {
      mounts = settings.mounts.map((mount) => openMountSource(mount, descriptors));
      if (program !== undefined) descriptors.push(openProgramDescriptor(program));
    } catch (error) {
      closeDescriptors(descriptors);
      throw error;
    }
    const programIndex = program === undefined ? undefined : descriptors.length - 1;
    const workingDir = settings.workingDir ?? defaultWorkingDir(mounts);

    const wrap = (command: LaunchCommand): LaunchCommand => {
      const executable = resolveSandboxCommand(
        container.name,
        command.file,
        command.env.PATH ?? '',
        workingDir,
        mounts,
      );
      const inherited = command.inheritedFds ?? [];
      const firstFd = 3 + inherited.length;
      const readOnlyRoot = settings.security.readOnlyRootFilesystem === true;
      const args = [
        '--ignore-signal=TERM',
        this.tools.bwrap,
        ...namespaceArgs(settings),
        ...buildFilesystemArgs(mounts, readOnlyRoot, firstFd),
        ...(programIndex === undefined ? [] : ['--seccomp', String(firstFd + programIndex)]),
        '--chdir',
        workingDir,
        '--',
        this.tools.env,
        '--default-signal=TERM',
        this.tools.setpriv,
        ...userArgs(identity),
        '--inh-caps',
        '-all',
        '--ambient-caps',
        '-all',
        '--bounding-set',
        boundingSetArgument(capabilities),
        '--',
        executable,
        ...command.args,
      ];
      return {
        file: this.tools.env,
        args,
        env: command.env,
        inheritedFds: [...inherited, ...descriptors],
      };
    };
    const release = (): Promise<void> => {
      closeDescriptors(descriptors);
      return Promise.resolve();
    };
    return Promise.resolve({ wrap, release });
  }
}

/**
 * Returns cronmesh's own working directory, as a container without workingDir gets outside the
 * sandbox, or `/` when a volume mount hides that directory inside the sandbox.
 */
function defaultWorkingDir(mounts: readonly CheckedMount[]): string {
  const cwd = process.cwd();
  const hidden = mounts.some((mount) => cwd === mount.target || cwd.startsWith(`${mount.target}/`));
  return hidden ? '/' : cwd;
}

function namespaceArgs(settings: SandboxSettings): string[] {
  const args = ['--die-with-parent'];
  if (!settings.hostPID) args.push('--unshare-pid');
  if (!settings.hostIPC) args.push('--unshare-ipc');
  if (settings.hostname !== undefined) args.push('--unshare-uts', '--hostname', settings.hostname);
  return args;
}

function userArgs(identity: ProcessIdentity): string[] {
  const groups =
    identity.groups.length === 0 ? ['--clear-groups'] : ['--groups', identity.groups.join(',')];
  return ['--reuid', String(identity.uid), '--regid', String(identity.gid), ...groups];
}

/**
 * Makes sure the directory of all attempts' volumes exists, because the sandbox hides it under
 * an empty tmpfs and bwrap cannot create it inside a read-only root.
 */
function hideVolumesParent(): void {
  try {
    ensureVolumesParentDirectory();
  } catch (error) {
    throw new ConfinementError(
      'CreateContainerConfigError',
      `the sandbox cannot hide the volumes of other attempts: ${(error as Error).message}`,
    );
  }
}

/**
 * Opens a mount's source and checks that the opened object lies inside its volume. A subPath
 * in an emptyDir may have been replaced by a symbolic link to a host directory by another
 * container. bwrap binds the descriptor (--bind-fd) and checks that it mounted that same
 * object, so a path swapped after this check cannot redirect the mount either. Appends the
 * descriptor to `descriptors`.
 */
function openMountSource(mount: SandboxMount, descriptors: number[]): CheckedMount {
  const forbidden = describeForbiddenTarget(mount.target);
  if (forbidden !== undefined) {
    throw new ConfinementError(
      'CreateContainerConfigError',
      `${mount.field}.mountPath ${JSON.stringify(mount.target)} cannot be honoured: ${forbidden}`,
    );
  }
  let root: string;
  let opened: { fd: number; resolved: string };
  try {
    root = realpathSync(mount.volumeRoot);
    opened = openPathDescriptor(mount.source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfinementError(
      'CreateContainerConfigError',
      `${mount.field}: the volume path cannot be resolved: ${code}`,
    );
  }
  descriptors.push(opened.fd);
  const source = opened.resolved;
  if (source !== root && !source.startsWith(`${root}/`)) {
    throw new ConfinementError(
      'CreateContainerConfigError',
      `${mount.field}.subPath resolves outside its volume, through a symbolic link; the mount is refused`,
    );
  }
  return {
    source,
    target: posix.normalize(mount.target),
    readOnly: mount.readOnly,
    descriptorIndex: descriptors.length - 1,
  };
}
