import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';

/** Exit code and message of a container whose process could not be started. */
export interface StartFailure {
  exitCode: number;
  message: string;
}

/** Exit code of a start failure other than a missing or non-executable command. */
export const START_FAILURE_EXIT_CODE = 128;

/**
 * Returns 128 + the signal number, the exit code that shells and Kubernetes report for a
 * process killed by a signal (SIGTERM gives 143, SIGKILL gives 137).
 */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  const signalNumbers: Record<string, number | undefined> = constants.signals;
  return 128 + (signalNumbers[signal] ?? 0);
}

/**
 * Describes an error from `spawn`. Exit codes follow the shell convention that Docker
 * also uses: 127 when the executable is missing, 126 when it cannot be executed, and 128
 * for other start failures.
 *
 * ENOENT also arises when the file exists but the interpreter on its `#!` line does not,
 * so the file is looked up again to tell the two cases apart.
 */
export function describeSpawnFailure(
  containerName: string,
  executable: string,
  error: NodeJS.ErrnoException,
  searchPath: string,
  workingDir: string | undefined,
): StartFailure {
  const prefix = `container ${JSON.stringify(containerName)} cannot start`;
  const quoted = JSON.stringify(executable);

  if (error.code === 'ENOENT') {
    if (findExecutableFile(executable, searchPath, workingDir)) {
      return {
        exitCode: 127,
        message: `${prefix}: the #! interpreter named in ${quoted} was not found`,
      };
    }
    const where = executable.includes('/') ? '' : ` in PATH ${JSON.stringify(searchPath)}`;
    return { exitCode: 127, message: `${prefix}: executable ${quoted} not found${where}` };
  }

  if (error.code === 'EACCES') {
    return {
      exitCode: 126,
      message: `${prefix}: permission denied executing ${quoted}; it must be a file with execute permission`,
    };
  }

  return {
    exitCode: START_FAILURE_EXIT_CODE,
    message: `${prefix}: spawning ${quoted} failed: ${error.message}`,
  };
}

function findExecutableFile(
  executable: string,
  searchPath: string,
  workingDir: string | undefined,
): boolean {
  if (executable.includes('/')) {
    return existsSync(resolve(workingDir ?? process.cwd(), executable));
  }
  return searchPath
    .split(':')
    .filter((directory) => directory !== '')
    .some((directory) => existsSync(join(directory, executable)));
}
