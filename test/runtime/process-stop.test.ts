import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../src/util/clock.js';
import { ProcessExecutor, type AttemptResult, type AttemptSpec } from '../../src/runtime/index.js';
import {
  attemptSpec,
  HookRecorder,
  processIsRunning,
  PROCESS_TEST,
  shellContainer,
  START,
  waitFor,
} from './helpers.js';

/** Starts an attempt without awaiting it, so the test can stop it midway. */
function startAttempt(spec: AttemptSpec) {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const controller = new AbortController();
  let settled: AttemptResult | undefined;
  const done = new ProcessExecutor({ clock })
    .run(spec, recorder.hooks, controller.signal)
    .then((result) => {
      settled = result;
      return result;
    });
  return { clock, recorder, controller, done, isSettled: () => settled !== undefined };
}

void test('abort sends SIGTERM to the trap', PROCESS_TEST, async () => {
  const script = "trap 'echo got-TERM; exit 7' TERM; echo ready; while true; do sleep 0.05; done";
  const attempt = startAttempt(attemptSpec({ containers: [shellContainer('main', script)] }));
  await waitFor(() => attempt.recorder.text('main', 'stdout') === 'ready\n', 'the trap to be set');

  attempt.controller.abort('DeadlineExceeded');
  const result = await attempt.done;

  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'DeadlineExceeded');
  assert.equal(result.message, 'attempt stopped: DeadlineExceeded');
  assert.equal(result.containers[0]?.exitCode, 7);
  assert.equal(result.containers[0]?.reason, 'DeadlineExceeded');
  assert.equal(result.containers[0]?.message, 'stopped (DeadlineExceeded) with SIGTERM');
  assert.equal(attempt.recorder.text('main', 'stdout'), 'ready\ngot-TERM\n');
  assert.equal(attempt.clock.pendingTimers(), 0);
});

void test('SIGKILL follows the grace period', PROCESS_TEST, async () => {
  // Ignored signals stay ignored across exec, so the sleep children ignore SIGTERM too.
  const script = "trap '' TERM; echo $$; while true; do sleep 0.05; echo tick; done";
  const spec = attemptSpec({
    terminationGracePeriodSeconds: 30,
    containers: [shellContainer('main', script)],
  });
  const attempt = startAttempt(spec);
  const ticks = (): number => attempt.recorder.text('main', 'stdout').split('tick').length - 1;
  await waitFor(() => ticks() >= 1, 'the loop to run');
  const pid = Number(attempt.recorder.text('main', 'stdout').split('\n')[0]);

  attempt.controller.abort('DeadlineExceeded');
  const ticksAtAbort = ticks();
  await waitFor(() => ticks() >= ticksAtAbort + 2, 'the loop to survive SIGTERM');
  attempt.clock.advance(29_999);

  assert.equal(processIsRunning(pid), true);
  assert.equal(attempt.isSettled(), false);

  attempt.clock.advance(1);
  const result = await attempt.done;

  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'DeadlineExceeded');
  assert.equal(result.containers[0]?.exitCode, 137);
  assert.equal(result.containers[0]?.signal, 'SIGKILL');
  assert.equal(result.containers[0]?.reason, 'DeadlineExceeded');
  assert.equal(
    result.containers[0]?.message,
    'stopped (DeadlineExceeded): SIGKILL sent because the process was still running 30 s after SIGTERM',
  );
  assert.equal(result.containers[0]?.startedAt, START);
  assert.equal(result.containers[0]?.finishedAt, START + 30_000);
  assert.equal(processIsRunning(pid), false);
});

void test('stop kills background grandchild', PROCESS_TEST, async () => {
  const script = 'sleep 1000 & echo $!; wait';
  const attempt = startAttempt(attemptSpec({ containers: [shellContainer('main', script)] }));
  await waitFor(() => attempt.recorder.text('main', 'stdout').endsWith('\n'), 'the child pid');
  const grandchild = Number(attempt.recorder.text('main', 'stdout').trim());
  assert.equal(processIsRunning(grandchild), true);

  attempt.controller.abort('Replaced');
  const result = await attempt.done;

  assert.equal(result.reason, 'Replaced');
  assert.equal(result.containers[0]?.exitCode, 143);
  assert.equal(result.containers[0]?.signal, 'SIGTERM');
  await waitFor(() => !processIsRunning(grandchild), 'the grandchild to exit', 5_000);
});

void test('main exit kills leftover grandchild', PROCESS_TEST, async () => {
  const script = 'sleep 1000 & echo $!; exit 0';
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const spec = attemptSpec({ containers: [shellContainer('main', script)] });

  const result = await new ProcessExecutor({ clock }).run(spec, recorder.hooks);
  const grandchild = Number(recorder.text('main', 'stdout').trim());

  assert.equal(result.phase, 'Succeeded');
  assert.equal(result.containers[0]?.reason, 'Completed');
  await waitFor(() => !processIsRunning(grandchild), 'the grandchild to exit', 5_000);
});

void test('abort during init skips containers', PROCESS_TEST, async () => {
  const spec = attemptSpec({
    initContainers: [shellContainer('init', 'echo ready; exec sleep 1000')],
    containers: [shellContainer('main', 'true')],
  });
  const attempt = startAttempt(spec);
  await waitFor(() => attempt.recorder.text('init', 'stdout') === 'ready\n', 'the init container');

  attempt.controller.abort('DeadlineExceeded');
  const result = await attempt.done;

  assert.equal(result.phase, 'Failed');
  assert.equal(result.initContainers[0]?.exitCode, 143);
  assert.deepEqual(result.containers, []);
  assert.equal(attempt.recorder.count('start', 'main'), 0);
});

void test('abort stops all containers', PROCESS_TEST, async () => {
  const spec = attemptSpec({
    containers: [
      shellContainer('a', 'echo ready; exec sleep 1000'),
      shellContainer('b', 'echo ready; exec sleep 1000'),
    ],
  });
  const attempt = startAttempt(spec);
  const ready = (name: string): boolean => attempt.recorder.text(name, 'stdout') === 'ready\n';
  await waitFor(() => ready('a') && ready('b'), 'both containers');

  attempt.controller.abort('DeadlineExceeded');
  const result = await attempt.done;

  assert.deepEqual(
    result.containers.map((container) => [container.name, container.exitCode, container.reason]),
    [
      ['a', 143, 'DeadlineExceeded'],
      ['b', 143, 'DeadlineExceeded'],
    ],
  );
});

void test('aborted signal starts nothing', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const spec = attemptSpec({ containers: [shellContainer('main', 'true')] });

  const result = await new ProcessExecutor({ clock }).run(
    spec,
    recorder.hooks,
    AbortSignal.abort('DeadlineExceeded'),
  );

  assert.deepEqual(result, {
    phase: 'Failed',
    reason: 'DeadlineExceeded',
    message: 'attempt stopped: DeadlineExceeded',
    initContainers: [],
    containers: [],
  });
  assert.equal(recorder.events.length, 0);
});

void test('abort without string reason is Stopped', PROCESS_TEST, async () => {
  const attempt = startAttempt(
    attemptSpec({ containers: [shellContainer('main', 'echo ready; exec sleep 1000')] }),
  );
  await waitFor(() => attempt.recorder.text('main', 'stdout') === 'ready\n', 'the container');

  attempt.controller.abort();
  const result = await attempt.done;

  assert.equal(result.reason, 'Stopped');
  assert.equal(result.containers[0]?.reason, 'Stopped');
  assert.equal(result.containers[0]?.exitCode, 143);
});
