import { ConfinementError } from '../../confinement.js';
import type { SandboxSettings } from '../types.js';
import { compileRuntimeDefault, hostSeccompArchitecture } from './runtime-default.js';

/**
 * Returns the seccomp program of a container's effective `seccompProfile`: the RuntimeDefault
 * filter, or undefined for `Unconfined` and an unset profile, which Kubernetes runs unconfined
 * by default. Validation rejects `Localhost`. Throws ConfinementError, naming the field, when
 * this host cannot load the filter: `unavailable` is why a probe run of it failed.
 */
export function seccompProgram(
  settings: SandboxSettings,
  capabilities: readonly string[],
  unavailable: string | undefined,
): Buffer | undefined {
  const type = settings.security.seccompProfile?.type;
  if (type === undefined || type === 'Unconfined') return undefined;
  const field = `${settings.security.sources.seccompProfile ?? `${settings.field}.securityContext.seccompProfile`}.type`;
  const reject = (reason: string): never => {
    throw new ConfinementError(
      'CreateContainerConfigError',
      `${field} ${JSON.stringify(type)} cannot be honoured: ${reason}; set it to Unconfined or remove it`,
    );
  };
  if (type !== 'RuntimeDefault') return reject('cronmesh supports only RuntimeDefault');
  const architecture = hostSeccompArchitecture();
  if (architecture === undefined) {
    return reject(
      `cronmesh has a RuntimeDefault filter for x86_64 and aarch64 only, not for ${process.arch}`,
    );
  }
  if (unavailable !== undefined)
    return reject(`bwrap cannot load a seccomp filter here (${unavailable})`);
  return compileRuntimeDefault(architecture, capabilities);
}
