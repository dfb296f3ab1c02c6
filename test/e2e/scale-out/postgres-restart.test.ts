import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CronJob, Job } from '../../../src/api/types.js';
import { freshSchemaName } from '../../store/postgres-schema.js';
import {
  LeaseWatch,
  SchemaReader,
  createThroughApi,
  cronJobManifest,
  killAll,
  realTimeOf,
  runDifferences,
  scaledTimeOf,
  seededRandom,
  settledDifferences,
  sleep,
  startReplica,
  startWorkerProcess,
  testClockSetting,
  unfinishedJobs,
  waitReady,
  type CronmeshProcess,
} from '../../support/cronmesh-cluster.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';

const cronJobCount = 50;
const scheduledMinutes = 6;
const clockRate = 10;
const startingDeadlineSeconds = 300;
/** Real milliseconds each process gets to respond to /readyz with 200 after a restart. */
const recoveryMs = 30_000;
const replicaArgs = [
  '--leader-elect-lease-duration',
  '3s',
  '--leader-elect-renew-deadline',
  '2s',
  '--leader-elect-retry-period',
  '500ms',
  '--worker-concurrency',
  '0',
];
const workerArgs = ['--concurrency', '4', '--lease-duration', '10s', '--heartbeat-interval', '2s'];

describe('PostgreSQL restarts under load', () => {
  let dir: string;
  let server: PrivatePostgres | undefined;
  let reader: SchemaReader | undefined;
  let leaseWatch: LeaseWatch | undefined;
  const processes: CronmeshProcess[] = [];
  let passed = false;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-pg-restart-'));
    server = await startPrivatePostgres();
  });

  after(async () => {
    await killAll(processes);
    await leaseWatch?.stop();
    await reader?.close();
    await server?.destroy();
    if (passed) await rm(dir, { recursive: true, force: true });
    else console.log(`postgres-restart test: process logs kept in ${dir}`);
  });

  it('reconnects and keeps one Job per minute', async (t) => {
    const postgres = server as PrivatePostgres;
    const seed = Number(process.env['CRONMESH_FAULT_SEED'] ?? randomInt(2 ** 31));
    t.diagnostic(`seed ${seed} (set CRONMESH_FAULT_SEED to repeat the restart times)`);
    const random = seededRandom(seed);
    const schema = freshSchemaName();
    const storeUrl = `${postgres.url}?schema=${schema}`;
    const clock = testClockSetting(Date.now(), Date.UTC(2031, 0, 1, 0, 0, 20), clockRate);
    const settings = { logDir: dir, env: { CRONMESH_TEST_CLOCK: clock } };

    // The first replica migrates the schema before the others start.
    processes.push(await startReplica('replica-1', storeUrl, replicaArgs, settings));
    processes.push(await startReplica('replica-2', storeUrl, replicaArgs, settings));
    const workerSettings = { ...settings, readyPath: '/readyz' };
    processes.push(await startWorkerProcess('worker-1', storeUrl, workerArgs, workerSettings));
    const db = (reader = new SchemaReader(postgres.url, schema));
    const watch = (leaseWatch = new LeaseWatch(db, 'cronmesh-controller'));
    await watch.after(0, 20_000);

    const manifests = Array.from({ length: cronJobCount }, (_, index) =>
      cronJobManifest(`tick-${index}`, '* * * * *', ['/bin/true'], startingDeadlineSeconds),
    );
    const created = await createThroughApi<CronJob>(
      (processes[0] as CronmeshProcess).url,
      manifests,
    );
    const lastCreation = Math.max(
      ...created.map((cronJob) => Date.parse(cronJob.metadata.creationTimestamp ?? '')),
    );
    const firstMinute = Math.floor(lastCreation / 60_000) * 60_000 + 60_000;
    const windowEnd = firstMinute + (scheduledMinutes - 1) * 60_000;

    // One restart at a random instant of the second minute, one of the fourth.
    const restartTimes = [1, 3].map((minute) => firstMinute + (minute + random()) * 60_000);
    const recovered: string[] = [];
    for (const restartAt of restartTimes) {
      await sleep(realTimeOf(clock, restartAt) - Date.now());
      const startedAt = Date.now();
      await postgres.restart();
      t.diagnostic(
        `restarted PostgreSQL at ${new Date(scaledTimeOf(clock, startedAt)).toISOString()} ` +
          `in ${Date.now() - startedAt} ms`,
      );
      await Promise.all(processes.map((target) => waitReady(target, recoveryMs)));
      recovered.push(
        processes
          .map(
            (target) =>
              `${target.name} ${target.child.exitCode ?? target.child.signalCode ?? 'running'}`,
          )
          .join(', '),
      );
    }

    await sleep(realTimeOf(clock, windowEnd) - Date.now());
    const differences = await settledDifferences(
      async () => runDifferences(created, await db.objects<Job>('Job'), windowEnd),
      30_000,
    );
    const incomplete = await settledDifferences(
      async () => unfinishedJobs(await db.objects<Job>('Job'), windowEnd),
      30_000,
    );
    const leaseChanges = await watch.stop();
    t.diagnostic(
      `controller lease tokens: ${leaseChanges.map((change) => change.token).join(', ')}`,
    );
    const reconnects = processes.map(
      (target) =>
        `${target.name}: ${target.stderr().split('[CRONMESH_STORE_FEED_RECONNECTED]').length - 1}`,
    );

    const running = 'replica-1 running, replica-2 running, worker-1 running';
    assert.deepEqual(recovered, [running, running]);
    assert.deepEqual(reconnects, ['replica-1: 2', 'replica-2: 2', 'worker-1: 2']);
    assert.deepEqual(differences, []);
    assert.deepEqual(incomplete, []);
    passed = true;
  });
});
