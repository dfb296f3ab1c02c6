import type { Container } from '../../api/types.js';
import type { ContainerProbeSpecs, HttpHeader, ProbeHandler, ProbeSpec } from './types.js';

/**
 * Defaults of core/v1 Probe, applied by the Kubernetes API server when a field is unset or 0
 * (SetDefaults_Probe in pkg/apis/core/v1/defaults.go).
 */
export const PROBE_DEFAULTS = Object.freeze({
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 1,
  successThreshold: 1,
  failureThreshold: 3,
});

/** Host that probes connect to when `host` is unset. Kubelet uses the pod IP. */
export const PROBE_DEFAULT_HOST = '127.0.0.1';

/** A probe the runtime cannot run, such as one naming a port the container does not declare. */
export class InvalidProbeError extends Error {
  readonly code = 'InvalidProbe';

  constructor(
    /** Path of the field in the container, such as `livenessProbe.httpGet.port`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidProbeError';
  }
}

interface RawProbe {
  exec?: { command?: string[] };
  httpGet?: {
    path?: string;
    port?: number | string;
    host?: string;
    scheme?: string;
    httpHeaders?: { name?: string; value?: string }[];
  };
  tcpSocket?: { port?: number | string; host?: string };
  grpc?: unknown;
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

const probeFields = [
  ['liveness', 'livenessProbe'],
  ['readiness', 'readinessProbe'],
  ['startup', 'startupProbe'],
] as const;

export interface ResolveProbesOptions {
  /**
   * Expands the `$(VAR)` references of one exec command entry with `env`, as container
   * commands are expanded. Without it, commands stay as written.
   */
  expand?: (text: string, env: Record<string, string>) => string;
  /** Values of the container's variables that come from Secrets, to redact from probe output. */
  secretValues?: readonly string[];
}

/**
 * Resolves a container's probes, or returns undefined when it has none. Throws
 * InvalidProbeError for a probe that validation would have rejected: no supported handler, or
 * a port name missing from `ports`.
 */
export function resolveProbes(
  container: Container,
  options: ResolveProbesOptions = {},
): ContainerProbeSpecs | undefined {
  const { expand } = options;
  const env = staticEnvironment(container);
  const expandCommand = (text: string): string => (expand === undefined ? text : expand(text, env));
  let specs: ContainerProbeSpecs | undefined;
  for (const [kind, field] of probeFields) {
    const raw = container[field] as RawProbe | undefined | null;
    if (raw === undefined || raw === null) continue;
    specs ??= {};
    specs[kind] = resolveProbe(raw, field, container, expandCommand);
  }
  if (specs !== undefined && options.secretValues !== undefined) {
    specs.secretValues = options.secretValues;
  }
  return specs;
}

/**
 * Returns the variables that kubelet expands in an exec probe's command: the literal `value` of
 * each `env` entry as written, and '' for an entry with `valueFrom`. Variables from `envFrom`
 * are not among them, so a reference to one stays as written. Kubelet does this in
 * ExpandContainerCommandOnlyStatic (pkg/kubelet/container/helpers.go), so a probe command
 * never receives a Secret's value.
 */
export function staticEnvironment(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) env[variable.name] = variable.value ?? '';
  return env;
}

function resolveProbe(
  raw: RawProbe,
  field: string,
  container: Container,
  expand: (text: string) => string,
): ProbeSpec {
  const spec: ProbeSpec = {
    handler: resolveHandler(raw, field, container, expand),
    initialDelaySeconds: Math.max(0, raw.initialDelaySeconds ?? PROBE_DEFAULTS.initialDelaySeconds),
    periodSeconds: positiveOr(raw.periodSeconds, PROBE_DEFAULTS.periodSeconds),
    timeoutSeconds: positiveOr(raw.timeoutSeconds, PROBE_DEFAULTS.timeoutSeconds),
    successThreshold: positiveOr(raw.successThreshold, PROBE_DEFAULTS.successThreshold),
    failureThreshold: positiveOr(raw.failureThreshold, PROBE_DEFAULTS.failureThreshold),
  };
  if (raw.terminationGracePeriodSeconds !== undefined) {
    spec.terminationGracePeriodSeconds = raw.terminationGracePeriodSeconds;
  }
  return spec;
}

function resolveHandler(
  raw: RawProbe,
  field: string,
  container: Container,
  expand: (text: string) => string,
): ProbeHandler {
  if (raw.exec !== undefined) {
    return { type: 'exec', command: (raw.exec.command ?? []).map(expand) };
  }
  if (raw.httpGet !== undefined) {
    const action = raw.httpGet;
    const path = action.path ?? '';
    return {
      type: 'httpGet',
      scheme: action.scheme?.toUpperCase() === 'HTTPS' ? 'HTTPS' : 'HTTP',
      host: hostOrDefault(action.host),
      port: resolvePort(action.port, `${field}.httpGet.port`, container),
      path: path.startsWith('/') ? path : `/${path}`,
      headers: (action.httpHeaders ?? []).map((header): HttpHeader => ({
        name: header.name ?? '',
        value: header.value ?? '',
      })),
    };
  }
  if (raw.tcpSocket !== undefined) {
    return {
      type: 'tcpSocket',
      host: hostOrDefault(raw.tcpSocket.host),
      port: resolvePort(raw.tcpSocket.port, `${field}.tcpSocket.port`, container),
    };
  }
  if (raw.grpc !== undefined) {
    throw new InvalidProbeError(`${field}.grpc`, 'grpc probes are not supported by cronmesh');
  }
  throw new InvalidProbeError(field, 'must specify a handler type');
}

function hostOrDefault(host: string | undefined): string {
  return host === undefined || host === '' ? PROBE_DEFAULT_HOST : host;
}

/** Returns the port number, looking a name up in the container's `ports` as kubelet does. */
function resolvePort(
  port: number | string | undefined,
  field: string,
  container: Container,
): number {
  if (typeof port === 'number') return port;
  if (port === undefined || port === '') throw new InvalidProbeError(field, 'port is required');
  const ports = (container.ports ?? []) as { name?: string; containerPort?: number }[];
  const named = ports.find((candidate) => candidate.name === port);
  if (named?.containerPort !== undefined) return named.containerPort;
  // Kubelet also accepts a number written as a string.
  if (/^[0-9]+$/.test(port)) return Number(port);
  throw new InvalidProbeError(field, `port ${JSON.stringify(port)} is not a named container port`);
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value === undefined || value <= 0 ? fallback : value;
}
