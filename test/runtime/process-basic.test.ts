import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FakeClock } from '../../src/util/clock.js';
import {
  DEFAULT_PATH,
  InvalidAttemptSpecError,
  InvalidExecutorOptionError,
  ProcessExecutor,
  type ResolvedContainer,
} from '../../src/runtime/index.js';
import {
  attemptSpec,
  HookRecorder,
  makeTempDir,
  shellContainer,
  START,
  PROCESS_TEST,
} from './helpers.js';

const temp = makeTempDir();
after(temp.cleanup);

async function runOne(container: ResolvedContainer) {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock });
  const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);
  return { result, recorder };
}

void test('exit 0 succeeds as Completed', PROCESS_TEST, async () => {
  const { result, recorder } = await runOne(shellContainer('main', 'exit 0'));

  assert.deepEqual(result, {
    phase: 'Succeeded',
    initContainers: [],
    containers: [
      {
        name: 'main',
        exitCode: 0,
        reason: 'Completed',
        restartCount: 0,
        startedAt: START,
        finishedAt: START,
      },
    ],
  });
  assert.deepEqual(
    recorder.events.map((event) => event.kind),
    ['start', 'exit'],
  );
});

void test('non-zero exit fails as Error', PROCESS_TEST, async () => {
  const { result } = await runOne(shellContainer('main', 'exit 3'));

  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'Error');
  assert.equal(result.message, 'container "main" exited with code 3');
  assert.equal(result.containers[0]?.exitCode, 3);
  assert.equal(result.containers[0]?.reason, 'Error');
  assert.equal(result.containers[0]?.signal, undefined);
});

void test('signal death reports 128 plus signal', PROCESS_TEST, async () => {
  const { result } = await runOne(shellContainer('main', 'kill -KILL $$'));

  assert.equal(result.containers[0]?.exitCode, 137);
  assert.equal(result.containers[0]?.signal, 'SIGKILL');
  assert.equal(result.containers[0]?.reason, 'Error');
  assert.equal(result.message, 'container "main" exited with code 137 (SIGKILL)');
});

void test('args follow command', PROCESS_TEST, async () => {
  const container = shellContainer('main', 'echo "$0|$1|$2"', {
    args: ['zero', 'one two', '$HOME'],
  });
  const { recorder } = await runOne(container);

  assert.equal(recorder.text('main', 'stdout'), 'zero|one two|$HOME\n');
});

void test('env is exact plus PATH and HOME', PROCESS_TEST, async () => {
  const container: ResolvedContainer = {
    name: 'main',
    command: ['env'],
    args: [],
    env: { GREETING: 'hello world', EMPTY: '' },
  };
  const { recorder } = await runOne(container);

  const lines = recorder.text('main', 'stdout').trimEnd().split('\n').sort();
  assert.deepEqual(lines, [
    'EMPTY=',
    'GREETING=hello world',
    `HOME=${userInfo().homedir}`,
    `PATH=${DEFAULT_PATH}`,
  ]);
});

void test('env keeps given PATH and HOME', PROCESS_TEST, async () => {
  const container: ResolvedContainer = {
    name: 'main',
    command: ['env'],
    args: [],
    env: { PATH: '/usr/bin:/bin', HOME: '/nowhere' },
  };
  const { recorder } = await runOne(container);

  const lines = recorder.text('main', 'stdout').trimEnd().split('\n').sort();
  assert.deepEqual(lines, ['HOME=/nowhere', 'PATH=/usr/bin:/bin']);
});

void test('workingDir sets process directory', PROCESS_TEST, async () => {
  const dir = join(temp.dir, 'work');
  mkdirSync(dir);
  const { result, recorder } = await runOne(shellContainer('main', 'pwd', { workingDir: dir }));

  assert.equal(result.phase, 'Succeeded');
  assert.equal(recorder.text('main', 'stdout'), `${dir}\n`);
});

void test('missing workingDir cannot run', PROCESS_TEST, async () => {
  const dir = join(temp.dir, 'missing');
  const { result, recorder } = await runOne(shellContainer('main', 'pwd', { workingDir: dir }));

  const expected = `container "main" cannot start: workingDir ${JSON.stringify(dir)} does not exist`;
  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'ContainerCannotRun');
  assert.equal(result.message, expected);
  assert.deepEqual(result.containers, [
    {
      name: 'main',
      exitCode: 128,
      reason: 'ContainerCannotRun',
      message: expected,
      restartCount: 0,
      startedAt: START,
      finishedAt: START,
    },
  ]);
  assert.equal(recorder.count('start'), 0);
  assert.equal(recorder.count('exit'), 1);
});

void test('workingDir that is a file cannot run', PROCESS_TEST, async () => {
  const file = join(temp.dir, 'plain-file');
  writeFileSync(file, '');
  const { result } = await runOne(shellContainer('main', 'pwd', { workingDir: file }));

  assert.equal(result.containers[0]?.reason, 'ContainerCannotRun');
  assert.equal(
    result.containers[0]?.message,
    `container "main" cannot start: workingDir ${JSON.stringify(file)} is not a directory`,
  );
});

void test('stdout and stderr stay apart', PROCESS_TEST, async () => {
  const script = 'echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2';
  const { recorder } = await runOne(shellContainer('main', script));

  assert.equal(recorder.text('main', 'stdout'), 'out-1\nout-2\n');
  assert.equal(recorder.text('main', 'stderr'), 'err-1\nerr-2\n');
});

void test('output precedes the exit hook', PROCESS_TEST, async () => {
  const { recorder } = await runOne(shellContainer('main', 'echo last-words'));

  const kinds = recorder.events.map((event) => event.kind);
  assert.deepEqual(kinds, ['start', 'output', 'exit']);
});

void test('image without command cannot run', PROCESS_TEST, async () => {
  const container: ResolvedContainer = {
    name: 'main',
    image: 'busybox:1.28',
    command: undefined,
    args: ['date'],
    env: {},
  };
  const { result, recorder } = await runOne(container);

  const expected =
    'container "main" has no command: cronmesh runs commands locally and cannot run the entrypoint of image "busybox:1.28"; set command in the manifest';
  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'ContainerCannotRun');
  assert.equal(result.message, expected);
  assert.equal(result.containers[0]?.exitCode, 128);
  assert.equal(result.containers[0]?.message, expected);
  assert.equal(recorder.count('start'), 0);
});

void test('empty command without image cannot run', PROCESS_TEST, async () => {
  const container: ResolvedContainer = { name: 'main', command: [], args: [], env: {} };
  const { result } = await runOne(container);

  assert.equal(result.containers[0]?.reason, 'ContainerCannotRun');
  assert.equal(
    result.containers[0]?.message,
    'container "main" has no command; set command in the manifest',
  );
});

void test('unknown command exits 127', PROCESS_TEST, async () => {
  const container: ResolvedContainer = {
    name: 'main',
    command: ['cronmesh-no-such-command'],
    args: [],
    env: {},
  };
  const { result } = await runOne(container);

  assert.equal(result.containers[0]?.exitCode, 127);
  assert.equal(result.containers[0]?.reason, 'ContainerCannotRun');
  assert.equal(
    result.containers[0]?.message,
    `container "main" cannot start: executable "cronmesh-no-such-command" not found in PATH "${DEFAULT_PATH}"`,
  );
});

void test('missing absolute command exits 127', PROCESS_TEST, async () => {
  const path = join(temp.dir, 'no-such-file');
  const container: ResolvedContainer = { name: 'main', command: [path], args: [], env: {} };
  const { result } = await runOne(container);

  assert.equal(result.containers[0]?.exitCode, 127);
  assert.equal(
    result.containers[0]?.message,
    `container "main" cannot start: executable ${JSON.stringify(path)} not found`,
  );
});

void test('missing interpreter exits 127', PROCESS_TEST, async () => {
  const path = join(temp.dir, 'bad-interpreter.sh');
  writeFileSync(path, '#!/cronmesh/no/such/interpreter\necho hi\n', { mode: 0o755 });
  const container: ResolvedContainer = { name: 'main', command: [path], args: [], env: {} };
  const { result } = await runOne(container);

  assert.equal(result.containers[0]?.exitCode, 127);
  assert.equal(
    result.containers[0]?.message,
    `container "main" cannot start: the #! interpreter named in ${JSON.stringify(path)} was not found`,
  );
});

void test('non-executable command exits 126', PROCESS_TEST, async () => {
  const path = join(temp.dir, 'not-executable.sh');
  writeFileSync(path, '#!/bin/sh\necho hi\n', { mode: 0o644 });
  const container: ResolvedContainer = { name: 'main', command: [path], args: [], env: {} };
  const { result } = await runOne(container);

  assert.equal(result.containers[0]?.exitCode, 126);
  assert.equal(result.containers[0]?.reason, 'ContainerCannotRun');
  assert.equal(
    result.containers[0]?.message,
    `container "main" cannot start: permission denied executing ${JSON.stringify(path)}; it must be a file with execute permission`,
  );
});

void test('spec without containers is rejected', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const executor = new ProcessExecutor({ clock });
  const recorder = new HookRecorder(clock);

  const error = await executor.run(attemptSpec({ containers: [] }), recorder.hooks).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

  assert.ok(error instanceof InvalidAttemptSpecError);
  assert.equal(error.code, 'InvalidAttemptSpec');
  assert.equal(error.field, 'containers');
  assert.equal(
    error.message,
    'invalid attempt spec: containers is an empty array; expected an array with at least one container',
  );
});

void test('duplicate container names are rejected', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const executor = new ProcessExecutor({ clock });
  const recorder = new HookRecorder(clock);
  const spec = attemptSpec({
    initContainers: [shellContainer('main', 'true')],
    containers: [shellContainer('main', 'true')],
  });

  const error = await executor.run(spec, recorder.hooks).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

  assert.ok(error instanceof InvalidAttemptSpecError);
  assert.equal(error.field, 'containers[0].name');
  assert.equal(error.value, 'main');
  assert.equal(recorder.events.length, 0);
});

void test('NUL byte in env is rejected', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const executor = new ProcessExecutor({ clock });
  const recorder = new HookRecorder(clock);
  const spec = attemptSpec({
    containers: [shellContainer('main', 'true', { env: { A: 'x\0y' } })],
  });

  const error = await executor.run(spec, recorder.hooks).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );

  assert.ok(error instanceof InvalidAttemptSpecError);
  assert.equal(error.field, 'containers[0].env.A');
  assert.equal(
    error.message,
    'invalid attempt spec: containers[0].env.A is "x\\u0000y"; expected a string without NUL bytes',
  );
});

void test('invalid executor option is rejected', PROCESS_TEST, () => {
  const clock = new FakeClock(START);

  assert.throws(() => new ProcessExecutor({ clock, restartBackoffMs: 0 }), {
    name: 'InvalidExecutorOptionError',
    code: 'InvalidExecutorOption',
    message:
      'invalid executor option: restartBackoffMs is 0; expected a number of milliseconds > 0',
  });
  assert.throws(
    () => new ProcessExecutor({ clock, restartBackoffMs: 100, maxRestartBackoffMs: 50 }),
    InvalidExecutorOptionError,
  );
});
