import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProcessExecutor } from '../../../src/runtime/process.js';
import type { ResolvedContainer } from '../../../src/runtime/types.js';
import { ResourceConfiner } from '../../../src/runtime/resources/resource-confiner.js';
import { FakeClock, SystemClock, type Clock } from '../../../src/util/clock.js';
import {
  attemptSpec,
  HookRecorder,
  PROCESS_TEST,
  processIsRunning,
  shellContainer,
  START,
} from '../helpers.js';

const Mi = 2 ** 20;

/** Returns a shell command that prints `file` of the container's own cgroup in `controller`. */
function ownCgroupFile(controller: string, file: string): string {
  return `cat "/sys/fs/cgroup/${controller}$(grep ':${controller}:' /proc/self/cgroup | cut -d: -f3)/${file}"`;
}

async function runConfined(
  confiner: ResourceConfiner,
  id: string,
  container: ResolvedContainer,
  clock: Clock = new FakeClock(START),
) {
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, confiners: [confiner] });
  const result = await executor.run(attemptSpec({ id, containers: [container] }), recorder.hooks);
  return { result, recorder };
}

// These run the real kernel path: cgroup v1 memory and cpu hierarchies writable by root.
describe('cgroup v1 limits', () => {
  it('detects the v1 hierarchies', async () => {
    const mechanism = await new ResourceConfiner().mechanism();

    assert.equal(mechanism.kind, 'cgroup-v1');
  });

  it('ends a container over its memory limit as OOMKilled', PROCESS_TEST, async () => {
    const confiner = new ResourceConfiner();
    const mechanism = await confiner.mechanism();
    assert.ok(mechanism.kind === 'cgroup-v1');
    const container: ResolvedContainer = {
      name: 'main',
      command: ['python3', '-c', 'b = bytearray(256 * 1024 * 1024); print("survived")'],
      args: [],
      env: {},
      limits: { memory: 32 * Mi },
    };

    const { result, recorder } = await runConfined(confiner, 'hB-oom', container);
    const run = result.containers[0];

    assert.equal(result.phase, 'Failed');
    assert.equal(result.reason, 'OOMKilled');
    assert.equal(run?.reason, 'OOMKilled');
    assert.equal(run?.exitCode, 137);
    assert.equal(run?.signal, 'SIGKILL');
    assert.equal(
      run?.message,
      'the container used more than its memory limit of 33554432 bytes ' +
        '(resources.limits.memory) and the kernel OOM killer ended it',
    );
    assert.equal(recorder.text('main', 'stdout'), '');
    assert.equal(existsSync(join(mechanism.parents.memoryDir, 'hB-oom-main-0')), false);
  });

  it('writes the memory limit and CFS quota', PROCESS_TEST, async () => {
    const confiner = new ResourceConfiner();
    const mechanism = await confiner.mechanism();
    assert.ok(mechanism.kind === 'cgroup-v1');
    const script = [
      ownCgroupFile('memory', 'memory.limit_in_bytes'),
      ownCgroupFile('cpu', 'cpu.cfs_quota_us'),
      ownCgroupFile('cpu', 'cpu.cfs_period_us'),
    ].join('; ');
    const container = shellContainer('main', script, { limits: { cpu: 0.2, memory: 32 * Mi } });

    const { result, recorder } = await runConfined(confiner, 'hB-files', container);

    assert.equal(result.phase, 'Succeeded');
    assert.equal(recorder.text('main', 'stderr'), '');
    assert.equal(recorder.text('main', 'stdout'), '33554432\n20000\n100000\n');
    assert.equal(existsSync(join(mechanism.parents.memoryDir, 'hB-files-main-0')), false);
    assert.equal(existsSync(join(mechanism.parents.cpuDir, 'hB-files-main-0')), false);
  });

  it('reports a child OOM kill with the main exit code', PROCESS_TEST, async () => {
    const confiner = new ResourceConfiner();
    // The OOM killer picks python, the largest process, and the shell goes on to exit 1.
    const script = 'python3 -c "b = bytearray(256 * 1024 * 1024)"; exit 1';
    const container = shellContainer('main', script, { limits: { memory: 32 * Mi } });

    const { result } = await runConfined(confiner, 'rB-child-oom', container);
    const run = result.containers[0];

    assert.equal(result.phase, 'Failed');
    assert.equal(run?.reason, 'OOMKilled');
    assert.equal(run?.exitCode, 1);
    assert.equal(run?.signal, undefined);
    assert.equal(
      run?.message,
      'the container reached its memory limit of 33554432 bytes (resources.limits.memory), ' +
        'the kernel OOM killer ended one of its child processes, and the main process exited ' +
        'with code 1',
    );
  });

  it('keeps exit code 0 after a child OOM kill', PROCESS_TEST, async () => {
    const confiner = new ResourceConfiner();
    const script = 'python3 -c "b = bytearray(256 * 1024 * 1024)"; exit 0';
    const container = shellContainer('main', script, { limits: { memory: 32 * Mi } });

    const { result } = await runConfined(confiner, 'rB-child-oom-0', container);
    const run = result.containers[0];

    // containerd sets the reason from the cgroup's OOM event and keeps the process's exit code.
    assert.equal(run?.reason, 'OOMKilled');
    assert.equal(run?.exitCode, 0);
    assert.equal(result.phase, 'Succeeded');
  });

  it('kills descendants that left the process group', PROCESS_TEST, async () => {
    const confiner = new ResourceConfiner();
    // setsid puts sleep in a new session, out of reach of the process group kill, and sleep
    // keeps the container's stdout open. The loop waits until sleep leads its own session
    // (field 6 of /proc/<pid>/stat), so the shell never exits before the escape.
    const script =
      'setsid sleep 30 & pid=$!; ' +
      'while [ "$(cut -d " " -f 6 /proc/$pid/stat)" != "$pid" ]; do :; done; echo $pid';
    const container = shellContainer('main', script, { limits: { memory: 64 * Mi } });

    // The real clock lets the output drain time out if the cgroup kill were missing.
    const { result, recorder } = await runConfined(
      confiner,
      'rB-escape',
      container,
      new SystemClock(),
    );
    const pid = Number(recorder.text('main', 'stdout').trim());
    try {
      assert.ok(pid > 0, `pid printed: ${recorder.text('main', 'stdout')}`);
      assert.equal(processIsRunning(pid), false);
      assert.equal(result.phase, 'Succeeded');
      // Killed right after the shell exited, so the output was not cut off.
      assert.equal(result.containers[0]?.message, undefined);
    } finally {
      if (pid > 0 && processIsRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('leaves unlimited containers unwrapped', async () => {
    const confiner = new ResourceConfiner();
    const confinement = await confiner.confine(shellContainer('main', 'true'), {
      runId: 'hB-none-main-0',
      restartCount: 0,
    });
    const launch = { file: '/bin/true', args: [], env: {} };

    assert.deepEqual(confinement.wrap(launch), launch);
    await confinement.release();
  });
});
