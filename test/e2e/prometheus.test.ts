import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CronJob, Job } from '../../src/api/types.js';
import { compileSchedule } from '../../src/schedule/index.js';
import {
  ensurePrometheus,
  prometheusBinary,
  selfScrapeJob,
  startPrometheus,
  type PrometheusServer,
  type VectorSample,
} from '../support/prometheus.js';
import { freePort, getJson, startServe, type ServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const cronJobsPath = '/apis/batch/v1/namespaces/default/cronjobs';
const jobsPath = '/apis/batch/v1/namespaces/default/jobs';
const cronmeshJob = 'cronmesh';

/** The shortest `@every` period the test uses, so each run starts well after the request. */
const minimumPeriodSeconds = 3;

describe('Prometheus scraping cronmesh', () => {
  let dir: string;
  let serve: ServeProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let nightly: CronJob;
  let twice: CronJob;
  let twicePeriod: number;
  let twiceSuspended: Promise<void>;

  // The CronJobs start before the tests, so the wait for twice's second run overlaps the
  // first scrape, which Prometheus 2.42 runs about 5 s after it starts.
  before(async () => {
    await ensurePrometheus();
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-prometheus-e2e-'));
    serve = await startServe(join(dir, 'data'), await freePort());

    nightly = await createCronJob(serve.url, 'nightly', '30 4 * * *', 'America/New_York');
    twicePeriod = periodStraddlingMinute(Math.floor(Date.now() / 1000));
    twice = await createCronJob(serve.url, 'twice', `@every ${twicePeriod}s`);
    twiceSuspended = suspendAfterSecondJob(serve.url, 'twice', twicePeriod);
    // Handled here so that a failure before the test awaits it is not an unhandled rejection.
    twiceSuspended.catch(() => undefined);

    prometheus = await startPrometheus({
      targets: [{ job: cronmeshJob, address: new URL(serve.url).host }],
      scrapeIntervalSeconds: 1,
    });
  });

  after(async () => {
    await prometheus?.stop();
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('harness scrapes Prometheus itself', async () => {
    assert.ok(prometheus);
    const address = new URL(prometheus.url).host;

    await prometheus.waitForScrape(selfScrapeJob);
    const up = await prometheus.query(`up{job="${selfScrapeJob}"}`);
    const buildInfo = await prometheus.query(`prometheus_build_info{job="${selfScrapeJob}"}`);

    assert.deepEqual(valuesOf(up), [
      { metric: { __name__: 'up', instance: address, job: selfScrapeJob }, value: 1 },
    ]);
    assert.equal(buildInfo.length, 1);
    assert.equal(buildInfo[0]?.value, 1);
    assert.equal(buildInfo[0]?.metric.version, installedPrometheusVersion());
  });

  it('reads the job metrics of two runs', async () => {
    assert.ok(serve);
    assert.ok(prometheus);
    const url = serve.url;
    const address = new URL(url).host;
    const twiceCreated = Date.parse(twice.metadata.creationTimestamp ?? '');
    assert.notEqual(
      minuteOf(twiceCreated + twicePeriod * 1000),
      minuteOf(twiceCreated + 2 * twicePeriod * 1000),
      `the first two runs of @every ${twicePeriod}s after ${twice.metadata.creationTimestamp} ` +
        'must fall in different minutes, so the second run gets a Job of its own',
    );
    const nightlyNext = compileSchedule('30 4 * * *', { timeZone: 'America/New_York' }).next(
      Date.parse(nightly.metadata.creationTimestamp ?? ''),
    );
    assert.notEqual(nightlyNext, null, 'the engine finds the next run of nightly');

    await twiceSuspended;
    await waitFor(
      'GET /metrics to count two succeeded Jobs of twice',
      async () => {
        const response = await fetch(`${url}/metrics`);
        const succeeded = findSample(parseExposition(await response.text()), 'cronjob_jobs_total', {
          namespace: 'default',
          cronjob: 'twice',
          status: 'succeeded',
        });
        return succeeded?.value === 2;
      },
      20_000,
      100,
    );
    await prometheus.waitForScrape(cronmeshJob);

    const series = { namespace: 'default', cronjob: 'twice', instance: address, job: cronmeshJob };
    assert.deepEqual(
      valuesOf(await prometheus.query('cronjob_jobs_total{cronjob="twice",status="succeeded"}')),
      [{ metric: { __name__: 'cronjob_jobs_total', ...series, status: 'succeeded' }, value: 2 }],
    );
    assert.deepEqual(valuesOf(await prometheus.query('sum(cronjob_jobs_total{cronjob="twice"})')), [
      { metric: {}, value: 2 },
    ]);
    assert.deepEqual(
      valuesOf(await prometheus.query('kube_cronjob_next_schedule_time{cronjob="nightly"}')),
      [
        {
          metric: { __name__: 'kube_cronjob_next_schedule_time', ...series, cronjob: 'nightly' },
          value: (nightlyNext ?? 0) / 1000,
        },
      ],
    );
    assert.deepEqual(
      valuesOf(await prometheus.query('kube_cronjob_spec_suspend{cronjob="twice"}')),
      [{ metric: { __name__: 'kube_cronjob_spec_suspend', ...series }, value: 1 }],
    );
    assert.deepEqual(
      valuesOf(await prometheus.query('cronjob_job_duration_seconds_count{cronjob="twice"}')),
      [{ metric: { __name__: 'cronjob_job_duration_seconds_count', ...series }, value: 2 }],
    );
    assert.deepEqual(
      valuesOf(await prometheus.query('cronjob_schedule_delay_seconds_count{cronjob="twice"}')),
      [{ metric: { __name__: 'cronjob_schedule_delay_seconds_count', ...series }, value: 2 }],
    );
    assert.deepEqual(valuesOf(await prometheus.query(`up{job="${cronmeshJob}"}`)), [
      { metric: { __name__: 'up', instance: address, job: cronmeshJob }, value: 1 },
    ]);

    const jobs = await jobsOf(url, 'twice');
    assert.equal(jobs.length, 2, `Jobs of twice: ${jobs.map((job) => job.metadata.name).join()}`);
    for (const job of jobs) assert.equal(job.status?.succeeded, 1, job.metadata.name);
  });
});

/**
 * Waits for the second Job of `name` and suspends the CronJob at once, almost a whole period
 * before its third activation.
 */
async function suspendAfterSecondJob(url: string, name: string, period: number): Promise<void> {
  await waitFor(
    `two Jobs of ${name}`,
    async () => (await jobsOf(url, name)).length >= 2,
    (2 * period + 15) * 1000,
    100,
  );
  await suspend(url, name);
}

/**
 * Returns an `@every` period in seconds whose first two runs after a CronJob created in
 * `createdSecond` or the second after it fall in different minutes. Job names carry the
 * scheduled minute, so a second run in the same minute finds the first run's Job and creates
 * none, as in Kubernetes. The second run falls just after the next minute starts, so the test
 * waits up to about a minute for it.
 */
function periodStraddlingMinute(createdSecond: number): number {
  const untilMinute = 60 - (createdSecond % 60);
  // A boundary closer than the minimum period leaves no room, so the one after it is used.
  for (const untilBoundary of [untilMinute, untilMinute + 60]) {
    const period = Math.max(Math.ceil(untilBoundary / 2), minimumPeriodSeconds);
    // `untilBoundary - 2` keeps the first run before the boundary for both creation seconds.
    if (period <= untilBoundary - 2) return period;
  }
  throw new Error(`no @every period fits ${untilMinute} s before the next minute`);
}

function minuteOf(milliseconds: number): number {
  return Math.floor(milliseconds / 60_000);
}

async function createCronJob(
  url: string,
  name: string,
  schedule: string,
  timeZone?: string,
): Promise<CronJob> {
  const manifest = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule,
      ...(timeZone === undefined ? {} : { timeZone }),
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                { name: 'main', image: 'busybox:1.36', command: ['/bin/sh', '-c', 'echo hi'] },
              ],
            },
          },
        },
      },
    },
  };
  const response = await fetch(`${url}${cronJobsPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(manifest),
  });
  const body = await response.text();
  assert.equal(response.status, 201, `POST CronJob ${name}: ${body}`);
  return JSON.parse(body) as CronJob;
}

async function suspend(url: string, name: string): Promise<void> {
  const response = await fetch(`${url}${cronJobsPath}/${name}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec: { suspend: true } }),
  });
  assert.equal(response.status, 200, `PATCH CronJob ${name}: ${await response.text()}`);
}

async function jobsOf(url: string, cronJob: string): Promise<Job[]> {
  const jobs = await getJson<{ items: Job[] }>(`${url}${jobsPath}`);
  return jobs.items.filter((job) =>
    job.metadata.ownerReferences?.some(
      (owner) => owner.kind === 'CronJob' && owner.name === cronJob,
    ),
  );
}

function valuesOf(samples: VectorSample[]): { metric: Record<string, string>; value: number }[] {
  return samples.map(({ metric, value }) => ({ metric, value }));
}

function installedPrometheusVersion(): string {
  const result = spawnSync(prometheusBinary, ['--version'], { encoding: 'utf8' });
  // Prometheus prints `prometheus, version 2.42.0+ds (branch: ...)`, on stdout or stderr.
  const match = /version (\S+)/.exec(`${result.stdout}${result.stderr}`);
  assert.ok(match?.[1], `no version in the output of ${prometheusBinary} --version`);
  return match[1];
}

interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the sample lines of the Prometheus text format and skips comments and blank lines. */
function parseExposition(text: string): ExpositionSample[] {
  const samples: ExpositionSample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1] ?? ''] = (label[2] ?? '').replace(/\\(.)/g, (_, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    samples.push({ name: match[1] ?? '', labels, value: Number(match[3]) });
  }
  return samples;
}

function findSample(
  samples: ExpositionSample[],
  name: string,
  labels: Record<string, string>,
): ExpositionSample | undefined {
  return samples.find(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}
