import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Confiner } from '../../src/runtime/confinement.js';
import type { ExecProbeContext } from '../../src/runtime/probes/exec-probe.js';
import { runExecProbe } from '../../src/runtime/probes/exec-probe.js';
import { PROBE_USER_AGENT, runHttpProbe } from '../../src/runtime/probes/http-probe.js';
import { runTcpProbe } from '../../src/runtime/probes/tcp-probe.js';
import type { HttpHeader, ProbeHandler } from '../../src/runtime/probes/types.js';
import { FakeClock, SystemClock } from '../../src/util/clock.js';
import {
  PROCESS_TEST,
  START,
  makeTempDir,
  processIsRunning,
  shellContainer,
  waitFor,
} from './helpers.js';

const clock = new SystemClock();

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

/** HTTP servers of the running test, closed after it even when an assertion failed first. */
const servers: (HttpServer | HttpsServer)[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  }
});

/** Starts `server` on an OS-chosen port of 127.0.0.1 and returns the port. */
async function listenOnLoopback(server: HttpServer | HttpsServer): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Returns an HTTP GET handler for `path` on 127.0.0.1:`port`. */
function httpGetHandler(
  port: number,
  path: string,
  headers: HttpHeader[] = [],
): Extract<ProbeHandler, { type: 'httpGet' }> {
  return { type: 'httpGet', scheme: 'HTTP', host: '127.0.0.1', port, path, headers };
}

/** Returns the context of an exec probe run `probe-1` in a `main` container without confiners. */
function execContext(overrides: Partial<ExecProbeContext> = {}): ExecProbeContext {
  return {
    clock,
    container: shellContainer('main', 'true'),
    confiners: [],
    runId: 'probe-1',
    restartCount: 0,
    ...overrides,
  };
}

void describe('exec probe', () => {
  void it('runs in the container environment and working directory', async () => {
    const container = shellContainer('main', 'true', {
      env: { GREETING: 'hello' },
      workingDir: temp.dir,
    });
    const handler = {
      type: 'exec' as const,
      command: ['/bin/sh', '-c', 'echo $GREETING; pwd; exit 3'],
    };

    const outcome = await runExecProbe(handler, 5_000, execContext({ container }));

    assert.deepEqual(outcome, { result: 'failure', output: `hello\n${temp.dir}\n` });
  });

  void it('succeeds on exit code 0', async () => {
    const handler = { type: 'exec' as const, command: ['/bin/sh', '-c', 'echo ok'] };

    const outcome = await runExecProbe(handler, 5_000, execContext());

    assert.deepEqual(outcome, { result: 'success', output: 'ok\n' });
  });

  void it('kills the command after timeoutSeconds', async () => {
    const fake = new FakeClock(START);
    const pidFile = join(temp.dir, 'pid');
    const command = ['/bin/sh', '-c', `echo $$ > ${pidFile}; sleep 30`];
    const done = runExecProbe({ type: 'exec', command }, 1_000, execContext({ clock: fake }));

    await waitFor(() => readPid(pidFile) !== undefined, 'the probe command to start');
    const pid = readPid(pidFile) as number;
    fake.advance(999);
    assert.equal(processIsRunning(pid), true);
    fake.advance(1);

    assert.deepEqual(await done, {
      result: 'failure',
      output: `command "/bin/sh -c echo $$ > ${pidFile}; sleep 30" timed out`,
    });
    await waitFor(() => !processIsRunning(pid), 'the timed-out command to be killed');
  });

  void it('runs through the confinement layers', async () => {
    const calls: string[] = [];
    const confiner: Confiner = {
      confine: (_container, context) => {
        calls.push(`confine ${context.runId}`);
        return Promise.resolve({
          wrap: (command) => ({ ...command, env: { ...command.env, CONFINED: 'yes' } }),
          release: () => {
            calls.push('release');
            return Promise.resolve();
          },
        });
      },
    };
    const context = execContext({ confiners: [confiner], runId: 'run-7' });
    const handler = { type: 'exec' as const, command: ['/bin/sh', '-c', 'echo $CONFINED'] };

    const outcome = await runExecProbe(handler, 5_000, context);

    assert.deepEqual(outcome, { result: 'success', output: 'yes\n' });
    assert.deepEqual(calls, ['confine run-7', 'release']);
  });

  void it('fails for a missing executable', async () => {
    const handler = { type: 'exec' as const, command: ['no-such-probe-command'] };

    const outcome = await runExecProbe(handler, 5_000, execContext());

    assert.deepEqual(outcome, {
      result: 'failure',
      output: 'exec: "no-such-probe-command": executable file not found in $PATH',
    });
  });
});

void describe('exec probe process group', () => {
  void it('kills background commands when the command exits', PROCESS_TEST, async () => {
    const fake = new FakeClock(START);
    const pidFile = join(temp.dir, 'pid');
    const context = execContext({ clock: fake });
    // The background sleep keeps stdout open, so the probe ends only if it is killed.
    const command = ['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; echo done; exit 1`];

    const outcome = await runExecProbe({ type: 'exec', command }, 60_000, context);

    assert.deepEqual(outcome, { result: 'failure', output: 'done\n' });
    const pid = readPid(pidFile) as number;
    await waitFor(() => !processIsRunning(pid), 'the background sleep to be killed');
  });

  void it('kills the command when aborted', PROCESS_TEST, async () => {
    const fake = new FakeClock(START);
    const pidFile = join(temp.dir, 'pid');
    const calls: string[] = [];
    const confiner: Confiner = {
      confine: () =>
        Promise.resolve({
          wrap: (command) => command,
          release: () => {
            calls.push('release');
            return Promise.resolve();
          },
        }),
    };
    const context = execContext({ clock: fake, confiners: [confiner] });
    const command = ['/bin/sh', '-c', `echo $$ > ${pidFile}; sleep 30`];
    const controller = new AbortController();
    const done = runExecProbe({ type: 'exec', command }, 60_000, context, controller.signal);
    await waitFor(() => readPid(pidFile) !== undefined, 'the probe command to start');
    const pid = readPid(pidFile) as number;

    controller.abort();

    assert.deepEqual(await done, { result: 'failure', output: 'probe stopped' });
    assert.equal(processIsRunning(pid), false);
    assert.deepEqual(calls, ['release']);
    assert.equal(fake.pendingTimers(), 0);
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

void describe('tcpSocket probe', () => {
  void it('succeeds when the port accepts and fails when it refuses', async () => {
    const listener = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as AddressInfo).port;
    const handler = { type: 'tcpSocket' as const, host: '127.0.0.1', port };

    assert.deepEqual(await runTcpProbe(handler, 1_000, clock), { result: 'success', output: '' });
    await new Promise((resolve) => listener.close(resolve));
    assert.deepEqual(await runTcpProbe(handler, 1_000, clock), {
      result: 'failure',
      output: `dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });
});

void describe('httpGet probe', () => {
  void it('sends kubelet headers and treats 200-399 as success', async () => {
    const seen: IncomingHttpHeaders[] = [];
    let status = 204;
    const server = createServer((request, response) => {
      seen.push(request.headers);
      response.statusCode = status;
      response.end();
    });
    const port = await listenOnLoopback(server);
    const handler = httpGetHandler(port, '/healthz', [
      { name: 'X-Probe', value: 'a' },
      { name: 'Host', value: 'app.internal' },
    ]);

    assert.deepEqual(await runHttpProbe(handler, 1_000, clock), { result: 'success', output: '' });
    assert.equal(seen[0]?.['user-agent'], PROBE_USER_AGENT);
    assert.equal(PROBE_USER_AGENT, 'kube-probe/1.34');
    assert.equal(seen[0]?.accept, '*/*');
    assert.equal(seen[0]?.['x-probe'], 'a');
    assert.equal(seen[0]?.host, 'app.internal');

    status = 399;
    assert.deepEqual(await runHttpProbe(handler, 1_000, clock), {
      result: 'warning',
      output: 'Probe terminated redirects, Response body: ',
    });
    status = 400;
    assert.deepEqual(await runHttpProbe(handler, 1_000, clock), {
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 400',
    });
    await new Promise((resolve) => server.close(resolve));
    assert.deepEqual(await runHttpProbe(handler, 1_000, clock), {
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/healthz": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    });
  });

  void it('follows redirects to the same host only', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/old') {
        response.writeHead(302, { location: '/new' });
      } else if (request.url === '/away') {
        response.writeHead(302, { location: 'http://example.invalid/' });
        response.write('moved away');
      } else if (request.url === '/new') {
        response.writeHead(500);
      }
      response.end();
    });
    const port = await listenOnLoopback(server);

    assert.deepEqual(await runHttpProbe(httpGetHandler(port, '/old'), 1_000, clock), {
      result: 'failure',
      output: 'HTTP probe failed with statuscode: 500',
    });
    assert.deepEqual(await runHttpProbe(httpGetHandler(port, '/away'), 1_000, clock), {
      result: 'warning',
      output: 'Probe terminated redirects, Response body: moved away',
    });
  });

  void it('sends the first Host and User-Agent and drops empty ones', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      response.end();
    });
    const port = await listenOnLoopback(server);
    const headerLists: HttpHeader[][] = [
      [
        { name: 'Host', value: 'first.internal' },
        { name: 'host', value: 'second.internal' },
        { name: 'User-Agent', value: '' },
        { name: 'Accept', value: '' },
      ],
      [
        { name: 'User-Agent', value: 'probe-a' },
        { name: 'User-Agent', value: 'probe-b' },
        { name: 'Accept', value: 'text/plain' },
        { name: 'Accept', value: 'application/json' },
      ],
    ];

    for (const headers of headerLists) {
      await runHttpProbe(httpGetHandler(port, '/', headers), 1_000, clock);
    }

    assert.equal(seen[0]?.host, 'first.internal');
    assert.equal(seen[0]?.['user-agent'], undefined);
    assert.equal(seen[0]?.accept, undefined);
    assert.equal(seen[1]?.host, `127.0.0.1:${port}`);
    assert.equal(seen[1]?.['user-agent'], 'probe-a');
    assert.equal(seen[1]?.accept, 'text/plain, application/json');
  });

  void it('reads at most 10 KiB of an endless body', PROCESS_TEST, async () => {
    let closed = false;
    let chunksSent = 0;
    const server = createServer((_request, response) => {
      response.writeHead(302);
      response.once('close', () => {
        closed = true;
      });
      const chunk = 'a'.repeat(1024);
      // Bounded, so a probe that never stops reading fails the test instead of running on.
      const sendMore = (): void => {
        while (!closed && chunksSent < 100_000 && response.write(chunk)) chunksSent += 1;
        if (!closed && chunksSent < 100_000) response.once('drain', sendMore);
      };
      sendMore();
    });
    const port = await listenOnLoopback(server);

    const outcome = await runHttpProbe(httpGetHandler(port, '/'), 5_000, clock);

    assert.equal(outcome.result, 'warning');
    assert.equal(
      outcome.output,
      `Probe terminated redirects, Response body: ${'a'.repeat(10_240)}`,
    );
    await waitFor(() => closed, 'the probe to close the connection');
    assert.ok(chunksSent < 100_000, `the server sent ${chunksSent} chunks`);
  });

  void it('times out while the body stalls', PROCESS_TEST, async () => {
    const fake = new FakeClock(START);
    let requests = 0;
    const server = createServer((_request, response) => {
      requests += 1;
      response.writeHead(200);
      response.write('partial');
    });
    const port = await listenOnLoopback(server);

    const done = runHttpProbe(httpGetHandler(port, '/slow'), 1_000, fake);
    await waitFor(() => requests === 1, 'the request to arrive');
    // The headers and the first chunk reach the client before the deadline.
    await new Promise((resolve) => setTimeout(resolve, 50));
    fake.advance(1_000);

    assert.deepEqual(await done, {
      result: 'failure',
      output: `Get "http://127.0.0.1:${port}/slow": context deadline exceeded (Client.Timeout or context cancellation while reading body)`,
    });
  });

  void it('closes the connection when aborted', PROCESS_TEST, async () => {
    let connections = 0;
    let closed = 0;
    const server = createServer(() => undefined);
    server.on('connection', (socket) => {
      connections += 1;
      socket.once('close', () => {
        closed += 1;
      });
    });
    const port = await listenOnLoopback(server);
    const controller = new AbortController();

    const done = runHttpProbe(httpGetHandler(port, '/'), 60_000, clock, controller.signal);
    await waitFor(() => connections === 1, 'the probe to connect');
    controller.abort();

    assert.equal((await done).result, 'failure');
    await waitFor(() => closed === 1, 'the probe connection to close');
  });

  void it('skips certificate verification for HTTPS', async () => {
    const key = join(temp.dir, 'key.pem');
    const cert = join(temp.dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=probe-test',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    const server = createHttpsServer(
      { key: readFileSync(key), cert: readFileSync(cert) },
      (_request, response) => {
        response.end('secure');
      },
    );
    const port = await listenOnLoopback(server);
    const handler = { ...httpGetHandler(port, '/'), scheme: 'HTTPS' as const };

    assert.deepEqual(await runHttpProbe(handler, 2_000, clock), {
      result: 'success',
      output: 'secure',
    });
  });
});
