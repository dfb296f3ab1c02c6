import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { FakeClock, SystemClock } from '../../src/util/clock.js';
import { ProcessExecutor, type AttemptResult } from '../../src/runtime/index.js';
import {
  attemptSpec,
  HookRecorder,
  makeTempDir,
  processIsRunning,
  PROCESS_TEST,
  shellContainer,
  START,
  waitFor,
} from './helpers.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

/** Script that fails until it has run `runs` times, counting runs in `counterFile`. */
function failUntilRun(counterFile: string, runs: number): string {
  return (
    `n=$(cat ${counterFile} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${counterFile}; ` +
    `echo run-$n; [ $n -ge ${runs} ]`
  );
}

void test('OnFailure restarts until success', PROCESS_TEST, async () => {
  const clock = new SystemClock();
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, restartBackoffMs: 1 });
  const spec = attemptSpec({
    restartPolicy: 'OnFailure',
    containers: [shellContainer('main', failUntilRun(join(temp.dir, 'count'), 3))],
  });

  const result = await executor.run(spec, recorder.hooks);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(result.containers[0]?.restartCount, 2);
  assert.equal(result.containers[0]?.reason, 'Completed');
  assert.deepEqual(recorder.exitCodes('main'), [1, 1, 0]);
  assert.deepEqual(recorder.restartCounts('main'), [1, 2]);
  assert.equal(recorder.count('start', 'main'), 3);
  assert.equal(recorder.text('main', 'stdout'), 'run-1\nrun-2\nrun-3\n');
});

void test('restart delays follow kubelet backoff', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const controller = new AbortController();
  const spec = attemptSpec({
    restartPolicy: 'OnFailure',
    containers: [shellContainer('main', 'exit 1')],
  });
  const done = new ProcessExecutor({ clock }).run(spec, recorder.hooks, controller.signal);

  // The first failure restarts at once, without a timer.
  await waitFor(() => recorder.count('exit') === 2, 'the second failure');
  assert.deepEqual(recorder.restartCounts('main'), [1]);
  assert.equal(clock.pendingTimers(), 1);

  clock.advance(9_999);
  assert.deepEqual(recorder.restartCounts('main'), [1]);
  clock.advance(1);
  await waitFor(() => recorder.count('exit') === 3, 'the third failure');
  assert.deepEqual(recorder.restartCounts('main'), [1, 2]);

  clock.advance(19_999);
  assert.deepEqual(recorder.restartCounts('main'), [1, 2]);
  clock.advance(1);
  await waitFor(() => recorder.count('exit') === 4, 'the fourth failure');
  assert.deepEqual(recorder.restartCounts('main'), [1, 2, 3]);

  controller.abort('DeadlineExceeded');
  const result = await done;

  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'DeadlineExceeded');
  assert.equal(result.containers[0]?.exitCode, 1);
  assert.equal(result.containers[0]?.reason, 'Error');
  assert.equal(result.containers[0]?.restartCount, 3);
  assert.equal(clock.pendingTimers(), 0);
});

void test('Never does not restart', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const spec = attemptSpec({ containers: [shellContainer('main', 'exit 2')] });

  const result = await new ProcessExecutor({ clock }).run(spec, recorder.hooks);

  assert.equal(result.phase, 'Failed');
  assert.deepEqual(recorder.exitCodes('main'), [2]);
  assert.deepEqual(recorder.restartCounts('main'), []);
});

void test('OnFailure restarts init container', PROCESS_TEST, async () => {
  const clock = new SystemClock();
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, restartBackoffMs: 1 });
  const spec = attemptSpec({
    restartPolicy: 'OnFailure',
    initContainers: [shellContainer('init', failUntilRun(join(temp.dir, 'count'), 2))],
    containers: [shellContainer('main', 'echo main')],
  });

  const result = await executor.run(spec, recorder.hooks);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(result.initContainers[0]?.restartCount, 1);
  assert.deepEqual(recorder.restartCounts('init'), [1]);
  assert.equal(recorder.text('main', 'stdout'), 'main\n');
});

void test('OnFailure restarts container that cannot run', PROCESS_TEST, async () => {
  const clock = new SystemClock();
  const recorder = new HookRecorder(clock);
  const controller = new AbortController();
  const executor = new ProcessExecutor({ clock, restartBackoffMs: 1, maxRestartBackoffMs: 1 });
  const spec = attemptSpec({
    restartPolicy: 'OnFailure',
    containers: [{ name: 'main', command: ['cronmesh-no-such-command'], args: [], env: {} }],
  });
  const done = executor.run(spec, recorder.hooks, controller.signal);

  await waitFor(() => recorder.count('restart') >= 2, 'two restarts');
  controller.abort('BackoffLimitExceeded');
  const result = await done;

  assert.equal(result.reason, 'BackoffLimitExceeded');
  assert.equal(result.containers[0]?.reason, 'ContainerCannotRun');
  assert.equal(result.containers[0]?.exitCode, 127);
});

void test('throwing hook stops the attempt', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  let pid = 0;
  const hooks = {
    ...recorder.hooks,
    onOutput: (container: string, stream: 'stdout' | 'stderr', chunk: string): void => {
      pid = Number(chunk.trim());
      throw new Error('log store unavailable');
    },
  };
  const spec = attemptSpec({ containers: [shellContainer('main', 'echo $$; exec sleep 1000')] });

  const outcome: AttemptResult | Error = await new ProcessExecutor({ clock })
    .run(spec, hooks)
    .catch((error: Error) => error);

  assert.ok(outcome instanceof Error);
  assert.equal(outcome.message, 'log store unavailable');
  assert.equal(processIsRunning(pid), false);
});
