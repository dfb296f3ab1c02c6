import {
  sandboxSelections,
  selectSandbox,
  SandboxUnavailableError,
  type SandboxSelection,
  type SelectedSandbox,
} from '../runtime/sandbox/index.js';
import type { Logger } from '../util/logger.js';
import { CliError } from './errors.js';

/** Help text of the `--sandbox` flag of `serve` and `worker`. */
export const sandboxFlagHelp =
  'how containers are isolated: bubblewrap, none (plain host processes), or auto (bubblewrap when a probe run of bwrap works)';

/** Checks a `--sandbox` value. Throws CliError naming a bad one. */
export function parseSandboxFlag(value: string): SandboxSelection {
  const selection = sandboxSelections.find((candidate) => candidate === value);
  if (selection === undefined) {
    throw new CliError(
      `invalid --sandbox value ${JSON.stringify(value)}: expected ${sandboxSelections.join(', ')}`,
    );
  }
  return selection;
}

/**
 * Selects the sandbox mode and logs it: at info when it is the requested one, at warn when
 * `auto` fell back to plain host processes. Throws CliError when bubblewrap was requested and
 * does not work.
 */
export async function openSandbox(
  selection: SandboxSelection,
  logger: Logger,
): Promise<SelectedSandbox> {
  try {
    const selected = await selectSandbox(selection);
    if (selected.fallbackReason === undefined) {
      logger.info({ sandbox: selected.mode }, 'container sandbox selected');
    } else {
      logger.warn(
        { sandbox: selected.mode, reason: selected.fallbackReason },
        'bubblewrap does not work, so containers run as plain host processes',
      );
    }
    return selected;
  } catch (error) {
    if (!(error instanceof SandboxUnavailableError)) throw error;
    throw new CliError(`${error.message}; start with --sandbox=auto or --sandbox=none instead`);
  }
}
