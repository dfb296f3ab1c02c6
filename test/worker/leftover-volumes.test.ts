import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  symlinkSync,
  utimesSync,
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
  CurrentIdentityCache,
  formatOwnerToken,
  OtherPidNamespaceError,
  parseOwnedEntryName,
  readBootTimeMs,
  readProcessIdentity,
  readStartTime,
  removalName,
  type ProcessIdentity,
} from '../../src/worker/volume-owner.js';
import { materializeVolumes } from '../../src/worker/volumes.js';
import { openTempStore } from '../support/temp-store.js';
import { RecordingLogger, type LogEntry } from './fakes.js';

const run = promisify(execFile);

const podUid = '6f1d2c3b-0a4e-4b5f-9c8d-7e6f5a4b3c2d';

/** Mount points below `root` in this process's mount namespace. */
function mountPointsBelow(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${root}/`));
}

/** Start of the current boot in seconds since the epoch, from the btime line of /proc/stat. */
function bootTimeSeconds(): number {
  const line = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  if (line?.[1] === undefined) throw new Error('/proc/stat has no btime line');
  return Number(line[1]);
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
  let deadRemover: ProcessIdentity;

  before(async () => {
    self = await readProcessIdentity();
    live = await startSleeper(self);
    const exited = await startSleeper(self);
    await stopSleeper(exited.child);
    dead = exited.identity;
    const exitedRemover = await startSleeper(self);
    await stopSleeper(exitedRemover.child);
    deadRemover = exitedRemover.identity;
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

  /** Returns the info entry that reports the removal of `path`, an attempt of the dead owner. */
  function removedEntry(path: string, fields: Record<string, unknown> = {}): LogEntry {
    return {
      level: 'info',
      fields: { pod: podUid, ownerPid: dead.pid, ...fields, path },
      message: 'leftover attempt volumes removed',
    };
  }

  /** Asserts that `directory` of the dead owner remains and a debug entry gives the reason. */
  function assertKeptUnchecked(directory: string, logger: RecordingLogger): void {
    assert.equal(existsSync(directory), true);
    assert.deepEqual(logger.entries, [
      {
        level: 'debug',
        fields: { pod: podUid, ownerPid: dead.pid, path: directory },
        message: 'attempt volumes kept because their owner cannot be checked',
      },
    ]);
  }

  it('removes a dead owner with its tmpfs', async () => {
    const directory = plantAttempt(dead);
    const volume = await mountSecret(directory);
    assert.deepEqual(mountPointsBelow(root), [volume]);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(mountPointsBelow(root), []);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(logger.entries, [removedEntry(directory)]);
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
    assert.deepEqual(logger.entries, [removedEntry(directory)]);
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
    const beforeBoot = bootTimeSeconds() - 1;
    utimesSync(directory, beforeBoot, beforeBoot);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.equal(existsSync(directory), false);
    assert.deepEqual(logger.messages('info'), ['leftover attempt volumes removed']);
  });

  // The boot time counts whole seconds, so an entry changed in the boot's own second is kept.
  const freshEntries = [
    { name: 'keeps a fresh entry of another boot id', modified: () => Date.now() / 1000 },
    { name: 'keeps another boot id at boot time', modified: () => bootTimeSeconds() },
  ];

  for (const { name, modified } of freshEntries) {
    it(name, async () => {
      const owner = { ...dead, bootId: '0'.repeat(32) };
      const directory = plantAttempt(owner);
      utimesSync(directory, modified(), modified());
      const logger = new RecordingLogger();

      await removeLeftoverVolumes({ parent, logger });

      assertKeptUnchecked(directory, logger);
    });
  }

  it('keeps another PID namespace', async () => {
    const directory = plantAttempt({ ...dead, pidNamespace: '1' });
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assertKeptUnchecked(directory, logger);
  });

  it('keeps entries without an owner', async () => {
    mkdirSync(join(parent, 'serviceaccount-Ab12Cd'));
    mkdirSync(join(parent, `serviceaccount-${podUid}-Ab12Cd`));
    mkdirSync(join(parent, `attempt-${podUid}-Ab12Cd`));
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(readdirSync(parent).sort(), [
      `attempt-${podUid}-Ab12Cd`,
      `serviceaccount-${podUid}-Ab12Cd`,
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

  it('removes a volume replaced by a link', async () => {
    const directory = plantAttempt(dead);
    // A job process that outlived its worker swapped the volume directory for a link.
    rmdirSync(join(directory, '0'));
    symlinkSync(outside, join(directory, '0'));
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(readdirSync(outside), ['keep']);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(logger.messages('info'), ['leftover attempt volumes removed']);
    assert.deepEqual(logger.messages('warn'), []);
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
    const halfRemoved = join(parent, removalName(basename(attempt), deadRemover));
    await run('mv', [attempt, halfRemoved]);
    await mountSecret(halfRemoved);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(mountPointsBelow(root), []);
    assert.deepEqual(readdirSync(parent), []);
    assert.deepEqual(logger.entries, [removedEntry(halfRemoved, { removerPid: deadRemover.pid })]);
  });

  it('keeps a live remover', async () => {
    const attempt = plantAttempt(dead);
    const halfRemoved = join(parent, removalName(basename(attempt), live.identity));
    await run('mv', [attempt, halfRemoved]);
    const logger = new RecordingLogger();

    await removeLeftoverVolumes({ parent, logger });

    assert.deepEqual(readdirSync(parent), [basename(halfRemoved)]);
    assert.deepEqual(logger.entries, []);
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
    const self = await readProcessIdentity();
    const name = `${attemptDirectoryPrefix('../u.I-d/1', self)}Ab12Cd`;

    assert.equal(name, `attempt-u-d1-${formatOwnerToken(self)}-Ab12Cd`);
    assert.deepEqual(parseOwnedEntryName(name), {
      creator: self,
      remover: undefined,
      podUid: 'u-d1',
      attemptName: name,
    });
  });

  it('name the remover of a removal', async () => {
    const self = await readProcessIdentity();
    const creator = { ...self, pid: self.pid + 1 };
    const attemptName = `${attemptDirectoryPrefix(podUid, creator)}Ab12Cd`;

    assert.deepEqual(parseOwnedEntryName(removalName(attemptName, self)), {
      creator,
      remover: self,
      podUid,
      attemptName,
    });
  });

  it('reject names without an owner', () => {
    assert.equal(parseOwnedEntryName(`attempt-${podUid}-Ab12Cd`), undefined);
    assert.equal(parseOwnedEntryName(`serviceaccount-${podUid}-Ab12Cd`), undefined);
    assert.equal(parseOwnedEntryName('serviceaccount-Ab12Cd'), undefined);
    assert.equal(parseOwnedEntryName('removing-1.2.3-attempt-x-Ab12Cd'), undefined);
  });

  it('record no owner without an identity', () => {
    assert.equal(attemptDirectoryPrefix(podUid, undefined), `attempt-${podUid}-`);
    assert.equal(
      attemptDirectoryPrefix(podUid, undefined, 'serviceaccount'),
      `serviceaccount-${podUid}-`,
    );
  });

  it('hold the current process start time', async () => {
    const self = await readProcessIdentity();
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

describe('process identity', () => {
  let procRoot: string;

  beforeEach(() => {
    procRoot = mkdtempSync(join(tmpdir(), 'hA-fake-proc-'));
  });

  afterEach(async () => {
    await rm(procRoot, { recursive: true, force: true });
  });

  it('rejects a procfs of another PID namespace', async () => {
    // In a procfs of an ancestor PID namespace, `self` is this process's PID there.
    symlinkSync(String(process.pid + 1), join(procRoot, 'self'));

    await assert.rejects(readProcessIdentity(procRoot), (error: unknown) => {
      assert.ok(error instanceof OtherPidNamespaceError);
      assert.equal(
        error.message,
        `${procRoot}/self is "${process.pid + 1}", not this process's PID ${process.pid}, ` +
          `so ${procRoot} belongs to another PID namespace`,
      );
      return true;
    });
  });

  it('rejects a procfs without self', async () => {
    await assert.rejects(readProcessIdentity(procRoot), (error: unknown) => {
      assert.ok(error instanceof OtherPidNamespaceError);
      assert.equal(
        error.message,
        `${procRoot}/self does not exist, so ${procRoot} is not the procfs of this process's PID namespace`,
      );
      return true;
    });
  });

  it('reads the boot time', async () => {
    writeFileSync(join(procRoot, 'stat'), 'cpu  1 2 3\nbtime 1700000000\nprocesses 42\n');

    assert.equal(await readBootTimeMs(procRoot), 1_700_000_000_000);
  });

  it('rejects a stat without btime', async () => {
    writeFileSync(join(procRoot, 'stat'), 'cpu  1 2 3\n');

    await assert.rejects(readBootTimeMs(procRoot), {
      message: `${procRoot}/stat has no btime line`,
    });
  });
});

describe('current identity cache', () => {
  let identity: ProcessIdentity;

  before(async () => {
    identity = await readProcessIdentity();
  });

  /**
   * Returns a cache over a reader that throws the given errors in turn, then returns `identity`,
   * and a count of the reader's calls.
   */
  function cacheFailing(...errors: Error[]): {
    cache: CurrentIdentityCache;
    calls: () => number;
  } {
    let calls = 0;
    const read = (): Promise<ProcessIdentity> => {
      const error = errors[calls];
      calls += 1;
      return error === undefined ? Promise.resolve(identity) : Promise.reject(error);
    };
    return { cache: new CurrentIdentityCache(read), calls: () => calls };
  }

  /** Returns the entry that reports the failed read `err` at `level`. */
  function noOwnerEntry(level: LogEntry['level'], err: Error): LogEntry {
    return { level, fields: { err }, message: 'attempt directories record no owner' };
  }

  // An ordinary read error is retried on the next call, but another PID namespace is final.
  const singleFailures = [
    {
      name: 'retries after a failed read',
      failure: new Error('EACCES: permission denied, readlink /proc/self'),
      results: (): unknown[] => [undefined, identity, identity],
      reads: 2,
    },
    {
      name: 'keeps another PID namespace for good',
      failure: new OtherPidNamespaceError('/proc/self is "7", not this process'),
      results: (): unknown[] => [undefined, undefined],
      reads: 1,
    },
  ];

  for (const { name, failure, results, reads } of singleFailures) {
    it(name, async () => {
      const { cache, calls } = cacheFailing(failure);
      const logger = new RecordingLogger();

      for (const [index, expected] of results().entries()) {
        assert.deepEqual(await cache.get(logger), expected, `get call ${index + 1}`);
      }

      assert.equal(calls(), reads);
      assert.deepEqual(logger.entries, [noOwnerEntry('warn', failure)]);
    });
  }

  it('warns once, then at debug', async () => {
    const first = new Error('first failure');
    const second = new Error('second failure');
    const { cache, calls } = cacheFailing(first, second);
    const logger = new RecordingLogger();

    assert.equal(await cache.get(logger), undefined);
    assert.equal(await cache.get(logger), undefined);
    assert.deepEqual(await cache.get(logger), identity);

    assert.equal(calls(), 3);
    assert.deepEqual(logger.entries, [noOwnerEntry('warn', first), noOwnerEntry('debug', second)]);
  });

  it('leaves the warning to a caller with a logger', async () => {
    const first = new Error('first failure');
    const second = new Error('second failure');
    const { cache } = cacheFailing(first, second);
    const logger = new RecordingLogger();

    assert.equal(await cache.get(undefined), undefined);
    assert.equal(await cache.get(logger), undefined);

    assert.deepEqual(logger.entries, [noOwnerEntry('warn', second)]);
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

      assert.deepEqual(parseOwnedEntryName(entry ?? '')?.creator, await readProcessIdentity());
      assert.equal(parseOwnedEntryName(entry ?? '')?.podUid, podUid);
      assert.deepEqual(problems, []);
    } finally {
      await temp.cleanup();
    }
  });
});
