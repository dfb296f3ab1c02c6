import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Pod } from '../../src/api/types.js';
import { freePort, getJson, startServe, type ServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

function manifests(pidFile: string): string {
  return `apiVersion: v1
kind: Secret
metadata:
  name: credentials
data:
  token: ${Buffer.from('s3cret').toString('base64')}
---
apiVersion: batch/v1
kind: Job
metadata:
  name: holder
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      volumes:
        - name: creds
          secret:
            secretName: credentials
      containers:
        - name: main
          image: busybox:1.28
          command: ["/bin/sh", "-c", "echo $$$$ >> ${pidFile}; sleep 600"]
`;
}

/** Mount points below `root` in this process's mount namespace. */
function mountPointsBelow(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${root}/`));
}

describe('leftover volumes of a killed serve', () => {
  let dir: string;
  let savedTmpdir: string | undefined;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hA-leftover-serve-'));
    savedTmpdir = process.env.TMPDIR;
    // The serve processes inherit TMPDIR, so their volumes parent lies in this test's directory.
    process.env.TMPDIR = dir;
  });

  after(async () => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    if (serve !== undefined && serve.child.exitCode === null && serve.child.signalCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
    // The killed server's attempt outlives it until the next server kills its process group.
    const pids = await readFile(join(dir, 'pids'), 'utf8').catch(() => '');
    for (const pid of pids.split('\n').filter((line) => line !== '')) {
      try {
        process.kill(-Number(pid), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const mountPoint of mountPointsBelow(dir)) await run('umount', ['--lazy', mountPoint]);
    await rm(dir, { recursive: true, force: true });
  });

  it('are removed by the next serve', async () => {
    const dataDir = join(dir, 'data');
    const pidFile = join(dir, 'pids');
    const parent = join(dir, 'cronmesh-volumes');
    const manifestFile = join(dir, 'manifests.yaml');
    await writeFile(manifestFile, manifests(pidFile));
    const port = await freePort();

    // The test signals the host PID that the job records, which a PID namespace would hide.
    serve = await startServe(dataDir, port, ['-f', manifestFile, '--sandbox=none']);
    const url = serve.url;
    const pod = await waitFor('the attempt to run with its secret volume', async () => {
      const pods = await getJson<{ items: Pod[] }>(`${url}/api/v1/namespaces/default/pods`);
      const running = pods.items.find((item) => item.status?.phase === 'Running');
      const recorded = existsSync(pidFile) && readFileSync(pidFile, 'utf8') !== '';
      return recorded && mountPointsBelow(parent).length === 1 ? running : undefined;
    });
    const [leftover] = readdirSync(parent);
    const killedPid = serve.child.pid;

    serve.child.kill('SIGKILL');
    await serve.exited;
    assert.equal(mountPointsBelow(parent).length, 1, 'the killed server left its tmpfs mounted');
    assert.equal(leftover?.startsWith(`attempt-${pod.metadata.uid ?? ''}-`), true);
    assert.equal(readFileSync(join(parent, leftover ?? '', '0', 'token'), 'utf8'), 's3cret');

    serve = await startServe(dataDir, port, ['--sandbox=none']);
    const next = serve;
    const removal = await waitFor('the next server to remove the leftover', () =>
      next
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry['msg'] === 'leftover attempt volumes removed'),
    );
    next.child.kill('SIGTERM');
    await next.exited;

    assert.deepEqual(mountPointsBelow(parent), []);
    assert.deepEqual(readdirSync(parent), []);
    assert.equal(removal['pod'], pod.metadata.uid);
    assert.equal(removal['path'], join(parent, leftover ?? ''));
    assert.equal(removal['ownerPid'], killedPid);
    assert.equal('removerPid' in removal, false);
    assert.equal(removal['level'], 30);
  });
});
