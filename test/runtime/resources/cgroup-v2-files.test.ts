import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ControlWriteError } from '../../../src/runtime/resources/cgroup-files.js';
import {
  createCgroupV2,
  enableCgroupV2Controllers,
  type ControlWriter,
} from '../../../src/runtime/resources/cgroup-v2.js';
import { ResourceConfiner } from '../../../src/runtime/resources/resource-confiner.js';
import { makeTempDir, shellContainer } from '../helpers.js';

// An ordinary directory replaces cgroupfs, so these tests check which files cronmesh
// writes and reads, not what the kernel does with them.
describe('cgroup v2 files', () => {
  it('enables memory and cpu for the children', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      mkdirSync(join(dir, 'cronmesh'));
      await enableCgroupV2Controllers(dir, join(dir, 'cronmesh'));

      assert.equal(readFileSync(join(dir, 'cgroup.subtree_control'), 'utf8'), '+memory +cpu');
      assert.equal(
        readFileSync(join(dir, 'cronmesh', 'cgroup.subtree_control'), 'utf8'),
        '+memory +cpu',
      );
    } finally {
      cleanup();
    }
  });

  it('moves the processes to a leaf when busy', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      mkdirSync(join(dir, 'cronmesh'));
      const procs = join(dir, 'cgroup.procs');
      writeFileSync(procs, '101\n102\n');
      const writes: string[] = [];
      // Stands in for the kernel: the group rejects subtree_control while it lists a process,
      // a pid written to a cgroup.procs file leaves it, and process 102 has already exited.
      const write: ControlWriter = (target, file, value) => {
        writes.push(`${relative(dir, join(target, file))} ${value}`);
        const listed = readFileSync(procs, 'utf8');
        if (file === 'cgroup.subtree_control' && target === dir && listed !== '') {
          return Promise.reject(new ControlWriteError('busy', 'EBUSY', {}));
        }
        if (file !== 'cgroup.procs') return Promise.resolve();
        writeFileSync(procs, listed.replace(`${value}\n`, ''));
        if (value === '102') return Promise.reject(new ControlWriteError('exited', 'ESRCH', {}));
        return Promise.resolve();
      };

      await enableCgroupV2Controllers(dir, join(dir, 'cronmesh'), write);

      assert.deepEqual(writes, [
        'cgroup.subtree_control +memory +cpu',
        'cronmesh-leaf/cgroup.procs 101',
        'cronmesh-leaf/cgroup.procs 102',
        'cgroup.subtree_control +memory +cpu',
        'cronmesh/cgroup.subtree_control +memory +cpu',
      ]);
      assert.equal(existsSync(join(dir, 'cronmesh-leaf')), true);
    } finally {
      cleanup();
    }
  });

  it('passes on errors other than EBUSY', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const denied = new ControlWriteError('denied', 'EACCES', {});
      const write: ControlWriter = () => Promise.reject(denied);

      await assert.rejects(enableCgroupV2Controllers(dir, join(dir, 'cronmesh'), write), denied);
      assert.equal(existsSync(join(dir, 'cronmesh-leaf')), false);
    } finally {
      cleanup();
    }
  });

  it('writes memory.max and cpu.max', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const group = await createCgroupV2(dir, 'run-1', {
        memoryBytes: 33_554_432,
        cpuQuotaUs: 20_000,
      });

      assert.equal(readFileSync(join(dir, 'run-1', 'memory.max'), 'utf8'), '33554432');
      assert.equal(readFileSync(join(dir, 'run-1', 'cpu.max'), 'utf8'), '20000 100000');
      assert.deepEqual(group.procsFiles, [join(dir, 'run-1', 'cgroup.procs')]);
    } finally {
      cleanup();
    }
  });

  it('reads oom_kill from memory.events', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const group = await createCgroupV2(dir, 'run-2', { memoryBytes: 1024 * 1024 });
      const events = join(dir, 'run-2', 'memory.events');
      writeFileSync(events, 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n');
      const before = await group.oomKilled({ exitCode: 1 });
      writeFileSync(events, 'low 0\nhigh 0\nmax 9\noom 2\noom_kill 1\n');
      const after = await group.oomKilled({ exitCode: 137, signal: 'SIGKILL' });

      assert.equal(before, false);
      assert.equal(after, true);
    } finally {
      cleanup();
    }
  });

  it('confines through a v2 location', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const confiner = new ResourceConfiner({ cgroups: { version: 2, dir } });
      const container = shellContainer('main', 'true', { limits: { cpu: 0.5, memory: 2 ** 26 } });
      const confinement = await confiner.confine(container, {
        runId: 'uid-main-0',
        restartCount: 0,
      });
      const runDir = join(dir, 'cronmesh', 'uid-main-0');
      const launch = confinement.wrap({ file: '/bin/sh', args: ['-c', 'true'], env: {} });

      assert.deepEqual(await confiner.mechanism(), {
        kind: 'cgroup-v2',
        parentDir: join(dir, 'cronmesh'),
      });
      assert.equal(readFileSync(join(runDir, 'memory.max'), 'utf8'), '67108864');
      assert.equal(readFileSync(join(runDir, 'cpu.max'), 'utf8'), '50000 100000');
      assert.equal(launch.file, '/bin/sh');
      assert.deepEqual(launch.args.slice(2), [
        'cronmesh-cgroup',
        '1',
        join(runDir, 'cgroup.procs'),
        '/bin/sh',
        '-c',
        'true',
      ]);
      // An ordinary directory keeps its files, so only the kernel could remove the group.
      await confinement.release();
      assert.equal(existsSync(runDir), true);
    } finally {
      cleanup();
    }
  });
});
