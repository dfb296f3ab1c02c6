import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeClock } from '../../src/util/clock.js';
import {
  ConfinementError,
  ProcessExecutor,
  type Confinement,
  type ConfinementContext,
  type Confiner,
  type LaunchCommand,
} from '../../src/runtime/index.js';
import { attemptSpec, HookRecorder, shellContainer, START, PROCESS_TEST } from './helpers.js';

/** Records the executor's calls to a layer, and wraps the command with `env NAME=VALUE`. */
class EnvLayer implements Confiner {
  readonly contexts: ConfinementContext[] = [];
  readonly calls: string[] = [];

  constructor(
    private readonly name: string,
    private readonly assignment: string,
    private readonly explanation?: { reason: string; exitCode: number },
  ) {}

  confine(_container: unknown, context: ConfinementContext): Promise<Confinement> {
    this.contexts.push(context);
    this.calls.push('confine');
    return Promise.resolve({
      wrap: (command: LaunchCommand): LaunchCommand => {
        this.calls.push('wrap');
        return {
          ...command,
          file: '/usr/bin/env',
          args: [this.assignment, command.file, ...command.args],
        };
      },
      explainExit: (exit) => {
        this.calls.push(`explain ${exit.exitCode}`);
        return Promise.resolve(this.explanation);
      },
      release: () => {
        this.calls.push(`release ${this.name}`);
        return Promise.resolve();
      },
    });
  }
}

async function run(confiners: Confiner[], script: string, id = 'pod-uid') {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, confiners });
  const spec = attemptSpec({ id, containers: [shellContainer('main', script)] });
  const result = await executor.run(spec, recorder.hooks);
  return { result, recorder };
}

void test('layers wrap the command innermost first', PROCESS_TEST, async () => {
  const inner = new EnvLayer('inner', 'LAYER=inner');
  const outer = new EnvLayer('outer', 'LAYER=outer');

  const { result, recorder } = await run([inner, outer], 'echo "$LAYER"; exit 3');

  // `env LAYER=outer env LAYER=inner sh -c ...`: the inner assignment runs last and wins.
  assert.equal(recorder.text('main', 'stdout'), 'inner\n');
  assert.equal(result.containers[0]?.exitCode, 3);
  assert.equal(result.containers[0]?.reason, 'Error');
  assert.deepEqual(inner.contexts, [{ runId: 'pod-uid-main-0', restartCount: 0 }]);
  assert.deepEqual(inner.calls, ['confine', 'wrap', 'explain 3', 'release inner']);
  assert.deepEqual(outer.calls, ['confine', 'wrap', 'explain 3', 'release outer']);
});

void test('outermost explanation replaces the exit', PROCESS_TEST, async () => {
  const inner = new EnvLayer('inner', 'A=1', { reason: 'InnerReason', exitCode: 1 });
  const outer = new EnvLayer('outer', 'B=2', { reason: 'OOMKilled', exitCode: 137 });

  const { result } = await run([inner, outer], 'exit 9');

  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'OOMKilled');
  assert.equal(result.containers[0]?.exitCode, 137);
  assert.equal(result.containers[0]?.reason, 'OOMKilled');
  assert.deepEqual(inner.calls, ['confine', 'wrap', 'release inner']);
});

void test('confinement error fails before spawn', PROCESS_TEST, async () => {
  const first = new EnvLayer('first', 'A=1');
  const refusing: Confiner = {
    confine: () =>
      Promise.reject(
        new ConfinementError(
          'CreateContainerConfigError',
          'container has runAsNonRoot and image will run as root',
        ),
      ),
  };

  const { result, recorder } = await run([first, refusing], 'echo ran');

  assert.equal(recorder.count('start'), 0);
  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'CreateContainerConfigError');
  assert.equal(result.message, 'container has runAsNonRoot and image will run as root');
  assert.equal(result.containers[0]?.exitCode, 128);
  // The layer prepared before the refusal is still released.
  assert.deepEqual(first.calls, ['confine', 'wrap', 'release first']);
});
