import type { Confinement, Confiner, LaunchCommand } from '../confinement.js';
import type { ResolvedContainer } from '../types.js';
import { checkAppArmorProfile, checkHostProcessFields, checkRunAsNonRoot } from './checks.js';

/**
 * The `--sandbox=none` mode: containers run as plain host processes with cronmesh's user.
 * It refuses every container that sets a field only the sandbox can honour, so no such field
 * is ever silently ignored. Containers without sandbox settings pass unchanged.
 */
export class HostProcessConfiner implements Confiner {
  confine(container: ResolvedContainer): Promise<Confinement> {
    const settings = container.sandbox;
    if (settings !== undefined) {
      checkRunAsNonRoot(settings, container.name);
      checkAppArmorProfile(settings);
      checkHostProcessFields(settings);
    }
    return Promise.resolve({
      wrap: (command: LaunchCommand) => command,
      release: () => Promise.resolve(),
    });
  }
}
