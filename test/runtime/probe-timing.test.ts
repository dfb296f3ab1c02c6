import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ContainerProbes, redactSecretValues } from '../../src/runtime/probes/container-probes.js';
import type {
  ContainerProbeSpecs,
  ProbeKind,
  ProbeOutcome,
  ProbeSpec,
  ProbeState,
} from '../../src/runtime/probes/types.js';
import { FakeClock } from '../../src/util/clock.js';
import { START, shellContainer, waitFor } from './helpers.js';

/** A real HTTP server whose status code per path the test sets. */
class HealthServer {
  readonly status = new Map<string, number>();
  readonly requests: string[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const path = request.url ?? '/';
      this.requests.push(path);
      response.statusCode = this.status.get(path) ?? 200;
      response.end('ok');
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  count(path: string): number {
    return this.requests.filter((request) => request === path).length;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

interface Recording {
  outcomes: { kind: ProbeKind; outcome: ProbeOutcome }[];
  states: ProbeState[];
  events: string[];
  failures: ProbeKind[];
}

let server: HealthServer;
beforeEach(async () => {
  server = new HealthServer();
  await server.start();
});
afterEach(() => server.close());

function httpProbe(path: string, timing: Partial<Omit<ProbeSpec, 'handler'>> = {}): ProbeSpec {
  return {
    handler: {
      type: 'httpGet',
      scheme: 'HTTP',
      host: '127.0.0.1',
      port: server.port,
      path,
      headers: [],
    },
    initialDelaySeconds: 0,
    periodSeconds: 10,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 3,
    ...timing,
  };
}

function startProbes(
  clock: FakeClock,
  probes: ContainerProbeSpecs,
  container = shellContainer('web', 'true'),
): { probes: ContainerProbes; recording: Recording } {
  const recording: Recording = { outcomes: [], states: [], events: [], failures: [] };
  const started = ContainerProbes.start({
    clock,
    container,
    probes,
    startedAt: clock.now(),
    confiners: [],
    runId: 'run-1',
    restartCount: 0,
    onProbe: (kind, outcome) => recording.outcomes.push({ kind, outcome }),
    onStateChange: (state) => recording.states.push(state),
    onEvent: (type, reason, message) => recording.events.push(`${type} ${reason} ${message}`),
    onFailure: (kind) => recording.failures.push(kind),
  });
  return { probes: started, recording };
}

/** Advances the clock and waits until `count` probe outcomes were recorded. */
async function advanceTo(
  clock: FakeClock,
  ms: number,
  recording: Recording,
  count: number,
): Promise<void> {
  clock.advance(ms);
  await waitFor(() => recording.outcomes.length >= count, `${count} probe outcomes`);
  assert.equal(recording.outcomes.length, count);
}

void describe('probe timing', () => {
  void it('waits initialDelaySeconds, then probes every periodSeconds', async () => {
    const clock = new FakeClock(START);
    const { probes, recording } = startProbes(clock, {
      liveness: httpProbe('/live', { initialDelaySeconds: 5, periodSeconds: 10 }),
    });

    clock.advance(4_999);
    assert.equal(server.count('/live'), 0);
    await advanceTo(clock, 1, recording, 1);
    assert.equal(server.count('/live'), 1);

    clock.advance(9_999);
    assert.equal(server.count('/live'), 1);
    await advanceTo(clock, 1, recording, 2);
    await advanceTo(clock, 10_000, recording, 3);
    assert.equal(server.count('/live'), 3);
    assert.deepEqual(recording.failures, []);
    await probes.stop();
  });

  void it('kills after failureThreshold failures in a row', async () => {
    const clock = new FakeClock(START);
    server.status.set('/live', 500);
    const { probes, recording } = startProbes(clock, { liveness: httpProbe('/live') });

    await advanceTo(clock, 0, recording, 1);
    await advanceTo(clock, 10_000, recording, 2);
    assert.deepEqual(recording.failures, []);
    await advanceTo(clock, 10_000, recording, 3);
    assert.deepEqual(recording.failures, ['liveness']);
    assert.deepEqual(recording.events, [
      'Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500',
      'Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500',
      'Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500',
    ]);

    // Probing stays on hold after the failure, as kubelet waits for the next container.
    clock.advance(60_000);
    assert.equal(clock.pendingTimers(), 0);
    assert.equal(server.count('/live'), 3);
    await probes.stop();
  });

  void it('resets the failure count on a success', async () => {
    const clock = new FakeClock(START);
    const { probes, recording } = startProbes(clock, {
      liveness: httpProbe('/live', { periodSeconds: 1, failureThreshold: 2 }),
    });
    const script = [500, 200, 500, 200, 500];
    for (const [index, status] of script.entries()) {
      server.status.set('/live', status);
      await advanceTo(clock, index === 0 ? 0 : 1_000, recording, index + 1);
    }
    assert.deepEqual(recording.failures, []);
    server.status.set('/live', 500);
    await advanceTo(clock, 1_000, recording, 6);
    assert.deepEqual(recording.failures, ['liveness']);
    await probes.stop();
  });

  void it('gates liveness and readiness on the startup probe', async () => {
    const clock = new FakeClock(START);
    server.status.set('/started', 503);
    const { probes, recording } = startProbes(clock, {
      startup: httpProbe('/started', { periodSeconds: 1, failureThreshold: 30 }),
      liveness: httpProbe('/live', { periodSeconds: 1 }),
      readiness: httpProbe('/ready', {
        periodSeconds: 1,
        successThreshold: 2,
        failureThreshold: 2,
      }),
    });

    await advanceTo(clock, 0, recording, 1);
    await advanceTo(clock, 1_000, recording, 2);
    assert.equal(server.count('/live'), 0);
    assert.equal(server.count('/ready'), 0);
    assert.deepEqual(recording.states, []);

    server.status.set('/started', 200);
    await advanceTo(clock, 1_000, recording, 3);
    assert.deepEqual(recording.states, [{ started: true, ready: false }]);

    // From the next period on, liveness and readiness run, and the startup probe does not.
    await advanceTo(clock, 1_000, recording, 5);
    assert.deepEqual(recording.states, [{ started: true, ready: false }]);
    await advanceTo(clock, 1_000, recording, 7);
    assert.deepEqual(recording.states, [
      { started: true, ready: false },
      { started: true, ready: true },
    ]);
    assert.equal(server.count('/started'), 3);

    server.status.set('/ready', 503);
    await advanceTo(clock, 1_000, recording, 9);
    assert.equal(recording.states.length, 2);
    await advanceTo(clock, 1_000, recording, 11);
    assert.deepEqual(recording.states.at(-1), { started: true, ready: false });
    assert.deepEqual(recording.failures, []);
    await probes.stop();
  });

  void it('kills when the startup probe keeps failing', async () => {
    const clock = new FakeClock(START);
    server.status.set('/started', 500);
    const { probes, recording } = startProbes(clock, {
      startup: httpProbe('/started', { periodSeconds: 2, failureThreshold: 2 }),
      liveness: httpProbe('/live'),
    });
    await advanceTo(clock, 0, recording, 1);
    await advanceTo(clock, 2_000, recording, 2);
    assert.deepEqual(recording.failures, ['startup']);
    assert.deepEqual(recording.events, [
      'Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 500',
      'Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 500',
    ]);
    assert.equal(server.count('/live'), 0);
    await probes.stop();
  });

  void it('times out an HTTP probe after timeoutSeconds', async () => {
    const clock = new FakeClock(START);
    // A listener that accepts connections but never responds.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const spec = httpProbe('/slow', { timeoutSeconds: 2 });
    spec.handler = { ...spec.handler, port } as ProbeSpec['handler'];
    const { probes, recording } = startProbes(clock, { readiness: spec });

    clock.advance(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(recording.outcomes.length, 0);
    clock.advance(1_999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(recording.outcomes.length, 0);
    await advanceTo(clock, 1, recording, 1);
    assert.deepEqual(recording.outcomes[0]?.outcome, {
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
    });
    await probes.stop();
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });

  void it('stop aborts a probe under way', async () => {
    const clock = new FakeClock(START);
    let connections = 0;
    let closed = 0;
    const silent = createServer(() => undefined);
    silent.on('connection', (socket) => {
      connections += 1;
      socket.once('close', () => {
        closed += 1;
      });
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const spec = httpProbe('/slow', { timeoutSeconds: 30 });
    spec.handler = { ...spec.handler, port } as ProbeSpec['handler'];
    const { probes, recording } = startProbes(clock, { readiness: spec });

    try {
      clock.advance(0);
      await waitFor(() => connections === 1, 'the probe to connect');
      await probes.stop();

      await waitFor(() => closed === 1, 'the probe connection to close');
      assert.equal(clock.pendingTimers(), 0);
      assert.deepEqual(recording.outcomes, []);
      assert.deepEqual(recording.events, []);
    } finally {
      // Closed even after a failed assertion, because an open socket keeps the test file running.
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

void describe('probe output', () => {
  void it('redacts Secret values from events', async () => {
    const clock = new FakeClock(START);
    const token = 's3cr3t-token-value';
    const container = shellContainer('web', 'true', {
      env: { TOKEN: token, AUTHORIZATION: `Bearer ${token}` },
    });
    const liveness: ProbeSpec = {
      ...httpProbe('/unused', { failureThreshold: 1 }),
      handler: {
        type: 'exec',
        command: ['/bin/sh', '-c', 'echo "token=$TOKEN header=$AUTHORIZATION"; exit 1'],
      },
    };
    const { probes, recording } = startProbes(
      clock,
      { liveness, secretValues: [token, `Bearer ${token}`] },
      container,
    );

    await advanceTo(clock, 0, recording, 1);

    assert.deepEqual(recording.events, [
      'Warning Unhealthy Liveness probe failed: token=[REDACTED] header=[REDACTED]\n',
    ]);
    assert.deepEqual(recording.outcomes[0]?.outcome, {
      result: 'failure',
      output: 'token=[REDACTED] header=[REDACTED]\n',
    });
    assert.deepEqual(recording.failures, ['liveness']);
    await probes.stop();
  });

  void it('redacts the longest value in one pass', () => {
    assert.equal(redactSecretValues('a.b a.bc axb', ['a.b', 'a.bc']), '[REDACTED] [REDACTED] axb');
    assert.equal(
      redactSecretValues('RED and REDACTED', ['RED', '']),
      '[REDACTED] and [REDACTED]ACTED',
    );
    assert.equal(redactSecretValues('no secrets here', []), 'no secrets here');
  });
});
