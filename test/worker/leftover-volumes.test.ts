import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Pod } from '../../src/api/types.js';
import { removeLeftoverVolumes } from '../../src/worker/leftover-volumes.js';
import {
  attemptDirectoryPrefix,
  currentProcessIdentity,
  formatOwnerToken,
  parseOwnedEntryName,
  readStartTime,
  removalName,
  type ProcessIdentity,
} from '../../src/worker/volume-owner.js';
import { materializeVolumes } from '../../src/worker/volumes.js';
import { openTempStore } from '../support/temp-store.js';
import { RecordingLogger } from './fakes.js';

const run = promisify(execFile);

const podUid = '6f1d2c3b-0a4e-4b5f-9c8d-7e6f5a4b3c2d';

/** Mount points below `root` in this process's mount namespace. */
function mountPointsBelow(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${root}/`));
}

/** Starts `sleep` and returns it with its identity, read while it runs. */
async function startSleeper(self: ProcessIdentity): Promise<{
  child: ChildProcess;
  identity: ProcessIdentity;
}> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid;
  if (pid === undefined) throw new Error('sleep did not start');
  const startTime = await readStartTime(pid);
  if (startTime === undefined) throw new Error(`sleep ${pid} has no /proc entry`);
  return { child, identity: { ...self, pid, startTime } };
}

/** Kills `child` by its PID and waits until it has been reaped. */
async function stopSleeper(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('leftover volume removal', () => {
  let root: string;
  let parent: string;
  let outside: string;
  let self: ProcessIdentity;
  let live: { child: ChildProcess; identity: ProcessIdentity };
  let dead: ProcessIdentity;

  before(async () => {
    self = await currentProcessIdentity();
    live = await startSleeper(self);
    const exited = await startSleeper(self);
    await stopSleeper(exited.child);
    dead = exited.identity;
  });

  after(async () => {
    await stopSleeper(live.child);
  });

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hA-leftover-volumes-'));
    parent = join(root, 'cronmesh-volumes');
    outside = join(root, 'outside');
    mkdirSync(parent, { mode: 0o700 });
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'host file\n');
  });

  afterEach(async () => {
    for (const mountPoint of mountPointsBelow(root)) await run('umount', ['--lazy', mountPoint]);
    await rm(root, { recursive: true, force: true });
  });

  /** Creates an attempt directory of `owner` with volume `0` and returns its path. */
  function plantAttempt(owner: ProcessIdentity): string {
    const directory = mkdtempSync(join(parent, attemptDirectoryPrefix(podUid, owner)));
    mkdirSync(join(directory, '0'));
    return directory;
  }

  /** Mounts a tmpfs on volume `0` of `directory` and writes a Secret file to it. */
  async function mountSecret(directory: string): Promise<string> {
    const volume = join(directory, '0');
    await run('mount', ['-t', 'tmpfs', '-o', 'mode=0700,nosuid,nodev', 'tmpfs', volume]);
    writeFileSync(join(volume, 'token'), 's3cret');
    return volume;
  }

  it('removes a dead owner with its tmpfs', async () => {
    const directory = plantAttempt(dead);
    const volume = await mountSecret(directory);
    assert.deepEqual(mountPointsBelow(root), [volume]);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(mountPointsBelow(root), []);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(logger.entries, [
      {
        level: 'info',
        fields: { pod: podUid, ownerPid: dead.pid, path: directory },
        message: 'leftover attempt volumes removed',
      },
    ]);
  });

  it('removes a dead owner token directory', async () => {
    const prefix = attemptDirectoryPrefix(podUid, dead, 'serviceaccount');
    const directory = mkdtempSync(join(parent, prefix));
    writeFileSync(join(directory, 'token'), 'cmt_abc_secret');
    const kept = mkdtempSync(
      join(parent, attemptDirectoryPrefix(podUid, live.identity, 'serviceaccount')),
    );
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.match(basename(directory), new RegExp(`^serviceaccount-${podUid}-`));
    assert.deepEqual(readdirSync(parent), [basename(kept)]);
    assert.deepEqual(logger.entries, [
      {
        level: 'info',
        fields: { pod: podUid, ownerPid: dead.pid, path: directory },
        message: 'leftover attempt volumes removed',
      },
    ]);
  });

  it('keeps a live owner with its tmpfs', async () => {
    const directory = plantAttempt(live.identity);
    const volume = await mountSecret(directory);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(mountPointsBelow(root), [volume]);
    assert.equal(readFileSync(join(volume, 'token'), 'utf8'), 's3cret');
    assert.deepEqual(readdirSync(parent), [basename(directory)]);
    assert.deepEqual(logger.entries, []);
  });

  it("keeps this process's volumes", async () => {
    const directory = plantAttempt(self);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(readdirSync(parent), [basename(directory)]);
    assert.deepEqual(logger.entries, []);
  });

  it('counts a reused PID as dead', async () => {
    const reused = { ...live.identity, startTime: String(Number(live.identity.startTime) + 1) };
    const directory = plantAttempt(reused);
    await mountSecret(directory);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.equal(existsSync(`/proc/${reused.pid}`), true, 'the PID still names a process');
    assert.deepEqual(mountPointsBelow(root), []);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(logger.messages('info'), ['leftover attempt volumes removed']);
  });

  it('counts an earlier boot as dead', async () => {
    const directory = plantAttempt({ ...self, bootId: '0'.repeat(32) });
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.equal(existsSync(directory), false);
    assert.deepEqual(logger.messages('info'), ['leftover attempt volumes removed']);
  });

  it('keeps another PID namespace', async () => {
    const directory = plantAttempt({ ...dead, pidNamespace: '1' });
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.equal(existsSync(directory), true);
    assert.deepEqual(logger.entries, [
      {
        level: 'debug',
        fields: { pod: podUid, ownerPid: dead.pid, path: directory },
        message: 'attempt volumes of another PID namespace kept',
      },
    ]);
  });

  it('keeps entries without an owner', async () => {
    mkdirSync(join(parent, 'serviceaccount-Ab12Cd'));
    mkdirSync(join(parent, `attempt-${podUid}-Ab12Cd`));
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(readdirSync(parent).sort(), [
      `attempt-${podUid}-Ab12Cd`,
      'serviceaccount-Ab12Cd',
    ]);
    assert.deepEqual(logger.entries, []);
  });

  it('never follows a planted symbolic link', async () => {
    const link = join(parent, `${attemptDirectoryPrefix(podUid, dead)}Ab12Cd`);
    symlinkSync(outside, link);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(readdirSync(outside), ['keep']);
    assert.deepEqual(readdirSync(parent), [basename(link)]);
    const [entry] = logger.entries;
    assert.equal(logger.entries.length, 1);
    assert.equal(entry?.level, 'warn');
    assert.equal(entry?.message, 'leftover attempt volumes not removed');
    assert.equal(
      (entry?.fields.err as Error).message,
      `${link} is not a directory, so it was left in place for an operator to remove`,
    );
  });

  it('removes a link inside without following it', async () => {
    const directory = plantAttempt(dead);
    symlinkSync(outside, join(directory, '0', 'escape'));
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(readdirSync(outside), ['keep']);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(logger.messages('warn'), []);
  });

  it('finishes a dead remover', async () => {
    const attempt = plantAttempt(dead);
    const halfRemoved = join(parent, removalName(basename(attempt), dead));
    await run('mv', [attempt, halfRemoved]);
    await mountSecret(halfRemoved);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(mountPointsBelow(root), []);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(logger.entries, [
      {
        level: 'info',
        fields: { pod: podUid, ownerPid: dead.pid, path: halfRemoved },
        message: 'leftover attempt volumes removed',
      },
    ]);
  });

  it('removes each leftover once', async () => {
    const directory = plantAttempt(dead);
    await mountSecret(directory);
    const first = new RecordingLogger();
    const second = new RecordingLogger();

    await Promise.all([
      removeLeftoverVolumes({ parent, logger: first }),
      removeLeftoverVolumes({ parent, logger: second }),
    ]);

    assert.deepEqual(mountPointsBelow(root), []);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(
      [...first.entries, ...second.entries].map((entry) => entry.message),
      ['leftover attempt volumes removed'],
    );
  });

  it('rejects a linked parent', async () => {
    const linked = join(root, 'linked-volumes');
    symlinkSync(outside, linked);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent: linked, logger });

    assert.deepEqual(readdirSync(outside), ['keep']);
    assert.deepEqual(logger.messages('warn'), ['leftover attempt volumes not removed']);
    assert.equal(
      (logger.entries[0]?.fields.err as Error).message,
      `${linked} is not a directory owned by cronmesh's user (uid 0)`,
    );
  });

  it('ignores a missing parent', async () => {
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent: join(root, 'missing'), logger });

    assert.deepEqual(logger.entries, []);
  });
});

describe('volume owner names', () => {
  it('round-trip an attempt directory', async () => {
    const self = await currentProcessIdentity();
    const name = `${attemptDirectoryPrefix('../u.I-d/1', self)}Ab12Cd`;

    assert.equal(name, `attempt-u-d1-${formatOwnerToken(self)}-Ab12Cd`);
    assert.deepEqual(parseOwnedEntryName(name), {
      owner: self,
      podUid: 'u-d1',
      attemptName: name,
    });
  });

  it('name the remover of a removal', async () => {
    const self = await currentProcessIdentity();
    const creator = { ...self, pid: self.pid + 1 };
    const attemptName = `${attemptDirectoryPrefix(podUid, creator)}Ab12Cd`;

    assert.deepEqual(parseOwnedEntryName(removalName(attemptName, self)), {
      owner: self,
      podUid,
      attemptName,
    });
  });

  it('reject names without an owner', () => {
    assert.equal(parseOwnedEntryName(`attempt-${podUid}-Ab12Cd`), undefined);
    assert.equal(parseOwnedEntryName('serviceaccount-Ab12Cd'), undefined);
    assert.equal(parseOwnedEntryName('removing-1.2.3-attempt-x-Ab12Cd'), undefined);
  });

  it('hold the current process start time', async () => {
    const self = await currentProcessIdentity();
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');

    assert.equal(self.pid, process.pid);
    assert.equal(self.startTime, fields[19]);
    assert.match(self.bootId, /^[0-9a-f]{32}$/);
  });

  it('find no start time of a missing process', async () => {
    // Linux hands out PIDs below pid_max only, so this PID never names a process.
    const pidMax = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));

    assert.equal(await readStartTime(pidMax), undefined);
  });
});

describe('materialized volumes', () => {
  let root: string;
  let savedTmpdir: string | undefined;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hA-volume-owner-'));
    savedTmpdir = process.env.TMPDIR;
    // os.tmpdir() reads TMPDIR on every call, so the parent moves into this test's directory.
    process.env.TMPDIR = root;
  });

  afterEach(async () => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    await rm(root, { recursive: true, force: true });
  });

  it('record their owner process', async () => {
    const temp = await openTempStore();
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: podUid },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'main', command: ['/bin/true'] }],
        volumes: [{ name: 'scratch', emptyDir: {} }],
      },
    };
    try {
      const volumes = await materializeVolumes(pod, temp.store);
      const [entry] = readdirSync(join(root, 'cronmesh-volumes'));
      const problems = await volumes.release();

      assert.deepEqual(parseOwnedEntryName(entry ?? '')?.owner, await currentProcessIdentity());
      assert.equal(parseOwnedEntryName(entry ?? '')?.podUid, podUid);
      assert.deepEqual(problems, []);
    } finally {
      await temp.cleanup();
    }
  });
});
