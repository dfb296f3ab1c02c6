import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { FakeClock } from '../../src/util/clock.js';
import { ProcessExecutor, type AttemptSpec } from '../../src/runtime/index.js';
import {
  attemptSpec,
  HookRecorder,
  makeTempDir,
  shellContainer,
  START,
  PROCESS_TEST,
} from './helpers.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

async function run(spec: AttemptSpec) {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const result = await new ProcessExecutor({ clock }).run(spec, recorder.hooks);
  return { result, recorder };
}

void test('init containers run in order', PROCESS_TEST, async () => {
  const order = join(temp.dir, 'order');
  const spec = attemptSpec({
    initContainers: [
      // The sleep makes a concurrent start of init-2 visible in the file.
      shellContainer('init-1', `sleep 0.2; echo init-1 >> ${order}`),
      shellContainer('init-2', `echo init-2 >> ${order}`),
    ],
    containers: [shellContainer('main', `echo main >> ${order}`)],
  });

  const { result } = await run(spec);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(readFileSync(order, 'utf8'), 'init-1\ninit-2\nmain\n');
  assert.deepEqual(
    result.initContainers.map((container) => container.name),
    ['init-1', 'init-2'],
  );
  assert.deepEqual(
    result.containers.map((container) => container.name),
    ['main'],
  );
});

void test('failed init container stops the attempt', PROCESS_TEST, async () => {
  const marker = join(temp.dir, 'main-ran');
  const spec = attemptSpec({
    initContainers: [shellContainer('init-1', 'exit 4'), shellContainer('init-2', 'true')],
    containers: [shellContainer('main', `touch ${marker}`)],
  });

  const { result, recorder } = await run(spec);

  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'Error');
  assert.equal(result.message, 'init container "init-1" exited with code 4');
  assert.deepEqual(
    result.initContainers.map((container) => container.name),
    ['init-1'],
  );
  assert.deepEqual(result.containers, []);
  assert.equal(existsSync(marker), false);
  assert.equal(recorder.count('start'), 1);
});

void test('containers run concurrently', PROCESS_TEST, async () => {
  // Each container waits, for at most 5 s, until the other has started.
  const waitFor = (self: string, other: string): string =>
    `touch ${join(temp.dir, self)}; i=0; ` +
    `while [ ! -e ${join(temp.dir, other)} ]; do i=$((i+1)); [ $i -gt 500 ] && exit 9; sleep 0.01; done`;
  const spec = attemptSpec({
    containers: [
      shellContainer('a', waitFor('a.started', 'b.started')),
      shellContainer('b', waitFor('b.started', 'a.started')),
    ],
  });

  const { result, recorder } = await run(spec);

  assert.equal(result.phase, 'Succeeded');
  assert.deepEqual(
    result.containers.map((container) => [container.name, container.exitCode]),
    [
      ['a', 0],
      ['b', 0],
    ],
  );
  const kinds = recorder.events.map((event) => event.kind);
  assert.deepEqual(kinds, ['start', 'start', 'exit', 'exit']);
});

void test('one failure lets other containers finish', PROCESS_TEST, async () => {
  const spec = attemptSpec({
    containers: [shellContainer('a', 'exit 1'), shellContainer('b', 'sleep 0.3; echo b-done')],
  });

  const { result, recorder } = await run(spec);

  assert.equal(result.phase, 'Failed');
  assert.equal(result.message, 'container "a" exited with code 1');
  assert.equal(result.containers[1]?.reason, 'Completed');
  assert.equal(recorder.text('b', 'stdout'), 'b-done\n');
});

void test('log cap spans containers', PROCESS_TEST, async () => {
  const spec = attemptSpec({
    logCapBytes: 20,
    initContainers: [shellContainer('init', 'echo init-output')],
    containers: [shellContainer('main', 'echo 0123456789abcdef; echo more >&2')],
  });

  const { result, recorder } = await run(spec);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(recorder.text('init', 'stdout'), 'init-output\n');
  assert.equal(
    recorder.text('main', 'stdout'),
    '01234567\n[cronmesh] log truncated after 20 bytes\n',
  );
  assert.equal(recorder.text('main', 'stderr'), '');
});

void test('large output is dropped past cap', PROCESS_TEST, async () => {
  // 4 MiB of output: the process must not block on a full pipe once the cap is reached.
  const spec = attemptSpec({
    logCapBytes: 1000,
    containers: [shellContainer('main', "head -c 4194304 /dev/zero | tr '\\0' a")],
  });

  const { result, recorder } = await run(spec);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(
    recorder.text('main', 'stdout'),
    `${'a'.repeat(1000)}\n[cronmesh] log truncated after 1000 bytes\n`,
  );
});
