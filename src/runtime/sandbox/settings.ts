import type { SandboxSettings } from './types.js';

/**
 * Settings for a container that the worker gave none, such as one built by a test or an
 * embedding program: cronmesh's own user, no volumes, host namespaces for nothing.
 */
export function defaultSandboxSettings(containerName: string): SandboxSettings {
  return {
    podField: 'spec',
    field: `container ${containerName}`,
    podDescription: containerName,
    security: { sources: {} },
    mounts: [],
    hostPID: false,
    hostIPC: false,
    shareProcessNamespace: false,
  };
}
