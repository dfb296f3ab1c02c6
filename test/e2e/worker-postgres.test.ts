import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PROCESS_GROUPS_ANNOTATION } from '../../src/api/annotations.js';
import type { Pod } from '../../src/api/types.js';
import { dropSchema, freshSchemaName, storeUrlOf, withDatabase } from '../store/postgres-schema.js';
import { parsePromText } from '../support/prom-text.js';
import { freePort, startServe, type ServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';
import {
  createJob,
  finishedJobs,
  logRecords,
  podsOf,
  shellJob,
  startWorkerProcess,
  stopChild,
  type WorkerProcess,
} from './worker-cluster.js';

/** Short leases, so a killed worker is declared lost within seconds. */
const fastLeaseArgs = ['--lease-duration', '3s', '--heartbeat-interval', '1s'];

interface Cluster {
  dir: string;
  schema: string;
  serve: ServeProcess;
  east: WorkerProcess;
  west: WorkerProcess;
}

/**
 * Starts `cronmesh serve` without an embedded worker on a fresh schema, and two workers labelled
 * pool=east and pool=west. The west worker reads the store URL from CRONMESH_STORE.
 */
async function startCluster(): Promise<Cluster> {
  const dir = await mkdtemp(join(tmpdir(), 'cronmesh-worker-postgres-'));
  const schema = freshSchemaName();
  const storeUrl = storeUrlOf(schema);
  const started: { child: ChildProcess; exited: Promise<number | null> }[] = [];
  try {
    const serve = await startServe(join(dir, 'data'), await freePort(), [
      '--store',
      storeUrl,
      '--worker-concurrency',
      '0',
    ]);
    started.push(serve);
    const east = await startWorkerProcess({
      storeUrl,
      labels: 'pool=east',
      args: [...fastLeaseArgs, '--concurrency', '4'],
    });
    started.push(east);
    const west = await startWorkerProcess({
      storeUrl,
      labels: 'pool=west',
      storeFromEnvironment: true,
      args: [...fastLeaseArgs, '--concurrency', '4'],
    });
    return { dir, schema, serve, east, west };
  } catch (error) {
    // Without a cluster the after hook stops nothing, and a running child keeps the test alive.
    for (const child of started.reverse()) await stopChild(child.child, child.exited);
    await dropSchema(schema);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function stopCluster(cluster: Cluster | undefined): Promise<void> {
  if (cluster === undefined) return;
  for (const worker of [cluster.east, cluster.west]) await stopChild(worker.child, worker.exited);
  await stopChild(cluster.serve.child, cluster.serve.exited);
  await dropSchema(cluster.schema);
  await rm(cluster.dir, { recursive: true, force: true });
}

interface LeaseRow {
  name: string;
  holder: string;
  token: string;
  renew_time: string;
  duration_ms: string;
}

async function leaseOf(schema: string, name: string): Promise<LeaseRow | undefined> {
  return withDatabase(async (client) => {
    const result = await client.query<LeaseRow>(
      `SELECT name, holder, token, renew_time, duration_ms FROM ${schema}.leases WHERE name = $1`,
      [name],
    );
    return result.rows[0];
  });
}

describe('cronmesh worker on PostgreSQL', () => {
  let cluster: Cluster | undefined;

  before(async () => {
    cluster = await startCluster();
  });

  after(async () => {
    await stopCluster(cluster);
  });

  it('serves probes and metrics', async () => {
    const { east } = cluster as Cluster;
    const health = await fetch(`${east.url}/healthz`);
    const ready = await fetch(`${east.url}/readyz?verbose`);
    const metrics = parsePromText(await (await fetch(`${east.url}/metrics`)).text());
    const unknown = await fetch(`${east.url}/apis/batch/v1/namespaces/default/jobs`);

    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    assert.equal(ready.status, 200);
    assert.equal(await ready.text(), '[+]store ok\n[+]worker-lease ok\nreadyz check passed\n');
    assert.equal(metrics.get('cronmesh_worker_slots{state="busy"}'), 0);
    assert.equal(metrics.get('cronmesh_worker_slots{state="free"}'), 4);
    assert.equal(unknown.status, 404);
    assert.equal(
      await unknown.text(),
      'GET /apis/batch/v1/namespaces/default/jobs not found: this server serves only /healthz, ' +
        '/readyz and /metrics\n',
    );
  });

  it('nodeSelector picks the worker', async () => {
    const { serve, east, west } = cluster as Cluster;
    const jobs = [
      shellJob('east-1', 'echo east', { nodeSelector: { pool: 'east' } }),
      shellJob('east-2', 'echo east', { nodeSelector: { pool: 'east' } }),
      shellJob('east-3', 'echo east', { nodeSelector: { pool: 'east' } }),
      shellJob('west-1', 'echo west', { nodeSelector: { pool: 'west' } }),
      shellJob('nowhere', 'echo never', { nodeSelector: { pool: 'north' } }),
      shellJob('any-1', 'echo any'),
      shellJob('any-2', 'echo any'),
    ];
    for (const job of jobs) await createJob(serve.url, job);

    const names = ['east-1', 'east-2', 'east-3', 'west-1', 'any-1', 'any-2'];
    const finished = await finishedJobs(serve.url, names, 30_000);
    const nodes = new Map<string, string | undefined>();
    for (const job of finished) {
      const pods = await podsOf(serve.url, job);
      assert.equal(pods.length, 1, `pods of ${job.metadata.name}`);
      nodes.set(job.metadata.name, pods[0]?.status?.nodeName);
    }
    const [unplaced] = await podsOf(serve.url, jobs[4] as (typeof jobs)[number]);

    for (const job of finished) assert.equal(job.status?.succeeded, 1, job.metadata.name);
    assert.equal(nodes.get('east-1'), east.id);
    assert.equal(nodes.get('east-2'), east.id);
    assert.equal(nodes.get('east-3'), east.id);
    assert.equal(nodes.get('west-1'), west.id);
    assert.ok(
      [east.id, west.id].includes(nodes.get('any-1') ?? ''),
      `any-1 ran on ${nodes.get('any-1')}`,
    );
    assert.ok(
      [east.id, west.id].includes(nodes.get('any-2') ?? ''),
      `any-2 ran on ${nodes.get('any-2')}`,
    );
    // No worker has the label pool=north, so that attempt waits.
    assert.equal(unplaced?.status?.phase, 'Pending');
    assert.equal(unplaced?.status?.nodeName, undefined);
  });

  it('runs each of 50 Jobs exactly once', async () => {
    const { serve, east, west, dir } = cluster as Cluster;
    const ranFile = join(dir, 'ran');
    const names = Array.from({ length: 50 }, (_, index) => `once-${index}`);
    for (const name of names) {
      await createJob(serve.url, shellJob(name, `echo "$POD_NAME $NODE" >> ${ranFile}`));
    }

    const finished = await finishedJobs(serve.url, names, 45_000);
    const lines = (await readFile(ranFile, 'utf8')).trim().split('\n');
    const ranPods = lines.map((line) => line.split(' ')[0] ?? '').sort();
    const pods: Pod[] = [];
    for (const job of finished) pods.push(...(await podsOf(serve.url, job)));
    const nodeNames = new Set(pods.map((pod) => pod.status?.nodeName));

    assert.deepEqual(
      finished.map((job) => [job.metadata.name, job.status?.succeeded, job.status?.failed]),
      names.map((name) => [name, 1, 0]),
    );
    assert.equal(pods.length, 50);
    // Every attempt wrote its own name once: no pod was claimed and run twice.
    assert.deepEqual(ranPods, pods.map((pod) => pod.metadata.name).sort());
    assert.equal(new Set(ranPods).size, 50);
    for (const name of nodeNames) assert.ok(name === east.id || name === west.id, `ran on ${name}`);
  });

  it('SIGTERM releases the lease', async () => {
    const { schema, west } = cluster as Cluster;
    const code = await stopChild(west.child, west.exited);
    const lease = await leaseOf(schema, `worker/${west.id}`);
    const messages = logRecords(west.output()).map((record) => record['msg']);

    assert.equal(code, 0);
    assert.equal(lease?.holder, west.id);
    assert.equal(lease?.renew_time, '0');
    assert.equal(lease?.duration_ms, '0');
    assert.deepEqual(messages.slice(-2), ['stopping worker', 'worker stopped']);
  });
});

describe('cronmesh worker killed during an attempt', () => {
  let cluster: Cluster | undefined;
  const orphanGroups: number[] = [];

  before(async () => {
    cluster = await startCluster();
  });

  after(async () => {
    // SIGKILL leaves the killed worker's attempt process running in its own process group.
    for (const pgid of orphanGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    await stopCluster(cluster);
  });

  it('lost attempt retries on the other worker', async () => {
    const { serve, east, west, dir, schema } = cluster as Cluster;
    const marker = join(dir, 'first-attempt-ran');
    // The first attempt leaves a marker and sleeps. The retry finds the marker and succeeds.
    const script = `if [ -e ${marker} ]; then echo retried; exit 0; fi; touch ${marker}; sleep 30`;
    const job = shellJob('survivor', script, { backoffLimit: 1 });
    await createJob(serve.url, job);

    const running = await waitFor('the first attempt to run', async () => {
      const [pod] = await podsOf(serve.url, job);
      const groups = pod?.metadata.annotations?.[PROCESS_GROUPS_ANNOTATION];
      return groups !== undefined ? pod : undefined;
    });
    const groups = JSON.parse(
      running.metadata.annotations?.[PROCESS_GROUPS_ANNOTATION] ?? '{}',
    ) as Record<string, number>;
    orphanGroups.push(...Object.values(groups));
    const victim = running.status?.nodeName === east.id ? east : west;
    const survivor = victim === east ? west : east;
    await stopChild(victim.child, victim.exited, 'SIGKILL');

    const [done] = await finishedJobs(serve.url, ['survivor'], 45_000);
    const [first, retry] = await podsOf(serve.url, job);
    const lease = await leaseOf(schema, `worker/${victim.id}`);

    assert.equal(done?.status?.succeeded, 1);
    assert.equal(done?.status?.failed, 1);
    assert.equal(first?.metadata.name, running.metadata.name);
    assert.equal(first?.status?.phase, 'Failed');
    assert.equal(first?.status?.reason, 'WorkerLost');
    assert.equal(first?.status?.nodeName, victim.id);
    assert.equal(retry?.status?.phase, 'Succeeded');
    assert.equal(retry?.status?.nodeName, survivor.id);
    // The sweeper revoked the lost worker's lease, so a late write of it would be rejected.
    assert.equal(lease?.holder, '');
  });
});
