/**
 * Shell wrappers that prepare the process and then exec the container's command, so the pid,
 * and with it the process group and signal delivery, stay the same.
 */
import type { LaunchCommand } from '../confinement.js';

const SHELL = '/bin/sh';

/**
 * Exit code of a wrapper that could not join a cgroup or set a limit. The shell prints the
 * reason to the container's stderr.
 */
export const SHIM_FAILURE_EXIT_CODE = 125;

/** Wraps `command` so its process writes its pid to each of `procsFiles` before it execs. */
export function joinCgroupsCommand(
  command: LaunchCommand,
  procsFiles: readonly string[],
): LaunchCommand {
  const script =
    'n=$1; shift; ' +
    `while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit ${SHIM_FAILURE_EXIT_CODE}; shift; n=$((n - 1)); done; ` +
    'exec "$@"';
  return {
    ...command,
    file: SHELL,
    args: [
      '-c',
      script,
      'cronmesh-cgroup',
      String(procsFiles.length),
      ...procsFiles,
      command.file,
      ...command.args,
    ],
  };
}

/** Wraps `command` so it runs with RLIMIT_AS set to `kibibytes` (the shell's `ulimit -v`). */
export function addressSpaceLimitCommand(command: LaunchCommand, kibibytes: number): LaunchCommand {
  const script = `ulimit -v "$1" || exit ${SHIM_FAILURE_EXIT_CODE}; shift; exec "$@"`;
  return {
    ...command,
    file: SHELL,
    args: ['-c', script, 'cronmesh-rlimit', String(kibibytes), command.file, ...command.args],
  };
}
