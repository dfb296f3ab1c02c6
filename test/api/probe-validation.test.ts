import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../src/api/field-error.js';
import type { Container, Job } from '../../src/api/types.js';
import { validateResource } from '../../src/api/validate.js';
import {
  InvalidProbeError,
  PROBE_DEFAULTS,
  resolveProbes,
} from '../../src/runtime/probes/resolve.js';
import { catchError, job } from './helpers.js';

const path = 'spec.template.spec.containers[0]';

function messagesFor(change: (container: Container) => void): string[] {
  const resource: Job = job();
  const [container] = resource.spec.template.spec.containers;
  assert.ok(container !== undefined);
  container.ports = [{ name: 'http', containerPort: 8080 }];
  change(container);
  return validateResource(resource, { operation: 'create' }).map(formatFieldError);
}

void describe('probe validation', () => {
  void it('accepts the three handlers and zero as unset', () => {
    const messages = messagesFor((container) => {
      container.livenessProbe = {
        httpGet: { port: 'http', path: '/healthz' },
        successThreshold: 0,
      };
      container.readinessProbe = { tcpSocket: { port: 8080 }, successThreshold: 3 };
      container.startupProbe = { exec: { command: ['true'] }, periodSeconds: 0 };
    });
    assert.deepEqual(messages, []);
  });

  void it('rejects negative timing fields', () => {
    const messages = messagesFor((container) => {
      container.livenessProbe = {
        exec: { command: ['true'] },
        initialDelaySeconds: -1,
        periodSeconds: -2,
        failureThreshold: -3,
      };
    });
    assert.deepEqual(messages, [
      `${path}.livenessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0`,
      `${path}.livenessProbe.periodSeconds: Invalid value: -2: must be greater than or equal to 0`,
      `${path}.livenessProbe.failureThreshold: Invalid value: -3: must be greater than or equal to 0`,
    ]);
  });

  void it('requires successThreshold 1 for liveness and startup', () => {
    const messages = messagesFor((container) => {
      container.livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 };
      container.startupProbe = { exec: { command: ['true'] }, successThreshold: 3 };
    });
    assert.deepEqual(messages, [
      `${path}.livenessProbe.successThreshold: Invalid value: 2: must be 1`,
      `${path}.startupProbe.successThreshold: Invalid value: 3: must be 1`,
    ]);
  });

  void it('checks ports by number and by declared name', () => {
    const messages = messagesFor((container) => {
      container.livenessProbe = { httpGet: { port: 70000 } };
      container.readinessProbe = { tcpSocket: { port: 'metrics' } };
      container.startupProbe = { httpGet: { path: '/' } };
    });
    assert.deepEqual(messages, [
      `${path}.livenessProbe.httpGet.port: Invalid value: 70000: must be between 1 and 65535, inclusive`,
      `${path}.readinessProbe.tcpSocket.port: Not found: "metrics"`,
      `${path}.startupProbe.httpGet.port: Required value`,
    ]);
  });

  void it('checks the scheme, header names and exec command', () => {
    const messages = messagesFor((container) => {
      container.livenessProbe = {
        httpGet: { port: 8080, scheme: 'FTP', httpHeaders: [{ name: 'Bad Name', value: 'x' }] },
      };
      container.readinessProbe = { exec: { command: [] } };
    });
    assert.deepEqual(messages, [
      `${path}.livenessProbe.httpGet.scheme: Unsupported value: "FTP": supported values: "HTTP", "HTTPS"`,
      `${path}.livenessProbe.httpGet.httpHeaders[0].name: Invalid value: "Bad Name": a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')`,
      `${path}.readinessProbe.exec.command: Required value`,
    ]);
  });

  void it('rejects grpc and a readiness grace period', () => {
    const messages = messagesFor((container) => {
      container.livenessProbe = { grpc: { port: 9090 } };
      container.readinessProbe = { exec: { command: ['true'] }, terminationGracePeriodSeconds: 5 };
    });
    assert.deepEqual(messages, [
      `${path}.livenessProbe.grpc: Forbidden: grpc probes are not supported by cronmesh; use exec, httpGet or tcpSocket`,
      `${path}.readinessProbe.terminationGracePeriodSeconds: Invalid value: 5: must not be set for readinessProbes`,
    ]);
  });
});

void describe('probe resolution', () => {
  void it('applies the Kubernetes defaults', () => {
    assert.deepEqual(PROBE_DEFAULTS, {
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const container: Container = {
      name: 'web',
      env: [{ name: 'MODE', value: 'fast' }],
      ports: [{ name: 'http', containerPort: 8080 }],
      livenessProbe: { httpGet: { port: 'http', path: 'healthz' }, periodSeconds: 0 },
      readinessProbe: {
        tcpSocket: { port: 9000, host: '10.0.0.5' },
        timeoutSeconds: 4,
        successThreshold: 2,
      },
      startupProbe: {
        exec: { command: ['check', '$(MODE)'] },
        initialDelaySeconds: 3,
        failureThreshold: 30,
        terminationGracePeriodSeconds: 7,
      },
    };

    const probes = resolveProbes(container, {
      expand: (text, env) => text.replace('$(MODE)', env.MODE ?? 'unset'),
    });

    assert.deepEqual(probes, {
      liveness: {
        handler: {
          type: 'httpGet',
          scheme: 'HTTP',
          host: '127.0.0.1',
          port: 8080,
          path: '/healthz',
          headers: [],
        },
        initialDelaySeconds: 0,
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      },
      readiness: {
        handler: { type: 'tcpSocket', host: '10.0.0.5', port: 9000 },
        initialDelaySeconds: 0,
        periodSeconds: 10,
        timeoutSeconds: 4,
        successThreshold: 2,
        failureThreshold: 3,
      },
      startup: {
        handler: { type: 'exec', command: ['check', 'fast'] },
        initialDelaySeconds: 3,
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 30,
        terminationGracePeriodSeconds: 7,
      },
    });
  });

  void it('returns undefined without probes', () => {
    assert.equal(resolveProbes({ name: 'plain' }), undefined);
  });

  void it('rejects an undeclared port name', () => {
    const error = catchError(() =>
      resolveProbes({ name: 'web', livenessProbe: { tcpSocket: { port: 'admin' } } }),
    );
    assert.ok(error instanceof InvalidProbeError);
    assert.equal(error.field, 'livenessProbe.tcpSocket.port');
    assert.equal(
      error.message,
      'livenessProbe.tcpSocket.port: port "admin" is not a named container port',
    );
  });
});
