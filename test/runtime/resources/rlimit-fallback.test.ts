import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ProcessExecutor } from '../../../src/runtime/process.js';
import { ResourceConfiner } from '../../../src/runtime/resources/resource-confiner.js';
import type { ResolvedContainer } from '../../../src/runtime/types.js';
import { FakeClock } from '../../../src/util/clock.js';
import {
  attemptSpec,
  HookRecorder,
  makeTempDir,
  PROCESS_TEST,
  shellContainer,
  START,
} from '../helpers.js';

const Mi = 2 ** 20;

/**
 * Returns a confiner whose cgroup directories lie inside a regular file, so creating a group fails
 * with ENOTDIR even for root, as on a host where cronmesh may not create cgroups.
 */
function confinerWithoutCgroups(dir: string): { confiner: ResourceConfiner; blocker: string } {
  const blocker = join(dir, 'not-a-directory');
  writeFileSync(blocker, '');
  const confiner = new ResourceConfiner({
    cgroups: { version: 1, memoryDir: blocker, cpuDir: blocker },
  });
  return { confiner, blocker };
}

async function run(confiner: ResourceConfiner, container: ResolvedContainer) {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, confiners: [confiner] });
  const result = await executor.run(
    attemptSpec({ id: 'hB-rlimit', containers: [container] }),
    recorder.hooks,
  );
  return { result, recorder };
}

describe('rlimit fallback', () => {
  it('falls back when cgroups cannot be created', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const { confiner, blocker } = confinerWithoutCgroups(dir);

      assert.deepEqual(await confiner.mechanism(), {
        kind: 'rlimit',
        reason: `cannot create cgroup ${join(blocker, 'cronmesh', `probe-${process.pid}`)}: ENOTDIR`,
      });
    } finally {
      cleanup();
    }
  });

  it('sets RLIMIT_AS from the memory limit', PROCESS_TEST, async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const { confiner } = confinerWithoutCgroups(dir);
      const container = shellContainer('main', 'ulimit -v', { limits: { memory: 64 * Mi } });

      const { result, recorder } = await run(confiner, container);

      assert.equal(result.phase, 'Succeeded');
      assert.equal(recorder.text('main', 'stdout'), '65536\n');
    } finally {
      cleanup();
    }
  });

  it('fails an allocation past the limit without OOMKilled', PROCESS_TEST, async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const { confiner } = confinerWithoutCgroups(dir);
      const container: ResolvedContainer = {
        name: 'main',
        command: ['python3', '-c', 'b = bytearray(256 * 1024 * 1024)'],
        args: [],
        env: {},
        limits: { memory: 64 * Mi },
      };

      const { result, recorder } = await run(confiner, container);

      // RLIMIT_AS makes the allocation fail inside the program, which reports it its own way.
      assert.equal(result.containers[0]?.reason, 'Error');
      assert.equal(result.containers[0]?.exitCode, 1);
      assert.match(recorder.text('main', 'stderr'), /MemoryError/);
    } finally {
      cleanup();
    }
  });

  it('rejects a CPU limit by name', PROCESS_TEST, async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const { confiner, blocker } = confinerWithoutCgroups(dir);
      const container = shellContainer('main', 'echo ran', { limits: { cpu: 0.2 } });

      const { result, recorder } = await run(confiner, container);

      assert.equal(recorder.count('start'), 0);
      assert.equal(result.phase, 'Failed');
      assert.equal(result.reason, 'CreateContainerConfigError');
      assert.equal(
        result.message,
        'container "main": resources.limits.cpu 200m cannot be enforced without cgroups ' +
          `(cannot create cgroup ${join(blocker, 'cronmesh', `probe-${process.pid}`)}: ENOTDIR); ` +
          'run the worker where it can create cgroups (as root, or with a delegated cgroup v2 ' +
          'subtree) or remove the CPU limit',
      );
    } finally {
      cleanup();
    }
  });
});
