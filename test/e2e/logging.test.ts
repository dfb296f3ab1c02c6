import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Container, Job, Pod } from '../../src/api/types.js';
import {
  cli,
  cliMain,
  freePort,
  getJson,
  startServe,
  type ServeProcess,
} from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const jobsPath = '/apis/batch/v1/namespaces/default/jobs';
const podsPath = '/api/v1/namespaces/default/pods';
const secretsPath = '/api/v1/namespaces/default/secrets';
const configMapsPath = '/api/v1/namespaces/default/configmaps';

/** One parsed JSON log line of `serve`. */
type LogLine = Record<string, unknown>;

/** Parses every line of the output as JSON. A failure names the first line that is not JSON. */
function parseLogLines(output: string): LogLine[] {
  const lines = output.split('\n');
  assert.equal(lines.pop(), '', 'the output ends with a newline');
  return lines.map((line, index) => {
    try {
      return JSON.parse(line) as LogLine;
    } catch {
      assert.fail(`output line ${index + 1} is not JSON: ${line}`);
    }
  });
}

/** Fields of every line whose values differ between runs. */
const varyingFields = new Set(['time', 'pid', 'hostname']);

/** Returns a log line without its `varyingFields`. */
function stableFields(line: LogLine): LogLine {
  return Object.fromEntries(Object.entries(line).filter(([key]) => !varyingFields.has(key)));
}

/** Returns the log lines with message `msg` whose fields include `fields`. */
function linesOf(output: string, msg: string, fields: LogLine = {}): LogLine[] {
  return parseLogLines(output).filter(
    (line) =>
      line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value),
  );
}

/** Waits until `serve` has logged exactly one line `msg` with `fields` and returns it. */
async function waitForLine(serve: ServeProcess, msg: string, fields: LogLine): Promise<LogLine> {
  return waitFor(`log line "${msg}" with ${JSON.stringify(fields)}`, () => {
    const found = linesOf(serve.output(), msg, fields);
    assert.ok(found.length <= 1, `more than one "${msg}" line: ${JSON.stringify(found)}`);
    return found[0];
  });
}

async function send(
  url: string,
  method: string,
  path: string,
  body: string | object,
  contentType = 'application/json',
): Promise<{ status: number; text: string }> {
  const response = await fetch(url + path, {
    method,
    headers: { 'Content-Type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** Returns a Job that runs `container` once, with no retry. */
function onceJob(name: string, container: Omit<Container, 'name' | 'image'>): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox', ...container }],
        },
      },
    },
  };
}

async function createJob(url: string, job: Job): Promise<void> {
  const response = await send(url, 'POST', jobsPath, job);
  assert.equal(response.status, 201, `create Job ${job.metadata.name}: ${response.text}`);
}

/** Returns the one attempt (Pod) of Job `job`. */
async function attemptOf(url: string, job: string): Promise<Pod> {
  const pods = await getJson<{ items: Pod[] }>(url + podsPath);
  const attempts = pods.items.filter((pod) => pod.metadata.labels?.['job-name'] === job);
  assert.equal(attempts.length, 1, `attempts of Job ${job}`);
  return attempts[0] as Pod;
}

async function stopServe(serve: ServeProcess | undefined): Promise<number | null | undefined> {
  if (serve === undefined) return undefined;
  if (serve.child.exitCode === null) serve.child.kill('SIGTERM');
  return serve.exited;
}

/** Runs `cronmesh serve ARGS` until it exits, for flags that stop it before it listens. */
async function runServeCommand(
  args: string[],
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(process.execPath, [cliMain, 'serve', ...args], {
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
  child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
  const code = await new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode)),
  );
  return { stdout, stderr, code };
}

/**
 * Sends `request` over a plain TCP connection to `url`'s port and returns the response text, for
 * requests that an HTTP client would refuse to send.
 */
async function sendRaw(url: string, request: string): Promise<string> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  let response = '';
  socket.on('data', (data: Buffer) => (response += data.toString()));
  socket.write(request);
  await waitFor('the response to a raw request', () => response.includes('\r\n\r\n'), 5000);
  socket.destroy();
  return response;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('serve JSON logs', () => {
  let dir: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-logging-'));
    serve = await startServe(join(dir, 'data'), await freePort(), ['--sandbox=bubblewrap']);
  });

  after(async () => {
    await stopServe(serve);
    await rm(dir, { recursive: true, force: true });
  });

  it('readyz passes once the controllers run', async () => {
    assert.ok(serve);
    const url = serve.url;

    await waitFor('GET /readyz to return 200', async () => (await fetch(`${url}/readyz`)).ok);
    const response = await fetch(`${url}/readyz?verbose`);

    assert.equal(response.status, 200);
    assert.equal(await response.text(), '[+]store ok\n[+]controllers ok\nreadyz check passed\n');
  });

  it('logs attempts and Jobs with their ids', async () => {
    assert.ok(serve);
    const url = serve.url;
    await createJob(url, onceJob('exits-three', { command: ['/bin/sh', '-c', 'exit 3'] }));
    await createJob(url, onceJob('succeeds', { command: ['/bin/sh', '-c', 'echo done'] }));

    const failed = { namespace: 'default', job: 'exits-three' };
    const succeeded = { namespace: 'default', job: 'succeeds' };
    await waitForLine(serve, 'job failed', failed);
    await waitForLine(serve, 'job completed', succeeded);
    const worker = linesOf(serve.output(), 'scheduler started')[0]?.worker;
    const failedAttempt = (await attemptOf(url, 'exits-three')).metadata.name;
    const succeededAttempt = (await attemptOf(url, 'succeeds')).metadata.name;
    const output = serve.output();

    assert.equal(typeof worker, 'string');
    assert.match(String(worker), /^worker-[0-9a-f-]{36}$/);
    for (const line of parseLogLines(output)) {
      assert.equal(typeof line.level, 'number', JSON.stringify(line));
      assert.equal(typeof line.time, 'number', JSON.stringify(line));
      assert.equal(typeof line.msg, 'string', JSON.stringify(line));
    }
    assert.deepEqual(linesOf(output, 'attempt started', failed).map(stableFields), [
      {
        level: 30,
        ...failed,
        attempt: failedAttempt,
        worker,
        sandbox: 'bubblewrap',
        msg: 'attempt started',
      },
    ]);
    assert.deepEqual(linesOf(output, 'attempt failed', failed).map(stableFields), [
      {
        level: 40,
        ...failed,
        attempt: failedAttempt,
        worker,
        phase: 'Failed',
        reason: 'Error',
        msg: 'attempt failed',
      },
    ]);
    assert.deepEqual(linesOf(output, 'warning event recorded', failed).map(stableFields), [
      {
        level: 40,
        ...failed,
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        msg: 'warning event recorded',
      },
    ]);
    assert.deepEqual(linesOf(output, 'job failed', failed).map(stableFields), [
      { level: 40, ...failed, reason: 'BackoffLimitExceeded', msg: 'job failed' },
    ]);
    assert.deepEqual(linesOf(output, 'attempt started', succeeded).map(stableFields), [
      {
        level: 30,
        ...succeeded,
        attempt: succeededAttempt,
        worker,
        sandbox: 'bubblewrap',
        msg: 'attempt started',
      },
    ]);
    assert.deepEqual(linesOf(output, 'attempt succeeded', succeeded).map(stableFields), [
      {
        level: 30,
        ...succeeded,
        attempt: succeededAttempt,
        worker,
        phase: 'Succeeded',
        msg: 'attempt succeeded',
      },
    ]);
    assert.deepEqual(linesOf(output, 'job completed', succeeded).map(stableFields), [
      { level: 30, ...succeeded, msg: 'job completed' },
    ]);
    assert.deepEqual(linesOf(output, 'warning event recorded', succeeded), []);
  });

  it('logs rejections at info, not 404s', async () => {
    assert.ok(serve);
    const url = serve.url;

    const missing = await fetch(`${url}${jobsPath}/absent`);
    const duplicate = await send(url, 'POST', jobsPath, onceJob('succeeds', { command: ['true'] }));
    const { reqId, ...rejected } = stableFields(
      await waitForLine(serve, 'request rejected', { code: 409 }),
    );

    assert.equal(missing.status, 404);
    assert.equal(duplicate.status, 409);
    assert.match(String(reqId), /^req-\w+$/);
    assert.deepEqual(rejected, {
      level: 30,
      code: 409,
      reason: 'AlreadyExists',
      msg: 'request rejected',
    });
    assert.deepEqual(linesOf(serve.output(), 'request rejected', { code: 404 }), []);
  });
});

describe('serve logs and Secrets', () => {
  // The marker is searched for as text, as base64 (the encoding of `data`), as base64url and as
  // the decimal bytes that pino writes for a Buffer.
  const marker = `marker-${randomUUID()}-q7`;
  const markerBase64 = Buffer.from(marker).toString('base64');
  const markerBase64Url = Buffer.from(marker).toString('base64url');
  const markerBytes = [...Buffer.from(marker)].join(',');
  let dir: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-logging-secrets-'));
    serve = await startServe(join(dir, 'data'), await freePort(), ['--log-level', 'trace']);
  });

  after(async () => {
    await stopServe(serve);
    await rm(dir, { recursive: true, force: true });
  });

  it('never writes a Secret value to the server output', async () => {
    assert.ok(serve);
    const url = serve.url;
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'credentials' },
      stringData: { token: marker },
      data: { copy: markerBase64 },
    };
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data: { region: 'eu-1' },
    };
    const tokenFromSecret = { secretKeyRef: { name: 'credentials', key: 'token' } };

    const created = await send(url, 'POST', secretsPath, secret);
    const createdConfigMap = await send(url, 'POST', configMapsPath, configMap);
    // The Jobs below need both objects, so a failure here stops the test with its cause.
    assert.equal(created.status, 201, created.text);
    assert.equal(createdConfigMap.status, 201, createdConfigMap.text);
    // The Status message of this request quotes the label value, so the marker reaches the
    // output if the messages of rejected requests are logged.
    const quoting = await send(url, 'POST', secretsPath, {
      ...secret,
      metadata: { name: 'bad-label', labels: { copied: `${marker}!` } },
    });
    const rejected = [
      await send(url, 'POST', secretsPath, {
        ...secret,
        metadata: { name: 'bad-key' },
        data: undefined,
        stringData: { 'not a key!': marker },
      }),
      await send(url, 'POST', secretsPath, {
        ...secret,
        metadata: { name: 'bad-base64' },
        stringData: undefined,
        data: { token: `${marker}!` },
      }),
      await send(url, 'POST', secretsPath, secret),
      await send(url, 'PUT', `${secretsPath}/credentials`, {
        ...secret,
        metadata: { name: 'credentials', resourceVersion: '999999' },
      }),
      await send(url, 'POST', secretsPath, `{"kind":"Secret","stringData":{"token":"${marker}"`),
      await send(url, 'POST', secretsPath, { ...configMap, data: { token: marker } }),
      await send(url, 'POST', configMapsPath, { ...secret, metadata: { name: 'mixed' } }),
      await send(
        url,
        'PATCH',
        `${secretsPath}/credentials`,
        { data: { token: `${marker}!` } },
        'application/merge-patch+json',
      ),
    ];
    // The control character makes Node's HTTP parser reject the request after reading the
    // Authorization header and before Fastify receives it.
    const body = JSON.stringify({ ...secret, metadata: { name: 'malformed' } });
    const malformed = await sendRaw(
      url,
      `POST ${secretsPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${marker}\r\n` +
        `X-Broken: a\u0001b\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const missingSecret = await fetch(`${url}${secretsPath}/absent`);
    const patched = await send(
      url,
      'PATCH',
      `${secretsPath}/credentials`,
      { stringData: { token: marker } },
      'application/merge-patch+json',
    );

    await createJob(
      url,
      onceJob('reads-secret', {
        command: ['/bin/sh', '-c', 'echo "$TOKEN"'],
        env: [{ name: 'TOKEN', valueFrom: tokenFromSecret }],
      }),
    );
    await createJob(
      url,
      onceJob('missing-key', {
        command: ['/bin/sh', '-c', 'echo "$TOKEN"'],
        env: [
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'credentials', key: 'absent' } } },
        ],
      }),
    );
    await createJob(
      url,
      onceJob('secret-as-command', {
        command: ['$(TOKEN)'],
        env: [{ name: 'TOKEN', valueFrom: tokenFromSecret }],
      }),
    );
    await createJob(
      url,
      onceJob('secret-in-args', {
        command: ['/bin/echo'],
        args: ['token:', '$(SECRET_token)'],
        envFrom: [{ prefix: 'SECRET_', secretRef: { name: 'credentials' } }],
      }),
    );
    await createJob(
      url,
      onceJob('secret-as-configmap', {
        command: ['/bin/sh', '-c', 'echo "$TOKEN"'],
        env: [
          {
            name: 'TOKEN',
            valueFrom: { configMapKeyRef: { name: 'credentials', key: 'token' } },
          },
        ],
      }),
    );
    await createJob(
      url,
      onceJob('mixed-sources', {
        command: ['/bin/sh', '-c', 'echo "$region $token $copy"'],
        envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'credentials' } }],
      }),
    );
    for (const job of ['reads-secret', 'mixed-sources']) {
      await waitForLine(serve, 'job completed', { job });
    }
    for (const job of [
      'missing-key',
      'secret-as-command',
      'secret-in-args',
      'secret-as-configmap',
    ]) {
      await waitForLine(serve, 'job failed', { job });
    }
    const readsLog = await fetch(
      `${url}${podsPath}/${(await attemptOf(url, 'reads-secret')).metadata.name}/log`,
    );
    const mixedLog = await fetch(
      `${url}${podsPath}/${(await attemptOf(url, 'mixed-sources')).metadata.name}/log`,
    );
    const commandAttempt = await attemptOf(url, 'secret-as-command');
    const argsAttempt = await attemptOf(url, 'secret-in-args');
    const yaml = await cli(url, ['get', 'secret', 'credentials', '-o', 'yaml']);
    const exitCode = await stopServe(serve);
    const output = serve.output();

    assert.deepEqual(
      rejected.map((response) => response.status),
      [422, 422, 409, 409, 400, 400, 400, 422],
    );
    assert.equal(patched.status, 200, patched.text);
    assert.equal(missingSecret.status, 404);
    assert.deepEqual(
      linesOf(output, 'request rejected', { code: 404 }).map((line) => line.level),
      [20],
    );
    assert.match(malformed, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.deepEqual(
      linesOf(output, 'client error').map((line) => (line.err as LogLine).rawPacket),
      ['[REDACTED]'],
    );
    assert.equal(quoting.status, 422);
    assert.equal(quoting.text.includes(`Invalid value: \\"${marker}!\\"`), true, quoting.text);
    // The attempts received the Secret value, so the server handled it before the output checks.
    assert.equal(await readsLog.text(), `${marker}\n`);
    assert.equal(await mixedLog.text(), `eu-1 ${marker} ${marker}\n`);
    // Kubernetes would expand the Secret into the arguments. cronmesh fails the attempt.
    assert.equal(commandAttempt.status?.reason, 'CreateContainerConfigError');
    assert.equal(
      commandAttempt.status?.message,
      'spec.containers[0].command[0] references $(TOKEN), whose value comes from a Secret. ' +
        'cronmesh does not put Secret values into command or args, because every local user ' +
        'can read them in the process list. Read the variable from the environment instead, ' +
        'such as "$TOKEN" in a shell script',
    );
    assert.equal(argsAttempt.status?.reason, 'CreateContainerConfigError');
    assert.match(
      argsAttempt.status?.message ?? '',
      /^spec\.containers\[0\]\.args\[1\] references \$\(SECRET_token\), /,
    );
    assert.equal(JSON.stringify([commandAttempt, argsAttempt]).includes(marker), false);
    assert.deepEqual(
      linesOf(output, 'attempt failed')
        .filter((line) => line.err !== undefined)
        .map((line) => ({
          level: line.level,
          job: line.job,
          reason: line.reason,
          message: (line.err as LogLine).message,
        }))
        .sort((a, b) => String(a.job).localeCompare(String(b.job))),
      [
        {
          level: 40,
          job: 'missing-key',
          reason: 'CreateContainerConfigError',
          message: "couldn't find key absent in Secret default/credentials",
        },
        {
          level: 40,
          job: 'secret-as-command',
          reason: 'CreateContainerConfigError',
          message: commandAttempt.status?.message,
        },
        {
          level: 40,
          job: 'secret-as-configmap',
          reason: 'CreateContainerConfigError',
          message: 'configmap "credentials" not found',
        },
        {
          level: 40,
          job: 'secret-in-args',
          reason: 'CreateContainerConfigError',
          message: argsAttempt.status?.message,
        },
      ],
    );
    assert.equal(yaml.code, 0, yaml.stderr);
    assert.equal(yaml.stderr, '');
    assert.match(yaml.stdout, /^kind: Secret$/m);
    assert.equal(exitCode, 0);
    // The rejected PUT has its debug line, so the server logged requests at the level set.
    assert.equal(
      linesOf(output, 'request completed', { method: 'PUT', statusCode: 409 }).length,
      1,
    );
    const lines = output.split('\n');
    // Without its padding, which the encoding of a longer text would not have at this place.
    const unpaddedBase64 = markerBase64.replace(/=+$/, '');
    assert.deepEqual(
      lines.filter((line) => line.includes(marker)),
      [],
      'lines with the marker',
    );
    assert.deepEqual(
      lines.filter((line) => line.includes(unpaddedBase64)),
      [],
      'lines with its base64',
    );
    assert.deepEqual(
      lines.filter((line) => line.includes(markerBase64Url)),
      [],
      'lines with its base64url',
    );
    assert.deepEqual(
      lines.filter((line) => line.includes(markerBytes)),
      [],
      'lines with its bytes',
    );
  });
});

describe('serve log flags', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-logging-flags-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('pretty format writes lines for people', async () => {
    const serve = await startServe(join(dir, 'pretty'), await freePort(), [
      '--log-format',
      'pretty',
    ]);
    try {
      await waitFor('the pretty listening line', () =>
        serve.output().includes('cronmesh API listening'),
      );
      const output = serve.output();
      const firstLine = output.split('\n')[0] ?? '';

      assert.throws(() => JSON.parse(firstLine) as unknown, SyntaxError);
      assert.match(output, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: cronmesh API listening$/m);
      // pino-pretty colours only the output to a terminal, and the output here is a pipe.
      assert.equal(output.includes('\u001b['), false);
    } finally {
      await stopServe(serve);
    }
  });

  it('unknown format is an error', async () => {
    const dataDir = join(dir, 'xml');

    const result = await runServeCommand([
      '--data-dir',
      dataDir,
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--log-format',
      'xml',
    ]);

    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'error: invalid --log-format value "xml": expected json or pretty\n',
    );
    assert.equal(await exists(dataDir), false, 'the data directory was created');
  });

  it('unknown level is an error', async () => {
    const dataDir = join(dir, 'loud');

    const result = await runServeCommand([
      '--data-dir',
      dataDir,
      '--listen',
      `127.0.0.1:${await freePort()}`,
      '--log-level',
      'loud',
    ]);

    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      'error: invalid --log-level value "loud": expected one of ' +
        'trace, debug, info, warn, error, fatal, silent\n',
    );
    assert.equal(await exists(dataDir), false, 'the data directory was created');
  });
});
