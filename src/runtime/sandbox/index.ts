// Public API of the sandbox: the confiners of the two modes and how a worker selects one.
export { BubblewrapConfiner, type SandboxTools } from './bubblewrap.js';
export { HostProcessConfiner } from './host-process.js';
export { volumesParentDirectory } from './filesystem.js';
export {
  probeBubblewrap,
  probeSeccomp,
  sandboxSelections,
  selectSandbox,
  SandboxUnavailableError,
  type SandboxSelection,
  type SelectedSandbox,
} from './select.js';
export type { SandboxMode, SandboxMount, SandboxSettings } from './types.js';
