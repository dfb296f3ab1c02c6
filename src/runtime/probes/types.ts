/**
 * Resolved startup, readiness and liveness probes of one container, with every Kubernetes
 * default applied and named ports looked up, so the probe loop reads no manifest.
 */

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

export interface HttpHeader {
  name: string;
  value: string;
}

/** The action one probe performs. */
export type ProbeHandler =
  | {
      type: 'httpGet';
      scheme: 'HTTP' | 'HTTPS';
      host: string;
      port: number;
      /** Request path, starting with `/`. */
      path: string;
      headers: HttpHeader[];
    }
  | { type: 'tcpSocket'; host: string; port: number }
  | {
      type: 'exec';
      /** Executable and arguments, run without a shell in the container's environment. */
      command: string[];
    };

/** A probe with the timing fields of core/v1 Probe, all of them set. */
export interface ProbeSpec {
  handler: ProbeHandler;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  /** Grace period of a kill after this probe failed, in place of the pod's. */
  terminationGracePeriodSeconds?: number;
}

export interface ContainerProbeSpecs {
  liveness?: ProbeSpec;
  readiness?: ProbeSpec;
  startup?: ProbeSpec;
  /**
   * Values of the container's environment variables that come from Secrets. Probe output is
   * redacted of them before it reaches an Event or a log.
   */
  secretValues?: readonly string[];
}

/**
 * Result of one probe run. `warning` counts as a success and is reported as a
 * `ProbeWarning` event, as kubelet does for an HTTP probe that stopped at a redirect.
 */
export type ProbeResult = 'success' | 'warning' | 'failure';

export interface ProbeOutcome {
  result: ProbeResult;
  /** Response body, command output or error text, as kubelet puts it into the event message. */
  output: string;
}

/** The `started` and `ready` fields of a container status. */
export interface ProbeState {
  started: boolean;
  ready: boolean;
}

/**
 * Returns a container's `started` and `ready` fields at the moment it starts, before any
 * probe ran: started unless a startup probe must pass first, and ready when it is started
 * and has no readiness probe.
 */
export function initialProbeState(probes: ContainerProbeSpecs | undefined): ProbeState {
  const started = probes?.startup === undefined;
  return { started, ready: started && probes?.readiness === undefined };
}
