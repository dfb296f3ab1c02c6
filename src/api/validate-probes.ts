/**
 * Validation of container probes and lifecycle handlers (core/v1 validation of Probe and
 * LifecycleHandler), with Kubernetes' field paths and messages, plus the rules cronmesh adds
 * because it runs the probes itself.
 */
import {
  forbidden,
  invalid,
  notFound,
  required,
  unsupported,
  type FieldError,
} from './field-error.js';
import { childPath, keyPath } from './field-path.js';
import { checkPortName } from './names.js';
import type { Container } from './types.js';

type Handler = Record<string, unknown> & {
  exec?: { command?: string[] };
  httpGet?: {
    port?: number | string;
    scheme?: string;
    httpHeaders?: { name?: string; value?: string }[];
  };
  tcpSocket?: { port?: number | string };
  grpc?: { port?: number };
};

type Probe = Handler & Record<string, unknown>;

const portRangeMessage = 'must be between 1 and 65535, inclusive';
const probeCounters = [
  'initialDelaySeconds',
  'timeoutSeconds',
  'periodSeconds',
  'successThreshold',
  'failureThreshold',
];
const handlerTypes = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];
const httpSchemes = ['HTTP', 'HTTPS'];
const headerNamePattern = /^[-A-Za-z0-9]+$/;
const headerNameMessage =
  "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')";

/** Validates the probes and lifecycle hooks of one container. */
export function validateProbes(
  container: Container,
  path: string,
  role: 'container' | 'initContainer',
): FieldError[] {
  const errors: FieldError[] = [];
  const ports = namedPorts(container);
  const isSidecar = role === 'initContainer' && container.restartPolicy === 'Always';
  for (const probeName of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    const probe = container[probeName] as Probe | undefined;
    if (probe === undefined) continue;
    const probePath = childPath(path, probeName);
    if (role === 'initContainer' && !isSidecar) {
      errors.push(
        forbidden(probePath, 'may not be set for init containers without restartPolicy=Always'),
      );
      continue;
    }
    errors.push(...validateHandler(probe, probePath, ports));
    if (probe.grpc !== undefined) {
      errors.push(
        forbidden(
          childPath(probePath, 'grpc'),
          'grpc probes are not supported by cronmesh; use exec, httpGet or tcpSocket',
        ),
      );
    }
    for (const counter of probeCounters) {
      const value = probe[counter];
      if (typeof value === 'number' && value < 0) {
        errors.push(
          invalid(childPath(probePath, counter), value, 'must be greater than or equal to 0'),
        );
      }
    }
    // 0 is the unset value, which the API server defaults to 1 before it validates.
    const threshold = probe.successThreshold;
    if (
      probeName !== 'readinessProbe' &&
      typeof threshold === 'number' &&
      threshold !== 1 &&
      threshold !== 0
    ) {
      errors.push(invalid(childPath(probePath, 'successThreshold'), threshold, 'must be 1'));
    }
    const grace = probe.terminationGracePeriodSeconds;
    const gracePath = childPath(probePath, 'terminationGracePeriodSeconds');
    if (probeName === 'readinessProbe' && grace !== undefined) {
      errors.push(invalid(gracePath, grace, 'must not be set for readinessProbes'));
    } else if (typeof grace === 'number' && grace <= 0) {
      errors.push(invalid(gracePath, grace, 'must be greater than 0'));
    }
  }

  const lifecycle = container.lifecycle as { postStart?: Handler; preStop?: Handler } | undefined;
  for (const hook of ['postStart', 'preStop'] as const) {
    const handler = lifecycle?.[hook];
    if (handler)
      errors.push(
        ...validateHandler(handler, childPath(childPath(path, 'lifecycle'), hook), ports),
      );
  }
  return errors;
}

function validateHandler(handler: Handler, path: string, ports: ReadonlySet<string>): FieldError[] {
  const present = handlerTypes.filter((type) => handler[type] !== undefined);
  if (present.length === 0) return [required(path, 'must specify a handler type')];
  const errors = present
    .slice(1)
    .map((type) => forbidden(childPath(path, type), 'may not specify more than 1 handler type'));

  if (handler.exec !== undefined && (handler.exec.command ?? []).length === 0) {
    errors.push(required(childPath(childPath(path, 'exec'), 'command'), ''));
  }
  for (const type of ['httpGet', 'tcpSocket'] as const) {
    const action = handler[type];
    if (action === undefined) continue;
    errors.push(...validatePort(action.port, childPath(childPath(path, type), 'port'), ports));
  }
  if (handler.httpGet !== undefined) errors.push(...validateHttpGet(handler.httpGet, path));

  const grpcPort = handler.grpc?.port;
  if (grpcPort !== undefined && !isPortNumber(grpcPort)) {
    errors.push(invalid(childPath(childPath(path, 'grpc'), 'port'), grpcPort, portRangeMessage));
  }
  return errors;
}

/**
 * Checks a port number or name. Kubernetes checks only the name's syntax, and kubelet then
 * fails the probe at run time when the container declares no such port. cronmesh rejects that
 * name up front, because the probe could never pass.
 */
function validatePort(
  port: number | string | undefined,
  path: string,
  ports: ReadonlySet<string>,
): FieldError[] {
  if (port === undefined) return [required(path, '')];
  if (typeof port === 'number') {
    return isPortNumber(port) ? [] : [invalid(path, port, portRangeMessage)];
  }
  const messages = checkPortName(port);
  if (messages.length > 0) return messages.map((message) => invalid(path, port, message));
  return ports.has(port) ? [] : [notFound(path, port)];
}

function validateHttpGet(action: NonNullable<Handler['httpGet']>, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const actionPath = childPath(path, 'httpGet');
  if (action.scheme !== undefined && !httpSchemes.includes(action.scheme)) {
    errors.push(unsupported(childPath(actionPath, 'scheme'), action.scheme, httpSchemes));
  }
  (action.httpHeaders ?? []).forEach((header, index) => {
    const name = header.name ?? '';
    const namePath = childPath(keyPath(childPath(actionPath, 'httpHeaders'), index), 'name');
    if (!headerNamePattern.test(name)) errors.push(invalid(namePath, name, headerNameMessage));
  });
  return errors;
}

function namedPorts(container: Container): Set<string> {
  const ports = (container.ports ?? []) as { name?: string }[];
  return new Set(ports.flatMap((port) => (port.name === undefined ? [] : [port.name])));
}

function isPortNumber(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}
