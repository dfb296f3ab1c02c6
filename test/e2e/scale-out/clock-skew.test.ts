import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CronJob, Job } from '../../../src/api/types.js';
import {
  dropSchema,
  freshSchemaName,
  storeUrlOf,
  testDatabaseUrl,
} from '../../store/postgres-schema.js';
import {
  LeaseWatch,
  SchemaReader,
  createThroughApi,
  cronJobManifest,
  killAll,
  leaderIdentitiesOf,
  realTimeOf,
  runDifferences,
  sleep,
  settledDifferences,
  startReplica,
  startWorkerProcess,
  stopProcess,
  testClockSetting,
  unfinishedJobs,
  type CronmeshProcess,
} from '../../support/cronmesh-cluster.js';
import { waitFor } from '../../support/wait.js';

const cronJobCount = 20;
const clockRate = 10;
const startingDeadlineSeconds = 300;
/** Scaled clock offsets of the three replicas, in milliseconds. */
const skews = { 'replica-exact': 0, 'replica-ahead': 30_000, 'replica-behind': -30_000 };
type ReplicaName = keyof typeof skews;
/**
 * The replicas that lead after each hand-over, one per scheduled minute. replica-exact leads
 * first, and the list covers every ordered pair of the three clocks.
 */
const leaders: ReplicaName[] = [
  'replica-ahead',
  'replica-behind',
  'replica-ahead',
  'replica-exact',
  'replica-behind',
  'replica-exact',
];
/**
 * Where in its minute, by the exact clock, each hand-over happens. Kubernetes creates only the
 * most recent of several missed runs. So a hand-over to a clock that is ahead skips a run if the
 * old leader has not yet created its latest run, or if the new leader does not create its own
 * before its next minute starts. At 50 s past the minute, every pair of the three clocks leaves
 * 20 s of scaled time (2 real seconds) or more for both.
 */
const handoverSecond = 50;
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

describe('replicas with skewed clocks', () => {
  let dir: string;
  let schema: string;
  let reader: SchemaReader | undefined;
  let leaseWatch: LeaseWatch | undefined;
  const processes: CronmeshProcess[] = [];
  let passed = false;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-clock-skew-'));
    schema = freshSchemaName();
  });

  after(async () => {
    await killAll(processes);
    await leaseWatch?.stop();
    await reader?.close();
    await dropSchema(schema);
    if (passed) await rm(dir, { recursive: true, force: true });
    else console.log(`clock-skew test: process logs kept in ${dir}`);
  });

  it('never duplicates or loses a run across hand-overs', async (t) => {
    const storeUrl = storeUrlOf(schema);
    const realOrigin = Date.now();
    const start = Date.UTC(2031, 0, 1, 0, 0, 20);
    const clockOf = (name: ReplicaName): string =>
      testClockSetting(realOrigin, start + skews[name], clockRate);
    const exactClock = clockOf('replica-exact');
    const running = new Map<ReplicaName, CronmeshProcess>();
    const launch = async (name: ReplicaName): Promise<CronmeshProcess> => {
      const env = { CRONMESH_TEST_CLOCK: clockOf(name) };
      const replica = await startReplica(name, storeUrl, replicaArgs, { logDir: dir, env });
      processes.push(replica);
      running.set(name, replica);
      return replica;
    };
    // The lease row changes a moment before the new leader logs 'became leader', so the log is
    // awaited for a bounded time.
    const replicaOf = async (identity: string): Promise<string> => {
      const find = (): string | undefined =>
        [...running.values()].find((replica) => leaderIdentitiesOf(replica).includes(identity))
          ?.name;
      return (
        (await waitFor(`the log of leader ${identity}`, find, 5_000).catch(() => undefined)) ??
        `unknown replica ${identity}`
      );
    };

    // replica-exact starts alone, so it migrates the schema and leads first.
    const entry = await launch('replica-exact');
    const db = (reader = new SchemaReader(testDatabaseUrl, schema));
    const watch = (leaseWatch = new LeaseWatch(db, 'cronmesh-controller'));
    await watch.after(0, 20_000);
    await Promise.all([launch('replica-ahead'), launch('replica-behind')]);
    const workerSettings = { logDir: dir, env: { CRONMESH_TEST_CLOCK: exactClock } };
    processes.push(
      await startWorkerProcess('worker', storeUrl, ['--concurrency', '4'], {
        ...workerSettings,
        readyPath: '/readyz',
      }),
    );

    const manifests = Array.from({ length: cronJobCount }, (_, index) =>
      cronJobManifest(`tick-${index}`, '* * * * *', ['/bin/true'], startingDeadlineSeconds),
    );
    const created = await createThroughApi<CronJob>(entry.url, manifests);
    const lastCreation = Math.max(
      ...created.map((cronJob) => Date.parse(cronJob.metadata.creationTimestamp ?? '')),
    );
    const firstMinute = Math.floor(lastCreation / 60_000) * 60_000 + 60_000;
    const windowEnd = firstMinute + leaders.length * 60_000;

    const sequence: string[] = [await replicaOf((watch.current ?? { holder: '' }).holder)];
    const exitCodes: Array<number | string> = [];
    for (const [index, next] of leaders.entries()) {
      await sleep(
        realTimeOf(exactClock, firstMinute + index * 60_000 + handoverSecond * 1000) - Date.now(),
      );
      const before = watch.current?.token ?? 0;
      // Stopping every replica but `next` leaves it the only candidate for the released lease.
      const others = [...running.entries()].filter(([name]) => name !== next);
      for (const [name] of others) running.delete(name);
      const stopped = await Promise.all(
        others.map(([, replica]) => stopProcess(replica, 'SIGTERM')),
      );
      exitCodes.push(...stopped);
      const takeover = await watch.after(before, 10_000);
      sequence.push(await replicaOf(takeover.holder));
      t.diagnostic(`${sequence.at(-1)} leads with token ${takeover.token}`);
      await Promise.all(others.map(([name]) => launch(name)));
    }

    // The slowest clock reaches windowEnd last; the wait ends once every run is there.
    await sleep(realTimeOf(clockOf('replica-behind'), windowEnd) - Date.now());
    const differences = await settledDifferences(
      async () => runDifferences(created, await db.objects<Job>('Job'), windowEnd),
      30_000,
    );
    const incomplete = await settledDifferences(
      async () => unfinishedJobs(await db.objects<Job>('Job'), windowEnd),
      30_000,
    );
    const tokens = (await watch.stop()).map((change) => change.token);

    assert.deepEqual(sequence, ['replica-exact', ...leaders]);
    assert.deepEqual(tokens, [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(
      exitCodes,
      Array.from({ length: leaders.length * 2 }, () => 0),
    );
    assert.deepEqual(differences, []);
    assert.deepEqual(incomplete, []);
    passed = true;
  });
});
