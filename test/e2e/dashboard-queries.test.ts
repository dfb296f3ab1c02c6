import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Job } from '../../src/api/types.js';
import type { Dashboard, DashboardQuery } from '../deploy/dashboard-queries.js';
import { collectDashboardQueries } from '../deploy/dashboard-queries.js';
import { dashboardPath } from '../deploy/manifest-files.js';
import {
  ensurePrometheus,
  startPrometheus,
  type PrometheusServer,
  type VectorSample,
} from '../support/prometheus.js';
import { cli, freePort, getJson, startServe, type ServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const cronJobsPath = '/apis/batch/v1/namespaces/default/cronjobs';
const jobsPath = '/apis/batch/v1/namespaces/default/jobs';

/**
 * Two scrape jobs read the same cronmesh, so every series exists twice, as with two cronmesh
 * replicas behind one Service. A join that expects one series per Job fails on that.
 */
const scrapeJob = 'cronmesh';
const replicaScrapeJob = 'cronmesh-replica';
/** `$job` when both scrape jobs are selected, as Grafana writes a multi-value selection. */
const bothScrapeJobs = `(${scrapeJob}|${replicaScrapeJob})`;

/** The values Grafana puts in for the dashboard's variables, apart from `$job`. */
const variableValues: Record<string, string> = {
  namespace: 'default',
  cronjob: '.*',
  __rate_interval: '1m',
  __range: '1m',
};

/**
 * Replaces the dashboard variables in `expr` as Grafana does before it sends a query. `job` is
 * the value of `$job`: one scrape job, or several as in `bothScrapeJobs`. Throws for a variable
 * without a value, so a new variable cannot slip through.
 */
function substituteVariables(expr: string, job: string): string {
  return expr.replace(/\$(?:\{(\w+)\}|(\w+))/g, (reference, braced?: string, plain?: string) => {
    const name = braced ?? plain ?? '';
    const value = name === 'job' ? job : variableValues[name];
    if (value === undefined) throw new Error(`no test value for variable ${reference} in ${expr}`);
    return value;
  });
}

/** The body of GET /api/v1/query. */
interface QueryResponse {
  status: 'success' | 'error';
  errorType?: string;
  error?: string;
}

/** Runs every query and returns one line per query that Prometheus did not run successfully. */
async function findFailedQueries(
  prometheus: PrometheusServer,
  queries: DashboardQuery[],
  job: string,
): Promise<string[]> {
  const failures: string[] = [];
  for (const { where, expr } of queries) {
    const promql = substituteVariables(expr, job);
    const response = await fetch(
      `${prometheus.url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`,
    );
    const body = (await response.json()) as QueryResponse;
    if (body.status !== 'success') {
      failures.push(`${where}: ${response.status} ${body.errorType}: ${body.error}`);
    }
  }
  return failures;
}

function findQuery(queries: DashboardQuery[], where: string): DashboardQuery {
  const query = queries.find((candidate) => candidate.where === where);
  if (query === undefined) throw new Error(`the dashboard has no ${where}`);
  return query;
}

/** Returns the samples without their evaluation time, sorted by their labels. */
function samplesOf(samples: VectorSample[]): { metric: Record<string, string>; value: number }[] {
  return samples
    .map(({ metric, value }) => ({ metric, value }))
    .sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
}

function cronJobManifest(
  name: string,
  schedule: string,
  script: string,
  extra: { suspend?: boolean; backoffLimit?: number } = {},
): unknown {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule,
      ...(extra.suspend === undefined ? {} : { suspend: extra.suspend }),
      jobTemplate: {
        spec: {
          ...(extra.backoffLimit === undefined ? {} : { backoffLimit: extra.backoffLimit }),
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                { name: 'main', image: 'busybox:1.36', command: ['/bin/sh', '-c', script] },
              ],
            },
          },
        },
      },
    },
  };
}

async function createCronJob(url: string, manifest: unknown): Promise<void> {
  const response = await fetch(`${url}${cronJobsPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(manifest),
  });
  assert.equal(response.status, 201, `POST CronJob: ${await response.text()}`);
}

/** Returns the type of the true Complete or Failed condition of each Job of `cronJob`. */
async function finishedJobsOf(url: string, cronJob: string): Promise<string[]> {
  const jobs = await getJson<{ items: Job[] }>(`${url}${jobsPath}`);
  return jobs.items
    .filter((job) => job.metadata.ownerReferences?.some((owner) => owner.name === cronJob))
    .flatMap((job) => job.status?.conditions ?? [])
    .filter((condition) => condition.status === 'True')
    .map((condition) => condition.type)
    .filter((type) => type === 'Complete' || type === 'Failed');
}

describe('dashboard queries on Prometheus', () => {
  let dir: string;
  let serve: ServeProcess | undefined;
  let prometheus: PrometheusServer | undefined;
  let queries: DashboardQuery[];

  // `frequent` completes a Job every minute, a manual Job of `failing` fails at once, and
  // `paused` is suspended, so every panel has series to work on.
  before(async () => {
    await ensurePrometheus();
    const dashboard = JSON.parse(await readFile(dashboardPath, 'utf8')) as Dashboard;
    queries = collectDashboardQueries(dashboard);
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-dashboard-e2e-'));
    serve = await startServe(join(dir, 'data'), await freePort());
    const url = serve.url;

    await createCronJob(url, cronJobManifest('frequent', '@every 2s', 'echo ok'));
    await createCronJob(
      url,
      cronJobManifest('failing', '0 0 1 1 *', 'exit 1', { backoffLimit: 0 }),
    );
    await createCronJob(url, cronJobManifest('paused', '* * * * *', 'echo ok', { suspend: true }));
    const created = await cli(url, ['create', 'job', 'failing-manual', '--from=cronjob/failing']);
    assert.equal(created.code, 0, `create job: ${created.stderr}`);

    const address = new URL(url).host;
    prometheus = await startPrometheus({
      targets: [
        { job: scrapeJob, address },
        { job: replicaScrapeJob, address },
      ],
      scrapeIntervalSeconds: 1,
    });

    await waitFor('a Failed Job of failing', async () =>
      (await finishedJobsOf(url, 'failing')).includes('Failed'),
    );
    await waitFor('a Complete Job of frequent', async () =>
      (await finishedJobsOf(url, 'frequent')).includes('Complete'),
    );
    await prometheus.waitForScrape(scrapeJob);
    await prometheus.waitForScrape(replicaScrapeJob);
  });

  after(async () => {
    await prometheus?.stop();
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('every query runs for one job', async () => {
    assert.ok(prometheus);
    assert.equal(queries.length, 25);
    assert.deepEqual(await findFailedQueries(prometheus, queries, scrapeJob), []);
  });

  it('every query runs for both jobs', async () => {
    assert.ok(prometheus);
    assert.deepEqual(await findFailedQueries(prometheus, queries, bothScrapeJobs), []);
  });

  it('failed Jobs count once per Job', async () => {
    assert.ok(prometheus);
    const { expr } = findQuery(queries, 'panel "Failed Jobs by reason" target A');
    const expected = [
      {
        metric: { namespace: 'default', owner_name: 'failing', reason: 'BackoffLimitExceeded' },
        value: 1,
      },
      {
        metric: { namespace: 'default', owner_name: 'failing', reason: 'DeadlineExceeded' },
        value: 0,
      },
      { metric: { namespace: 'default', owner_name: 'failing', reason: 'Evicted' }, value: 0 },
      { metric: { namespace: 'default', owner_name: 'frequent' }, value: 0 },
    ];
    for (const job of [scrapeJob, bothScrapeJobs]) {
      const samples = await prometheus.query(substituteVariables(expr, job));
      assert.deepEqual(samplesOf(samples), expected, `$job=${job}`);
    }
  });

  it('suspended CronJob has no next run', async () => {
    assert.ok(prometheus);
    const { expr } = findQuery(queries, 'panel "Seconds until next run" target A');
    const samples = await prometheus.query(substituteVariables(expr, scrapeJob));
    const cronJobs = samples.map((sample) => sample.metric.cronjob).sort();
    assert.deepEqual(cronJobs, ['failing', 'frequent']);
  });

  // NOTE: no test shows a late CronJob, because one becomes late only 60 s after a missed run,
  // which is longer than this file may take.
  it('CronJobs on time are not late', async () => {
    assert.ok(prometheus);
    const { expr } = findQuery(queries, 'panel "Late CronJobs" target A');
    for (const job of [scrapeJob, bothScrapeJobs]) {
      const samples = await prometheus.query(substituteVariables(expr, job));
      assert.deepEqual(samplesOf(samples), [], `$job=${job}`);
    }
  });

  it('job variable lists both scrape jobs', async () => {
    assert.ok(prometheus);
    const { expr } = findQuery(queries, 'variable job');
    const samples = await prometheus.query(substituteVariables(expr, scrapeJob));
    const jobs = samples.map((sample) => sample.metric.job).sort();
    assert.deepEqual(jobs, [scrapeJob, replicaScrapeJob]);
  });
});
