/**
 * Confinement layers wrap a container's process before it is spawned: a bubblewrap sandbox, a
 * cgroup with resource limits, and so on. The executor applies them in order, so the first
 * layer wraps the command itself and each later layer wraps the command the earlier one made.
 * A layer that must act on the outermost process, such as joining a cgroup before anything
 * else runs, therefore comes last.
 */
import type { ResolvedContainer } from './types.js';

/** Executable, arguments and environment of a process as it will be spawned. */
export interface LaunchCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Working directory of the spawned process; unset means cronmesh's own. */
  cwd?: string;
  /**
   * Open file descriptors that the process receives as descriptors 3, 4, ... in this order,
   * such as a seccomp program for bwrap. The layer that opened one closes it in `release`.
   */
  inheritedFds?: number[];
}

/** Exit status of the spawned process, before any layer explains it. */
export interface ProcessExit {
  exitCode: number;
  signal?: string;
}

/** Termination that replaces the process's own, such as `OOMKilled` with exit code 137. */
export interface ExitExplanation {
  reason: string;
  exitCode?: number;
  message?: string;
}

/** One layer around one run of one container. */
export interface Confinement {
  /** Returns the command to spawn in place of `command`. */
  wrap(command: LaunchCommand): LaunchCommand;
  /**
   * Returns why the process ended when the layer has better information than the exit
   * status, for example a cgroup that recorded an out-of-memory kill. Called after the process group
   * was killed and before `release`.
   */
  explainExit?(exit: ProcessExit): Promise<ExitExplanation | undefined>;
  /**
   * Kills the processes of the run that the layer reaches and a process group kill does not,
   * such as descendants that called setsid, as a container runtime ends a container whose main
   * process exited. Called after that exit and before the output is drained. Must not throw.
   */
  killRemaining?(): Promise<void>;
  /** Removes what the layer created for this run. Called once, and must not throw. */
  release(): Promise<void>;
}

/** Per-run facts a layer may need, such as a name for the cgroup it creates. */
export interface ConfinementContext {
  /** Unique among the runs on this host, e.g. `<attempt uid>-<container>-<restartCount>`. */
  runId: string;
  restartCount: number;
}

/** Creates the layer for one container run. */
export interface Confiner {
  /**
   * Prepares the layer. Throws ConfinementError when the container cannot run under it, and
   * the container then fails with that error's reason and message instead of starting.
   */
  confine(container: ResolvedContainer, context: ConfinementContext): Promise<Confinement>;
}

/**
 * A container that a confinement layer cannot start, for example one with runAsNonRoot that
 * would run as uid 0. The message must name the field and must not contain Secret values.
 */
export class ConfinementError extends Error {
  readonly code = 'Confinement';

  constructor(
    /** Container termination reason, such as `CreateContainerConfigError`. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfinementError';
  }
}
