import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Pod } from '../../src/api/types.js';
import { ensureVolumesParentDirectory } from '../../src/runtime/sandbox/filesystem.js';
import { ContainerConfigError } from '../../src/worker/environment.js';
import { materializeVolumes, writeVolumeFile } from '../../src/worker/volumes.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';

const run = promisify(execFile);

describe('volume file writes', () => {
  let root: string;
  let volume: string;
  let outside: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hA-volume-files-'));
    volume = join(root, 'volume');
    outside = join(root, 'outside');
    mkdirSync(volume);
    mkdirSync(outside);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function rejection(path: string): Promise<string> {
    const file = {
      path,
      mode: 0o644,
      value: Buffer.from('x'),
      field: 'spec.volumes[0].configMap.items[0]',
    };
    try {
      await writeVolumeFile(volume, file);
    } catch (error) {
      assert.ok(error instanceof ContainerConfigError, String(error));
      return error.message;
    }
    assert.fail(`path ${path} was written`);
  }

  it('rejects paths that leave the volume', async () => {
    const field = 'spec.volumes[0].configMap.items[0].path';
    assert.equal(
      await rejection('../outside/x'),
      `${field}: Invalid value: "../outside/x": must not contain '..'`,
    );
    assert.equal(
      await rejection('/etc/passwd'),
      `${field}: Invalid value: "/etc/passwd": must be a relative path`,
    );
    assert.equal(
      await rejection('a/../../x'),
      `${field}: Invalid value: "a/../../x": must not contain '..'`,
    );
    assert.equal(existsSync(join(outside, 'x')), false);
  });

  it('rejects reserved and unprintable names', async () => {
    const field = 'spec.volumes[0].configMap.items[0].path';
    assert.equal(
      await rejection('..data/x'),
      `${field}: Invalid value: "..data/x": must not start with '..'`,
    );
    assert.equal(
      await rejection('a\nb'),
      `${field}: Invalid value: "a\\nb": must not contain control characters`,
    );
    assert.equal(
      await rejection('a\u0000b'),
      `${field}: Invalid value: "a\\u0000b": must not contain control characters`,
    );
    assert.equal(
      await rejection('./'),
      `${field}: Invalid value: "./": must name a file below the volume`,
    );
    assert.equal(
      await rejection(`${'x'.repeat(256)}`),
      `${field}: Invalid value: "${'x'.repeat(256)}": each element must be no more than 255 bytes`,
    );
    assert.deepEqual(readdirSync(volume), []);
  });

  it('never follows a symbolic link', async () => {
    symlinkSync(outside, join(volume, 'link'));
    const field = 'spec.volumes[0].configMap.items[0].path';

    assert.equal(
      await rejection('link/x'),
      `${field}: "link/x" conflicts with another file of the volume`,
    );
    assert.equal(await rejection('link'), `${field}: "link" is given twice`);
    assert.equal(existsSync(join(outside, 'x')), false);
  });

  // Both paths name conf/app.yaml in the volume once empty and `.` elements are dropped.
  const writes = [
    { name: 'writes nested paths with their mode', path: 'conf/app.yaml', mode: 0o400 },
    { name: 'drops empty and dot elements', path: './conf//app.yaml', mode: 0o640 },
  ];

  for (const { name, path, mode } of writes) {
    it(name, async () => {
      await writeVolumeFile(volume, {
        path,
        mode,
        value: Buffer.from('a: 1\n'),
        field: 'spec.volumes[0].configMap.items[0]',
      });

      assert.equal(readFileSync(join(volume, 'conf/app.yaml'), 'utf8'), 'a: 1\n');
      assert.equal(statSync(join(volume, 'conf/app.yaml')).mode & 0o7777, mode);
    });
  }
});

describe('volumes parent directory', () => {
  let root: string;
  let savedTmpdir: string | undefined;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rA-volumes-parent-'));
    savedTmpdir = process.env.TMPDIR;
    // os.tmpdir() reads TMPDIR on every call, so the parent moves into this test's directory.
    process.env.TMPDIR = root;
  });

  afterEach(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(root, { recursive: true, force: true });
  });

  it('is created private', () => {
    const parent = ensureVolumesParentDirectory();

    assert.equal(parent, join(root, 'cronmesh-volumes'));
    assert.equal(statSync(parent).mode & 0o777, 0o700);
  });

  it('becomes private again', () => {
    mkdirSync(join(root, 'cronmesh-volumes'), { mode: 0o777 });
    chmodSync(join(root, 'cronmesh-volumes'), 0o777);

    ensureVolumesParentDirectory();

    assert.equal(statSync(join(root, 'cronmesh-volumes')).mode & 0o777, 0o700);
  });

  it('rejects a planted symbolic link', () => {
    mkdirSync(join(root, 'elsewhere'));
    symlinkSync(join(root, 'elsewhere'), join(root, 'cronmesh-volumes'));

    assert.throws(() => ensureVolumesParentDirectory(), {
      message: `${join(root, 'cronmesh-volumes')} is not a directory owned by cronmesh's user (uid 0); stop every job, remove it, and start the worker again`,
    });
  });

  it('rejects a directory of another user', () => {
    mkdirSync(join(root, 'cronmesh-volumes'), { mode: 0o700 });
    chownSync(join(root, 'cronmesh-volumes'), 1234, 1234);

    assert.throws(() => ensureVolumesParentDirectory(), {
      message: `${join(root, 'cronmesh-volumes')} is not a directory owned by cronmesh's user (uid 0); stop every job, remove it, and start the worker again`,
    });
  });
});

describe('volume release', () => {
  let root: string;
  let outside: string;
  let savedTmpdir: string | undefined;
  let temp: TempStore;

  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', uid: '6f1d2c3b-0a4e-4b5f-9c8d-7e6f5a4b3c2d' },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'main', command: ['/bin/true'] }],
      volumes: [{ name: 'scratch', emptyDir: {} }],
    },
  };

  /** Mount points below `root` in this process's mount namespace. */
  function mountPointsBelow(): string[] {
    return readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4] ?? '')
      .filter((mountPoint) => mountPoint.startsWith(`${root}/`));
  }

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'hA-volume-release-'));
    outside = join(root, 'outside');
    mkdirSync(outside);
    savedTmpdir = process.env.TMPDIR;
    // os.tmpdir() reads TMPDIR on every call, so the parent moves into this test's directory.
    process.env.TMPDIR = root;
    temp = await openTempStore();
  });

  afterEach(async () => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    await temp.cleanup();
    for (const mountPoint of mountPointsBelow().reverse()) {
      await run('umount', ['--lazy', mountPoint]);
    }
    await rm(root, { recursive: true, force: true });
  });

  it('removes links without following them', async () => {
    writeFileSync(join(outside, 'keep'), 'host file\n');
    const volumes = await materializeVolumes(pod, temp.store);
    const directory = volumes.directories.get('scratch') ?? '';
    symlinkSync(outside, join(directory, 'escape'));

    const problems = await volumes.release();

    assert.deepEqual(problems, []);
    assert.equal(existsSync(dirname(directory)), false);
    assert.deepEqual(readdirSync(outside), ['keep']);
  });

  it('keeps a mount of another file system', async () => {
    // A job that runs as root without the sandbox can bind a host directory of another file
    // system, here a tmpfs, into its volume and outlive the attempt.
    await run('mount', ['-t', 'tmpfs', '-o', 'mode=0700', 'tmpfs', outside]);
    writeFileSync(join(outside, 'keep'), 'host file\n');
    const volumes = await materializeVolumes(pod, temp.store);
    const directory = volumes.directories.get('scratch') ?? '';
    const bound = join(directory, 'host');
    mkdirSync(bound);
    await run('mount', ['--bind', outside, bound]);

    const problems = await volumes.release();

    assert.deepEqual(problems, [
      `removing ${dirname(directory)} failed: rm: skipping '${bound}', since it's on a different device`,
    ]);
    assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'host file\n');
  });
});
