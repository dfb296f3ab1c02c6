import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import type { Clock, Timer } from '../util/clock.js';
import type { AttemptLog } from './attempt-log.js';
import {
  ConfinementError,
  type Confinement,
  type Confiner,
  type ExitExplanation,
  type LaunchCommand,
  type ProcessExit,
} from './confinement.js';
import { buildProcessEnvironment } from './environment.js';
import {
  describeSpawnFailure,
  exitCodeForSignal,
  START_FAILURE_EXIT_CODE,
  type StartFailure,
} from './exit-status.js';
import { signalProcessGroup } from './process-group.js';
import type { ContainerResult, ResolvedContainer } from './types.js';

/**
 * Maximum time to wait, after the main process exited and its group was killed, for
 * stdout and stderr to close. Only a descendant that left the process group can keep
 * them open that long.
 */
export const OUTPUT_DRAIN_TIMEOUT_MS = 5_000;

export interface ContainerProcessOptions {
  clock: Clock;
  now(): number;
  log: AttemptLog;
  /** Milliseconds between SIGTERM and SIGKILL when the container is stopped. */
  gracePeriodMs: number;
  /** Restarts of this container before this run. */
  restartCount: number;
  /** Layers wrapped around the process, innermost first. */
  confiners: readonly Confiner[];
  /** Unique name of this run on the host, passed to the confiners. */
  runId: string;
  /** Called once the process runs; `pid` is also its process group id. */
  onStart(startedAt: number, pid: number): void;
}

/** Options of a `ContainerProcess.stop` that differs from an ordinary stop. */
export interface StopOptions {
  /** Milliseconds between SIGTERM and SIGKILL for this stop, in place of `gracePeriodMs`. */
  gracePeriodMs?: number;
  /**
   * Keeps the termination reason the exit status gives (`Completed` or `Error`), as kubelet
   * does for a container it kills after a failed probe. The stop reason is then only in the
   * message.
   */
  reasonFromExitStatus?: boolean;
}

/**
 * One run of one container as a child process in its own process group. `finished`
 * resolves, and never rejects, once the process has exited, its group has been killed
 * and its output has been written to the log.
 */
export class ContainerProcess {
  readonly finished: Promise<ContainerResult>;
  private pid: number | undefined;
  private exited = false;
  private stopReason: string | undefined;
  private stopOptions: StopOptions = {};
  private graceTimer: Timer | undefined;
  private killedAfterGrace = false;
  private readonly signalErrors: string[] = [];
  private readonly confinements: Confinement[] = [];

  private constructor(
    private readonly container: ResolvedContainer,
    private readonly options: ContainerProcessOptions,
  ) {
    this.finished = this.execute();
  }

  /** Spawns the container's process. The spawn happens before this returns. */
  static start(container: ResolvedContainer, options: ContainerProcessOptions): ContainerProcess {
    return new ContainerProcess(container, options);
  }

  /**
   * Sends SIGTERM to the process group, then SIGKILL once the grace period has passed on
   * the clock. Does nothing when the process has already exited or a stop is under way.
   */
  stop(reason: string, options: StopOptions = {}): void {
    if (this.stopReason !== undefined || this.exited) return;
    this.stopReason = reason;
    this.stopOptions = options;
    if (this.pid !== undefined) this.sendStopSignals(this.pid);
  }

  private async execute(): Promise<ContainerResult> {
    try {
      return await this.confineAndRun();
    } finally {
      for (const confinement of this.confinements.reverse()) await confinement.release();
    }
  }

  private async confineAndRun(): Promise<ContainerResult> {
    const { container } = this;
    const command = container.command ?? [];
    const executable = command[0];
    if (executable === undefined) {
      return this.cannotRun({
        exitCode: START_FAILURE_EXIT_CODE,
        message: missingCommandMessage(container),
      });
    }

    if (container.workingDir !== undefined) {
      const problem = checkWorkingDir(container.workingDir);
      if (problem !== undefined) {
        const name = JSON.stringify(container.name);
        return this.cannotRun({
          exitCode: START_FAILURE_EXIT_CODE,
          message: `container ${name} cannot start: ${problem}`,
        });
      }
    }

    let launch: LaunchCommand = {
      file: executable,
      args: [...command.slice(1), ...container.args],
      env: buildProcessEnvironment(container.env),
      ...(container.workingDir === undefined ? {} : { cwd: container.workingDir }),
    };
    const env = launch.env;
    try {
      for (const confiner of this.options.confiners) {
        const context = { runId: this.options.runId, restartCount: this.options.restartCount };
        const confinement = await confiner.confine(container, context);
        this.confinements.push(confinement);
        launch = confinement.wrap(launch);
      }
    } catch (error) {
      if (!(error instanceof ConfinementError)) throw error;
      return this.cannotRun(
        { exitCode: START_FAILURE_EXIT_CODE, message: error.message },
        error.reason,
      );
    }

    const describeFailure = (error: unknown): StartFailure =>
      describeSpawnFailure(
        container.name,
        executable,
        error as NodeJS.ErrnoException,
        env.PATH ?? '',
        container.workingDir,
      );

    let child: ChildProcess;
    try {
      child = spawn(launch.file, launch.args, {
        cwd: launch.cwd,
        env: launch.env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', ...(launch.inheritedFds ?? [])],
      });
    } catch (error) {
      // Node throws here for spawn errors other than ENOENT, EACCES, EAGAIN, EMFILE, ENFILE.
      return this.cannotRun(describeFailure(error));
    }

    // Node reports a failed spawn by leaving `pid` unset and emitting 'error' on the next tick.
    if (child.pid === undefined) {
      const error = await new Promise<unknown>((resolve) => child.once('error', resolve));
      return this.cannotRun(describeFailure(error));
    }
    return this.superviseRunning(child, child.pid);
  }

  private async superviseRunning(child: ChildProcess, pid: number): Promise<ContainerResult> {
    const { container, options } = this;
    this.pid = pid;

    // Listeners go on before any await: Node can emit 'close' right after 'exit', in the same tick.
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.on('error', (error) => this.signalErrors.push(error.message));
    const stdout = options.log.openStream(container.name, 'stdout');
    const stderr = options.log.openStream(container.name, 'stderr');
    child.stdout?.on('data', (data: Buffer) => stdout.write(data));
    child.stderr?.on('data', (data: Buffer) => stderr.write(data));

    const startedAt = options.now();
    options.onStart(startedAt, pid);
    // A stop requested before the pid was known (from inside onStart) takes effect now.
    if (this.stopReason !== undefined) this.sendStopSignals(pid);

    const { code, signal } = await exited;
    this.exited = true;
    const finishedAt = options.now();
    const stoppedWith = this.stopReason;
    this.graceTimer?.cancel();

    // Kubernetes kills the container's whole cgroup once its main process exits. Killing
    // the process group is the local equivalent, and it also closes the output pipes.
    this.recordSignalError(signalProcessGroup(pid, 'SIGKILL'));
    // A layer with a cgroup also reaches the descendants that left the process group.
    for (const confinement of this.confinements) await confinement.killRemaining?.();

    const drained = await this.waitForOutput(closed);
    if (!drained) {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    stdout.end();
    stderr.end();

    let exitCode = code ?? (signal === null ? START_FAILURE_EXIT_CODE : exitCodeForSignal(signal));
    const exitReason = exitCode === 0 ? 'Completed' : 'Error';
    let reason =
      stoppedWith === undefined || this.stopOptions.reasonFromExitStatus === true
        ? exitReason
        : stoppedWith;
    let message = this.composeMessage(stoppedWith, drained);
    const explanation = await this.explainExit({
      exitCode,
      ...(signal === null ? {} : { signal }),
    });
    if (explanation !== undefined) {
      reason = explanation.reason;
      exitCode = explanation.exitCode ?? exitCode;
      message = explanation.message ?? message;
    }
    return {
      name: container.name,
      exitCode,
      ...(signal === null ? {} : { signal }),
      reason,
      ...(message === undefined ? {} : { message }),
      restartCount: options.restartCount,
      startedAt,
      finishedAt,
    };
  }

  /** Returns the first explanation a confinement layer gives, outermost layer first. */
  private async explainExit(exit: ProcessExit): Promise<ExitExplanation | undefined> {
    for (const confinement of [...this.confinements].reverse()) {
      const explanation = await confinement.explainExit?.(exit);
      if (explanation !== undefined) return explanation;
    }
    return undefined;
  }

  private sendStopSignals(pid: number): void {
    this.recordSignalError(signalProcessGroup(pid, 'SIGTERM'));
    this.graceTimer = this.options.clock.setTimer(this.gracePeriodMs(), () => {
      if (this.exited) return;
      this.killedAfterGrace = true;
      this.recordSignalError(signalProcessGroup(pid, 'SIGKILL'));
    });
  }

  /** Resolves true once stdout and stderr have closed, or false after OUTPUT_DRAIN_TIMEOUT_MS. */
  private waitForOutput(closed: Promise<void>): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.options.clock.setTimer(OUTPUT_DRAIN_TIMEOUT_MS, () => resolve(false));
      void closed.then(() => {
        timer.cancel();
        resolve(true);
      });
    });
  }

  private composeMessage(stoppedWith: string | undefined, drained: boolean): string | undefined {
    const parts: string[] = [];
    if (stoppedWith !== undefined) {
      const graceSeconds = this.gracePeriodMs() / 1000;
      parts.push(
        this.killedAfterGrace
          ? `stopped (${stoppedWith}): SIGKILL sent because the process was still running ${graceSeconds} s after SIGTERM`
          : `stopped (${stoppedWith}) with SIGTERM`,
      );
    }
    if (!drained) {
      parts.push(
        `output cut off ${OUTPUT_DRAIN_TIMEOUT_MS} ms after exit because a process outside the container's process group kept stdout or stderr open`,
      );
    }
    parts.push(...this.signalErrors);
    return parts.length === 0 ? undefined : parts.join('; ');
  }

  private gracePeriodMs(): number {
    return this.stopOptions.gracePeriodMs ?? this.options.gracePeriodMs;
  }

  private recordSignalError(error: string | undefined): void {
    if (error !== undefined) this.signalErrors.push(error);
  }

  private cannotRun(failure: StartFailure, reason = 'ContainerCannotRun'): ContainerResult {
    const at = this.options.now();
    return {
      name: this.container.name,
      exitCode: failure.exitCode,
      reason,
      message: failure.message,
      restartCount: this.options.restartCount,
      startedAt: at,
      finishedAt: at,
    };
  }
}

/**
 * Message for a container without `command`. Kubernetes would run the image's ENTRYPOINT,
 * but cronmesh pulls no images, so the one rule is to require `command` and never guess it.
 */
export function missingCommandMessage(container: ResolvedContainer): string {
  const name = JSON.stringify(container.name);
  if (container.image === undefined || container.image === '') {
    return `container ${name} has no command; set command in the manifest`;
  }
  const image = JSON.stringify(container.image);
  return `container ${name} has no command: cronmesh runs commands locally and cannot run the entrypoint of image ${image}; set command in the manifest`;
}

/** Returns why `workingDir` cannot be used as the process's working directory, if it cannot. */
function checkWorkingDir(workingDir: string): string | undefined {
  const quoted = JSON.stringify(workingDir);
  try {
    if (!statSync(workingDir).isDirectory()) return `workingDir ${quoted} is not a directory`;
    accessSync(workingDir, fsConstants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `workingDir ${quoted} does not exist`;
    if (code === 'EACCES') return `workingDir ${quoted} cannot be entered: permission denied`;
    return `workingDir ${quoted} cannot be used: ${code ?? String(error)}`;
  }
}
