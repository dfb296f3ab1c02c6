import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Confiner } from '../../../src/runtime/confinement.js';
import { ProcessExecutor } from '../../../src/runtime/index.js';
import { BubblewrapConfiner, volumesParentDirectory } from '../../../src/runtime/sandbox/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { attemptSpec, HookRecorder, PROCESS_TEST, shellContainer, START } from '../helpers.js';
import {
  makeVolume,
  mount,
  runSandboxed,
  sandboxSettings,
  sandboxTools,
  security,
} from './helpers.js';

void test('read-only root rejects writes outside volumes', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    const settings = sandboxSettings({
      security: security({ readOnlyRootFilesystem: true }),
      mounts: [mount(volume.root, '/data')],
    });
    const { result, stdout, stderr } = await runSandboxed(
      'touch /etc/cronmesh-escape 2>&1 || echo etc-refused; ' +
        'touch /tmp/cronmesh-escape 2>&1 || echo tmp-refused; ' +
        'touch /cronmesh-escape 2>&1 || echo root-refused; ' +
        'echo kept > /data/out && echo data-written',
      settings,
    );

    assert.equal(result.phase, 'Succeeded', stderr);
    assert.match(stdout, /Read-only file system\netc-refused\n/);
    assert.match(stdout, /tmp-refused\n/);
    assert.match(stdout, /root-refused\n/);
    assert.match(stdout, /data-written\n$/);
    assert.equal(existsSync('/etc/cronmesh-escape'), false);
    assert.equal(existsSync('/tmp/cronmesh-escape'), false);
    assert.equal(readFileSync(`${volume.root}/out`, 'utf8'), 'kept\n');
  } finally {
    volume.cleanup();
  }
});

void test('missing mountPath is created only inside the sandbox', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    const settings = sandboxSettings({
      security: security({ readOnlyRootFilesystem: true }),
      mounts: [mount(volume.root, '/etc/cronmesh-test-mount/config', { readOnly: true })],
    });
    const { result, stdout, stderr } = await runSandboxed(
      'test -f /etc/passwd && echo passwd-visible; ' +
        'touch /etc/cronmesh-test-mount/config/x 2>/dev/null || echo volume-read-only; ' +
        'touch /etc/cronmesh-test-mount/y 2>/dev/null || echo mirror-read-only',
      settings,
    );

    assert.equal(result.phase, 'Succeeded', stderr);
    assert.equal(stdout, 'passwd-visible\nvolume-read-only\nmirror-read-only\n');
    assert.equal(existsSync('/etc/cronmesh-test-mount'), false);
  } finally {
    volume.cleanup();
  }
});

void test('runAsUser owns files on a volume', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    const settings = sandboxSettings({
      security: security({ runAsUser: 4321, runAsGroup: 4322, supplementalGroups: [4323] }),
      mounts: [mount(volume.root, '/data')],
    });
    const { result, stdout, stderr } = await runSandboxed(
      'touch /data/made; id -u; id -g; id -G',
      settings,
    );

    assert.equal(result.phase, 'Succeeded', stderr);
    assert.equal(stdout, '4321\n4322\n4322 4323\n');
    const stats = statSync(`${volume.root}/made`);
    assert.equal(stats.uid, 4321);
    assert.equal(stats.gid, 4322);
    // A missing top-level mountPath is made in the sandbox's own root, never on the host.
    assert.equal(existsSync('/data'), false);
  } finally {
    volume.cleanup();
  }
});

void test('other attempts volumes are hidden', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    const { result, stdout } = await runSandboxed(
      `ls -A ${volume.root.split('/').slice(0, -2).join('/')} | wc -l`,
      sandboxSettings(),
    );

    assert.equal(result.phase, 'Succeeded');
    assert.equal(stdout.trim(), '0');
  } finally {
    volume.cleanup();
  }
});

void test('subPath symlink to a host directory is refused', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    symlinkSync('/etc', join(volume.root, 'dir'));
    const settings = sandboxSettings({
      mounts: [mount(join(volume.root, 'dir'), '/escaped', { volumeRoot: volume.root })],
    });

    const { result } = await runSandboxed('ls /escaped', settings);

    assert.equal(result.reason, 'CreateContainerConfigError');
    assert.equal(
      result.message,
      'spec.containers[0].volumeMounts[0].subPath resolves outside its volume, through a symbolic link; the mount is refused',
    );
  } finally {
    volume.cleanup();
  }
});

void test('subPath swapped after the check stays bound', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    const subPath = join(volume.root, 'dir');
    mkdirSync(subPath);
    writeFileSync(join(subPath, 'marker'), 'volume\n');
    // Runs after the sandbox opened the subPath and before the spawn, as a container of the
    // same attempt that replaces the directory with a link to /etc would.
    const swapper: Confiner = {
      confine: () => {
        renameSync(subPath, join(volume.root, 'moved'));
        symlinkSync('/etc', subPath);
        return Promise.resolve({ wrap: (command) => command, release: () => Promise.resolve() });
      },
    };
    const clock = new FakeClock(START);
    const recorder = new HookRecorder(clock);
    const executor = new ProcessExecutor({
      clock,
      confiners: [new BubblewrapConfiner(await sandboxTools()), swapper],
    });
    const container = shellContainer('main', 'ls /escaped', {
      sandbox: sandboxSettings({
        mounts: [mount(subPath, '/escaped', { volumeRoot: volume.root })],
      }),
    });

    const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);

    assert.equal(result.phase, 'Succeeded', recorder.text('main', 'stderr'));
    assert.equal(recorder.text('main', 'stdout'), 'marker\n');
  } finally {
    volume.cleanup();
  }
});

void test('mountPath below /proc is refused', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    const settings = sandboxSettings({ mounts: [mount(volume.root, '/proc/cronmesh/data')] });

    const { result } = await runSandboxed('ls /proc', settings);

    assert.equal(result.reason, 'CreateContainerConfigError');
    assert.equal(
      result.message,
      'spec.containers[0].volumeMounts[0].mountPath "/proc/cronmesh/data" cannot be honoured: the sandbox mounts its own /proc, so no volume may be mounted at or below it',
    );
  } finally {
    volume.cleanup();
  }
});

void test('mountPaths never reveal host directories', PROCESS_TEST, async () => {
  const volume = makeVolume();
  try {
    const parent = volumesParentDirectory();
    // A missing directory in /tmp makes the sandbox rebuild /tmp from the host's entries, and
    // mountPaths inside the volumes directory or /dev must not rebuild those from the host's.
    const settings = sandboxSettings({
      mounts: [
        mount(volume.root, '/tmp/rA-cronmesh-missing/data'),
        mount(volume.root, `${parent}/attempt-mine/data`),
        mount(volume.root, '/dev/cronmesh/data'),
      ],
    });

    const { result, stdout, stderr } = await runSandboxed(
      `ls -A ${parent}; ls -A ${parent}/attempt-mine; ls /dev | tr "\\n" " "`,
      settings,
    );

    assert.equal(result.phase, 'Succeeded', stderr);
    // bwrap's own /dev, with none of the host's devices.
    assert.equal(
      stdout,
      'attempt-mine\ndata\n' +
        'core cronmesh fd full null ptmx pts random shm stderr stdin stdout tty urandom zero ',
    );
    assert.equal(existsSync('/tmp/rA-cronmesh-missing'), false);
  } finally {
    volume.cleanup();
  }
});
