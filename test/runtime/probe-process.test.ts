import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ProcessExecutor,
  type AttemptHooks,
  type ResolvedContainer,
} from '../../src/runtime/index.js';
import type { ProbeSpec, ProbeState } from '../../src/runtime/probes/types.js';
import { SystemClock } from '../../src/util/clock.js';
import {
  attemptSpec,
  HookRecorder,
  makeTempDir,
  processIsRunning,
  PROCESS_TEST,
  shellContainer,
  waitFor,
} from './helpers.js';

const clock = new SystemClock();

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

/** Hooks that also record probe states and container events. */
function recordProbes(recorder: HookRecorder): {
  hooks: AttemptHooks;
  states: ProbeState[];
  events: string[];
} {
  const states: ProbeState[] = [];
  const events: string[] = [];
  const hooks: AttemptHooks = {
    ...recorder.hooks,
    onContainerProbeState: (_container, state) => states.push(state),
    onContainerEvent: (container, type, reason, message) =>
      events.push(`${container} ${type} ${reason} ${message}`),
  };
  return { hooks, states, events };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function probe(
  handler: ProbeSpec['handler'],
  timing: Partial<Omit<ProbeSpec, 'handler'>>,
): ProbeSpec {
  return {
    handler,
    initialDelaySeconds: 0,
    periodSeconds: 1,
    timeoutSeconds: 1,
    successThreshold: 1,
    failureThreshold: 1,
    ...timing,
  };
}

/**
 * An HTTP server that responds with 500 on its first run and 200 on later runs, which exit with 0
 * after two requests. A marker file distinguishes the runs.
 */
const serverScript = `
const http = require('node:http');
const fs = require('node:fs');
const firstRun = !fs.existsSync(process.env.MARKER);
fs.writeFileSync(process.env.MARKER, 'ran');
let served = 0;
http.createServer((request, response) => {
  served += 1;
  response.statusCode = firstRun ? 500 : 200;
  response.end();
  if (!firstRun && served >= 2) process.exit(0);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

async function webContainer(): Promise<ResolvedContainer> {
  const port = await freePort();
  return {
    name: 'web',
    command: [process.execPath, '-e', serverScript],
    args: [],
    env: { MARKER: join(temp.dir, 'marker'), PORT: String(port) },
    probes: {
      // The startup probe delays the liveness probe until the server listens.
      startup: probe({ type: 'tcpSocket', host: '127.0.0.1', port }, { failureThreshold: 30 }),
      liveness: probe(
        { type: 'httpGet', scheme: 'HTTP', host: '127.0.0.1', port, path: '/healthz', headers: [] },
        {},
      ),
    },
  };
}

function livenessEvents(events: string[]): string[] {
  return events.filter(
    (event) => !event.startsWith('web Warning Unhealthy Startup probe failed: dial tcp'),
  );
}

void describe('liveness probe on a real process', () => {
  void it('restarts the container under OnFailure', PROCESS_TEST, async () => {
    const recorder = new HookRecorder(clock);
    const { hooks, events } = recordProbes(recorder);
    const executor = new ProcessExecutor({ clock, restartBackoffMs: 1 });
    const spec = attemptSpec({ restartPolicy: 'OnFailure', containers: [await webContainer()] });

    const result = await executor.run(spec, hooks);

    assert.equal(result.phase, 'Succeeded');
    assert.equal(result.containers[0]?.restartCount, 1);
    assert.equal(result.containers[0]?.reason, 'Completed');
    assert.deepEqual(recorder.exitCodes('web'), [143, 0]);
    assert.deepEqual(recorder.restartCounts('web'), [1]);
    assert.deepEqual(livenessEvents(events), [
      'web Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500',
      'web Normal Killing Container web failed liveness probe, will be restarted',
    ]);
  });

  void it('fails the attempt under Never', PROCESS_TEST, async () => {
    const recorder = new HookRecorder(clock);
    const { hooks, events } = recordProbes(recorder);
    const executor = new ProcessExecutor({ clock });
    const spec = attemptSpec({ restartPolicy: 'Never', containers: [await webContainer()] });

    const result = await executor.run(spec, hooks);

    assert.equal(result.phase, 'Failed');
    assert.equal(result.reason, 'Error');
    assert.equal(result.message, 'container "web" exited with code 143 (SIGTERM)');
    assert.equal(result.containers[0]?.restartCount, 0);
    assert.equal(result.containers[0]?.message, 'stopped (liveness probe failed) with SIGTERM');
    assert.deepEqual(recorder.restartCounts('web'), []);
    assert.deepEqual(livenessEvents(events), [
      'web Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500',
      'web Normal Killing Container web failed liveness probe',
    ]);
  });

  void it('uses the probe grace period, at least 2 s', PROCESS_TEST, async () => {
    const recorder = new HookRecorder(clock);
    const { hooks } = recordProbes(recorder);
    const executor = new ProcessExecutor({ clock });
    // The shell ignores SIGTERM, so only the SIGKILL after the grace period ends it. Kubelet
    // raises the probe's 1 s to its minimum of 2 s.
    const container = shellContainer('main', "trap '' TERM; while true; do sleep 0.1; done", {
      probes: {
        liveness: probe(
          { type: 'exec', command: ['/bin/false'] },
          { initialDelaySeconds: 1, terminationGracePeriodSeconds: 1 },
        ),
      },
    });
    const spec = attemptSpec({ terminationGracePeriodSeconds: 600, containers: [container] });

    const result = await executor.run(spec, hooks);

    assert.equal(result.phase, 'Failed');
    assert.equal(result.containers[0]?.exitCode, 137);
    assert.equal(
      result.containers[0]?.message,
      'stopped (liveness probe failed): SIGKILL sent because the process was still running 2 s after SIGTERM',
    );
  });
});

void describe('readiness probe on a real process', () => {
  void it('toggles ready with the probe result', PROCESS_TEST, async () => {
    const recorder = new HookRecorder(clock);
    const { hooks, states, events } = recordProbes(recorder);
    const readyFile = join(temp.dir, 'ready');
    const container = shellContainer('main', 'while true; do sleep 0.1; done', {
      probes: { readiness: probe({ type: 'exec', command: ['test', '-f', readyFile] }, {}) },
    });
    const controller = new AbortController();
    const done = new ProcessExecutor({ clock }).run(
      attemptSpec({ containers: [container] }),
      hooks,
      controller.signal,
    );

    await waitFor(() => events.length >= 1, 'a failed readiness probe');
    assert.deepEqual(states, []);
    writeFileSync(readyFile, '');
    await waitFor(() => states.length >= 1, 'the container to become ready');
    assert.deepEqual(states, [{ started: true, ready: true }]);
    rmSync(readyFile);
    await waitFor(() => states.length >= 2, 'the container to become unready');
    assert.deepEqual(states, [
      { started: true, ready: true },
      { started: true, ready: false },
    ]);
    assert.equal(events[0], 'main Warning Unhealthy Readiness probe failed: ');

    controller.abort('DeadlineExceeded');
    const result = await done;
    assert.equal(result.reason, 'DeadlineExceeded');
  });

  void it('kills a probe under way when the attempt stops', PROCESS_TEST, async () => {
    const recorder = new HookRecorder(clock);
    const { hooks, states, events } = recordProbes(recorder);
    const pidFile = join(temp.dir, 'probe-pid');
    const container = shellContainer('main', 'while true; do sleep 0.1; done', {
      probes: {
        readiness: probe(
          { type: 'exec', command: ['/bin/sh', '-c', `echo $$ > ${pidFile}; sleep 30`] },
          { timeoutSeconds: 60 },
        ),
      },
    });
    const controller = new AbortController();
    const done = new ProcessExecutor({ clock }).run(
      attemptSpec({ containers: [container] }),
      hooks,
      controller.signal,
    );
    await waitFor(() => readPid(pidFile) !== undefined, 'the probe command to start');
    const pid = readPid(pidFile) as number;

    controller.abort('DeadlineExceeded');
    const result = await done;

    assert.equal(result.reason, 'DeadlineExceeded');
    assert.equal(processIsRunning(pid), false);
    assert.deepEqual(states, []);
    assert.deepEqual(events, []);
  });
});

function readPid(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? undefined : Number(text);
  } catch {
    return undefined;
  }
}
