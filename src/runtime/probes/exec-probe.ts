import { spawn } from 'node:child_process';
import type { Clock } from '../../util/clock.js';
import {
  ConfinementError,
  type Confinement,
  type Confiner,
  type LaunchCommand,
} from '../confinement.js';
import { buildProcessEnvironment } from '../environment.js';
import { signalProcessGroup } from '../process-group.js';
import type { ResolvedContainer } from '../types.js';
import type { ProbeHandler, ProbeOutcome } from './types.js';

/** Bytes of combined output kept, as kubelet keeps at most 10 KiB of an exec probe's output. */
const MAX_OUTPUT_BYTES = 10 * 1024;

type Exec = Extract<ProbeHandler, { type: 'exec' }>;

/** Outcome of a probe aborted by a stop, which the caller drops. */
const stoppedOutcome: ProbeOutcome = { result: 'failure', output: 'probe stopped' };

export interface ExecProbeContext {
  clock: Clock;
  /** The probed container, whose environment and working directory the command gets. */
  container: ResolvedContainer;
  /** The container's confinement layers, innermost first. */
  confiners: readonly Confiner[];
  /** Unique name of this probe run on the host, passed to the confiners. */
  runId: string;
  restartCount: number;
}

/**
 * Runs the command in the container's environment and working directory, wrapped in the
 * container's confinement layers, in a process group of its own. Exit code 0 is a success.
 * After `timeoutMs` the group is killed with SIGKILL and the probe fails, as kubelet fails an
 * exec probe that exceeds timeoutSeconds. Aborting `signal` kills the group the same way. The
 * returned promise settles after the command has exited and the layers are released.
 *
 * NOTE: each run gets fresh confinement layers (a new sandbox, a new cgroup), because a
 * container here has no namespace that another process could join. Files the container wrote
 * outside shared paths, such as into a private /tmp, are not visible to the probe.
 */
export async function runExecProbe(
  handler: Exec,
  timeoutMs: number,
  context: ExecProbeContext,
  signal?: AbortSignal,
): Promise<ProbeOutcome> {
  const { container } = context;
  const [file, ...args] = handler.command;
  if (file === undefined) return { result: 'failure', output: 'exec probe has an empty command' };
  // A function, because TypeScript would keep the first check's narrowing across the awaits.
  const stopped = (): boolean => signal?.aborted === true;
  if (stopped()) return stoppedOutcome;

  let launch: LaunchCommand = {
    file,
    args,
    env: buildProcessEnvironment(container.env),
    ...(container.workingDir === undefined ? {} : { cwd: container.workingDir }),
  };
  const confinements: Confinement[] = [];
  try {
    for (const confiner of context.confiners) {
      const confinementContext = { runId: context.runId, restartCount: context.restartCount };
      const confinement = await confiner.confine(container, confinementContext);
      confinements.push(confinement);
      launch = confinement.wrap(launch);
    }
    // The confiners may have taken long enough for a stop to arrive.
    if (stopped()) return stoppedOutcome;
    return await runCommand(launch, handler.command, timeoutMs, context.clock, signal);
  } catch (error) {
    if (!(error instanceof ConfinementError)) throw error;
    return { result: 'failure', output: error.message };
  } finally {
    for (const confinement of confinements.reverse()) await confinement.release();
  }
}

function runCommand(
  launch: LaunchCommand,
  command: string[],
  timeoutMs: number,
  clock: Clock,
  signal: AbortSignal | undefined,
): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const collect = (chunk: Buffer): void => {
      if (length >= MAX_OUTPUT_BYTES) return;
      chunks.push(chunk);
      length += chunk.length;
    };
    const output = (): string =>
      Buffer.concat(chunks).subarray(0, MAX_OUTPUT_BYTES).toString('utf8');

    const child = spawn(launch.file, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let settled = false;
    // The outcome to report once a command killed for a timeout or a stop has exited.
    let killedWith: ProbeOutcome | undefined;
    const settle = (outcome: ProbeOutcome): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const kill = (outcome: ProbeOutcome): void => {
      if (settled || killedWith !== undefined) return;
      killedWith = outcome;
      const failure =
        child.pid === undefined ? undefined : signalProcessGroup(child.pid, 'SIGKILL');
      // 'close' waits for the pipes, which a process outside the group could keep open.
      child.stdout.destroy();
      child.stderr.destroy();
      // NOTE: a group that cannot be signalled (EPERM) may outlive the probe. The probe then
      // settles at once instead of waiting for an exit that may never come.
      if (failure !== undefined) settle({ ...outcome, output: `${outcome.output}; ${failure}` });
    };
    const timer = clock.setTimer(timeoutMs, () =>
      kill({ result: 'failure', output: `command ${JSON.stringify(command.join(' '))} timed out` }),
    );
    const onAbort = (): void => kill(stoppedOutcome);
    signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'ENOENT'
          ? `exec: ${JSON.stringify(launch.file)}: executable file not found in $PATH`
          : error.message;
      settle({ result: 'failure', output: reason });
    });
    child.once('exit', () => {
      // Descendants left in the group would outlive the probe and keep its pipes open, so
      // they are killed with it.
      if (child.pid !== undefined) signalProcessGroup(child.pid, 'SIGKILL');
    });
    child.once('close', (code) => {
      settle(killedWith ?? { result: code === 0 ? 'success' : 'failure', output: output() });
    });
  });
}
