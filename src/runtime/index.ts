// Public API of the runtime layer.
export { ProcessExecutor, type ProcessExecutorOptions } from './process.js';
export { DEFAULT_STOP_REASON, DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS } from './attempt.js';
export { DEFAULT_PATH } from './environment.js';
export { InvalidAttemptSpecError, InvalidExecutorOptionError } from './errors.js';
export {
  ConfinementError,
  type Confinement,
  type ConfinementContext,
  type Confiner,
  type ExitExplanation,
  type LaunchCommand,
  type ProcessExit,
} from './confinement.js';
export {
  DEFAULT_MAX_RESTART_BACKOFF_MS,
  DEFAULT_RESTART_BACKOFF_MS,
  RestartBackoff,
} from './restart-backoff.js';
export type {
  AttemptHooks,
  AttemptPhase,
  AttemptResult,
  AttemptSpec,
  ContainerReason,
  ContainerResult,
  OutputStream,
  ResolvedContainer,
  RestartPolicy,
} from './types.js';
