/**
 * Input and output of one attempt (the role of a Pod) run by an executor. The worker
 * resolves envFrom and valueFrom against the stored ConfigMaps and Secrets before it
 * builds an AttemptSpec, so executors never read the store.
 */

import type { ContainerProbeSpecs, ProbeState } from './probes/types.js';
import type { SandboxSettings } from './sandbox/types.js';

/** One container of an attempt, with its environment already resolved. */
export interface ResolvedContainer {
  name: string;
  /** Kept for messages only, because cronmesh runs commands locally and pulls no image. */
  image?: string;
  /**
   * Executable and its leading arguments. It replaces the image ENTRYPOINT in Kubernetes.
   * Undefined or empty means "use the image entrypoint", which cronmesh cannot run.
   * NOTE: command and args are passed verbatim, so the caller must expand `$(VAR)`
   * references before building the spec.
   */
  command: string[] | undefined;
  /** Arguments after `command`. It replaces the image CMD in Kubernetes. */
  args: string[];
  /** The complete environment. PATH and HOME get defaults when missing (see environment.ts). */
  env: Record<string, string>;
  /** Working directory of the process. It must exist. Unset means the cronmesh process's. */
  workingDir?: string;
  /** Security settings and volume mounts that the sandbox confiner applies (sandbox/types.ts). */
  sandbox?: SandboxSettings;
  /** Startup, readiness and liveness probes, with their defaults applied. */
  probes?: ContainerProbeSpecs;
  /** `resources.limits` parsed: CPU in cores, memory in bytes. Unset or 0 means no limit. */
  limits?: { cpu?: number; memory?: number };
}

export type RestartPolicy = 'OnFailure' | 'Never';

export interface AttemptSpec {
  /**
   * Identifies the attempt on this host, such as the pod's uid. Confinement layers name what
   * they create after it. Defaults to a random UUID.
   */
  id?: string;
  /** Containers run one at a time, in order, before `containers` start. */
  initContainers: ResolvedContainer[];
  /** Containers run concurrently. At least one is required. */
  containers: ResolvedContainer[];
  restartPolicy: RestartPolicy;
  /** Seconds between SIGTERM and SIGKILL when the attempt is stopped. Defaults to 30. */
  terminationGracePeriodSeconds?: number;
  /** Maximum bytes of stdout and stderr kept for the whole attempt, across all containers. */
  logCapBytes: number;
}

/**
 * Container termination reason, as in Kubernetes `containerStatuses[].state.terminated.reason`.
 * A container stopped through the abort signal gets the abort reason, such as `DeadlineExceeded`.
 */
export type ContainerReason =
  'Completed' | 'Error' | 'OOMKilled' | 'ContainerCannotRun' | 'DeadlineExceeded' | (string & {});

/** Termination record of one run of one container. */
export interface ContainerResult {
  name: string;
  /** Process exit code, or 128 + the signal number when a signal killed it (SIGKILL is 137). */
  exitCode: number;
  /** Name of the signal that killed the process, such as `SIGKILL`. */
  signal?: string;
  reason: ContainerReason;
  message?: string;
  /** Restarts of this container before this run, counted as Kubernetes `restartCount`. */
  restartCount: number;
  /** Milliseconds since the epoch. Equal to `finishedAt` when the process never started. */
  startedAt: number;
  finishedAt: number;
}

export type AttemptPhase = 'Succeeded' | 'Failed';

export interface AttemptResult {
  phase: AttemptPhase;
  /** For a failed attempt, the abort reason, or else the reason of the first failed container. */
  reason?: string;
  message?: string;
  /** Last run of each init container that ran, in spec order. */
  initContainers: ContainerResult[];
  /** Last run of each container that ran, in spec order. Empty when an init container failed. */
  containers: ContainerResult[];
}

export type OutputStream = 'stdout' | 'stderr';

/**
 * Callbacks through which an executor reports progress. They are called synchronously and
 * should return quickly. If one throws, the executor stops the attempt and `run` rejects
 * with that error once every process has exited.
 */
export interface AttemptHooks {
  /** Receives output as UTF-8 text, in the order it was read from each stream. */
  onOutput(container: string, stream: OutputStream, chunk: string): void;
  /**
   * Called when a container process has been spawned, including after each restart. `pid` is
   * also the id of the process group the container runs in.
   */
  onContainerStart(container: string, startedAt: number, pid: number): void;
  /** Called after every run of a container, after all its output was passed to `onOutput`. */
  onContainerExit(container: string, result: ContainerResult): void;
  /**
   * Called just before a failed container is started again (restartPolicy OnFailure).
   * `restartCount` is that container's restart count including this restart, which the Job
   * controller counts towards backoffLimit.
   */
  onContainerRestart?(container: string, restartCount: number): void;
  /**
   * Called when a probe changes a running container's `started` or `ready` field. The values
   * at start are `initialProbeState(container.probes)`, and both are false after an exit.
   */
  onContainerProbeState?(container: string, state: ProbeState): void;
  /** Called for each event kubelet would record about a container, such as `Unhealthy`. */
  onContainerEvent?(
    container: string,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void;
  /** Returns the current instant in milliseconds since the Unix epoch. */
  now(): number;
}
