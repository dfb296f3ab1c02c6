import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CronJob, Event, Job, Pod } from '../../src/api/types.js';
import { cli, freePort, getJson, startServe, type ServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

interface List<T> {
  items: T[];
}

const ns = '/api/v1/namespaces/default';
const batch = '/apis/batch/v1/namespaces/default';

function manifests(pidFile: string): string {
  return `apiVersion: batch/v1
kind: CronJob
metadata:
  name: ticker
spec:
  schedule: "@every 1s"
  successfulJobsHistoryLimit: 100
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: main
              image: busybox:1.28
              command: ["/bin/sh", "-c", "echo tick"]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: long
spec:
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox:1.28
          command: ["/bin/sh", "-c", "echo started; echo $$$$ >> ${pidFile}; sleep 600"]
`;
}

describe('crash recovery of cronmesh serve', () => {
  let dir: string;
  let port: number;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-crash-'));
    port = await freePort();
  });

  after(async () => {
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
    // The recovered attempt's process was started by the second server, which the test stops.
    for (const pid of await readPids(join(dir, 'pids')).catch(() => [])) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every object and retries the running attempt after SIGKILL', async () => {
    const dataDir = join(dir, 'data');
    const pidFile = join(dir, 'pids');
    const manifestFile = join(dir, 'manifests.yaml');
    await writeFile(manifestFile, manifests(pidFile));

    // The test signals the host PIDs that the jobs record, which a PID namespace would hide.
    serve = await startServe(dataDir, port, ['-f', manifestFile, '--sandbox=none']);
    const url = serve.url;
    const runningPod = await waitFor('the long attempt to run', async () => {
      const pods = await getJson<List<Pod>>(
        `${url}${ns}/pods?labelSelector=batch.kubernetes.io/job-name=long`,
      );
      const pids = await readPids(pidFile).catch(() => []);
      return pods.items[0]?.status?.phase === 'Running' && pids.length === 1
        ? pods.items[0]
        : undefined;
    });
    const tickerJob = await waitFor('a completed ticker job', async () => {
      const jobs = await getJson<List<Job>>(`${url}${batch}/jobs`);
      return jobs.items.find(
        (job) => job.metadata.name.startsWith('ticker-') && job.status?.succeeded === 1,
      );
    });
    const eventsBefore = await getJson<List<Event>>(`${url}${ns}/events`);
    const cronJobBefore = await getJson<CronJob>(`${url}${batch}/cronjobs/ticker`);
    const [firstPid] = await readPids(pidFile);

    serve.child.kill('SIGKILL');
    await serve.exited;
    assert.equal(isAlive(firstPid ?? 0), true, 'the attempt outlives the killed server');

    serve = await startServe(dataDir, port, ['--sandbox=none']);
    const lostPod = await waitFor('the lost attempt to be failed', async () => {
      const pod = await getJson<Pod>(`${url}${ns}/pods/${runningPod.metadata.name}`);
      return pod.status?.phase === 'Failed' ? pod : undefined;
    });
    const replacement = await waitFor(
      'a replacement attempt after the 10 s back-off',
      async () => {
        const pods = await getJson<List<Pod>>(
          `${url}${ns}/pods?labelSelector=batch.kubernetes.io/job-name=long`,
        );
        return pods.items.find(
          (pod) =>
            pod.metadata.name !== runningPod.metadata.name && pod.status?.phase === 'Running',
        );
      },
      30_000,
    );
    const cronJob = await getJson<CronJob>(`${url}${batch}/cronjobs/ticker`);
    const tickerLog = await cli(url, ['logs', `job/${tickerJob.metadata.name}`]);
    const eventsAfter = await getJson<List<Event>>(`${url}${ns}/events`);
    const jobs = await getJson<List<Job>>(`${url}${batch}/jobs`);
    const longJob = jobs.items.find((job) => job.metadata.name === 'long');
    const scheduled = jobs.items
      .map((job) => job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'])
      .filter((value) => value !== undefined);

    assert.equal(lostPod.status?.reason, 'WorkerLost');
    assert.equal(isAlive(firstPid ?? 0), false, 'the lost attempt process group is killed');
    assert.notEqual(replacement.metadata.name, runningPod.metadata.name);
    assert.equal(longJob?.status?.failed, 1);
    assert.equal(cronJob.metadata.uid, cronJobBefore.metadata.uid);
    assert.equal(tickerLog.stdout, 'tick\n');
    for (const event of eventsBefore.items) {
      assert.equal(
        eventsAfter.items.some((e) => e.metadata.name === event.metadata.name),
        true,
        `event ${event.metadata.name} survives the crash`,
      );
    }
    assert.equal(new Set(scheduled).size, scheduled.length, 'no scheduled time has two Jobs');
  });
});

async function readPids(file: string): Promise<number[]> {
  const text = await readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child of a dead parent stays a zombie until init reaps it; that counts as gone.
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}
