import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';
import type { Dashboard } from './dashboard-queries.js';
import {
  checkDashboardQueries,
  collectDashboardQueries,
  findAmbiguousJoins,
  flattenPanels,
  readExportedNames,
  readGreaterThanThreshold,
  readQueryMetrics,
} from './dashboard-queries.js';
import {
  dashboardPath,
  listManifestFiles,
  readManifestFile,
  validateManifests,
} from './manifest-files.js';

interface DashboardModel extends Dashboard {
  uid: string;
  schemaVersion: number;
  templating: {
    list: {
      name: string;
      type: string;
      query?: string | { query?: string };
      definition?: string;
      datasource?: unknown;
      multi?: boolean;
      includeAll?: boolean;
    }[];
  };
  panels: {
    id: number;
    type: string;
    title: string;
    datasource?: unknown;
    targets?: { refId: string; expr: string; datasource?: unknown }[];
  }[];
}

const prometheusSource = { type: 'prometheus', uid: '${datasource}' };

async function readDashboard(): Promise<DashboardModel> {
  return JSON.parse(await readFile(dashboardPath, 'utf8')) as DashboardModel;
}

/** Returns the scrape intervals in seconds of the ServiceMonitor and PodMonitor endpoints. */
async function readScrapeIntervals(): Promise<number[]> {
  const documents = [];
  for (const file of await listManifestFiles()) {
    if (file.endsWith('monitor.yaml')) documents.push(...(await readManifestFile(file)));
  }
  const { serviceMonitors, podMonitors } = validateManifests(documents);
  const endpoints = [
    ...serviceMonitors.flatMap((monitor) => monitor.spec.endpoints ?? []),
    ...podMonitors.flatMap((monitor) => monitor.spec.podMetricsEndpoints ?? []),
  ];
  return endpoints.map(({ interval }) => {
    const match = /^(\d+)s$/.exec(interval ?? '');
    if (match === null) throw new Error(`unexpected scrape interval ${String(interval)}`);
    return Number(match[1]);
  });
}

describe('Grafana dashboard', () => {
  let dashboard: DashboardModel;

  before(async () => {
    dashboard = await readDashboard();
  });

  it('has a Prometheus data source variable', () => {
    assert.equal(dashboard.uid, 'cronmesh-overview');
    assert.equal(dashboard.schemaVersion, 39);
    const [datasource] = dashboard.templating.list;
    assert.equal(datasource?.name, 'datasource');
    assert.equal(datasource?.type, 'datasource');
    assert.equal(datasource?.query, 'prometheus');
  });

  it('variables come from label_values', () => {
    const variables = dashboard.templating.list
      .filter((variable) => variable.type === 'query')
      .map((variable) => [variable.name, variable.definition]);
    assert.deepEqual(variables, [
      ['job', 'label_values(cronmesh_build_info, job)'],
      ['namespace', 'label_values(kube_cronjob_info{job=~"$job"}, namespace)'],
      ['cronjob', 'label_values(kube_cronjob_info{job=~"$job", namespace=~"$namespace"}, cronjob)'],
    ]);
    for (const variable of dashboard.templating.list.slice(1)) {
      assert.deepEqual(variable.datasource, prometheusSource, `datasource of ${variable.name}`);
      const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
      assert.equal(query, variable.definition, `query of ${variable.name}`);
      assert.equal(variable.multi, true, `multi of ${variable.name}`);
      assert.equal(variable.includeAll, true, `includeAll of ${variable.name}`);
    }
  });

  it('panels have the expected titles', () => {
    const titles = dashboard.panels.map((panel) => `${panel.type}: ${panel.title}`);
    assert.deepEqual(titles, [
      'row: Jobs',
      'timeseries: Job completions by status',
      'stat: Job failure ratio',
      'timeseries: Active jobs',
      'timeseries: Job duration p50 and p95',
      'timeseries: Failed Jobs by reason',
      'row: Schedules',
      'timeseries: Schedule delay p99',
      'bargauge: Seconds until next run',
      'table: Late CronJobs',
      'table: Suspended CronJobs',
      'row: Controller and worker',
      'timeseries: Job creation skew p50 and p99',
      'timeseries: Work queue depth',
      'timeseries: Work queue adds and retries',
      'timeseries: Worker slots',
      'timeseries: Store operation latency p99',
      'stat: Versions',
      'row: Process',
      'timeseries: Resident memory',
      'timeseries: CPU',
    ]);
  });

  it('panel ids are unique', () => {
    const ids = flattenPanels(dashboard).map((panel) => (panel as { id: number }).id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('every query uses the data source variable', () => {
    for (const panel of dashboard.panels) {
      if (panel.type === 'row') continue;
      assert.deepEqual(panel.datasource, prometheusSource, `datasource of ${panel.title}`);
      const targets = panel.targets ?? [];
      assert.notEqual(targets.length, 0, `targets of ${panel.title}`);
      const refIds = targets.map((target) => target.refId);
      assert.equal(new Set(refIds).size, refIds.length, `refIds of ${panel.title}`);
      for (const target of targets) {
        assert.deepEqual(
          target.datasource,
          prometheusSource,
          `${panel.title} ${target.refId} datasource`,
        );
      }
    }
  });

  it('late threshold exceeds the scrape interval', async () => {
    const late = dashboard.panels.find((panel) => panel.title === 'Late CronJobs');
    const [target, ...others] = late?.targets ?? [];
    assert.equal(others.length, 0, 'targets of Late CronJobs');
    const threshold = readGreaterThanThreshold(target?.expr ?? '');
    assert.notEqual(threshold, undefined, `threshold of ${target?.expr}`);

    // Until the next scrape after a run, the old next schedule time is in the past, so a
    // threshold within one interval would list every CronJob after each run.
    const intervals = await readScrapeIntervals();
    assert.deepEqual(intervals, [30, 30]);
    for (const interval of intervals) assert.ok((threshold ?? 0) > interval, `${threshold} s`);
  });

  it('joins tolerate duplicate targets', () => {
    const problems = collectDashboardQueries(dashboard).flatMap(({ where, expr }) =>
      findAmbiguousJoins(expr).map((problem) => `${where}: ${problem}`),
    );
    assert.deepEqual(problems, []);
  });
});

describe('dashboard query checker', () => {
  it('reads metric names of selectors', () => {
    const result = readQueryMetrics(
      'histogram_quantile(0.9, sum by (le) (rate(a_bucket{x="$x"}[$__rate_interval]))) / on () group_left {"b.c"} + {__name__="d", y="1"} - time()',
    );
    assert.deepEqual(result, { names: ['a_bucket', 'b.c', 'd'], errors: [] });
  });

  it('reports syntax errors', () => {
    const result = readQueryMetrics('sum(rate(a[5m])');
    assert.deepEqual(result.names, ['a']);
    assert.deepEqual(result.errors, ['syntax error at offset 15: ""']);
  });

  it('reports a __name__ pattern', () => {
    const result = readQueryMetrics('{__name__=~"cronjob_.*"}');
    assert.deepEqual(result, {
      names: [],
      errors: ['metric name matched by a pattern: "__name__=~\\"cronjob_.*\\""'],
    });
  });

  it('reports a join on a raw selector', () => {
    const problems = findAmbiguousJoins(
      'sum(a * on (ns, job_name) group_left (owner) kube_job_owner{owner_kind="CronJob"})',
    );
    assert.deepEqual(problems, [
      'join "on (ns, job_name) group_left (owner)": the one side "kube_job_owner{owner_kind=\\"CronJob\\"}" is no aggregation by labels',
    ]);
  });

  it('reports a join that keeps extra labels', () => {
    const problems = findAmbiguousJoins(
      '(max by (ns, job_name, instance) (b)) * on (ns, job_name) group_right (reason) a',
    );
    assert.deepEqual(problems, [
      'join "on (ns, job_name) group_right (reason)": the one side "max by (ns, job_name, instance) (b)" keeps instance',
    ]);
  });

  it('reports a join with ignoring', () => {
    assert.deepEqual(findAmbiguousJoins('a * ignoring (x) group_left max by (y) (b)'), [
      'join "ignoring (x) group_left": uses ignoring, so its match labels are unknown',
    ]);
  });

  it('accepts aggregated joins', () => {
    const expr =
      'sum by (ns) (a * on (ns, job_name) group_left (owner) max by (ns, "job_name", owner) (rate(b[$__rate_interval]))) + on (ns) group_left sum by (ns) (c)';
    assert.deepEqual(findAmbiguousJoins(expr), []);
  });

  it('reads the threshold of a comparison', () => {
    assert.equal(readGreaterThanThreshold('time() - max by (x) (a) > 60'), 60);
    assert.equal(readGreaterThanThreshold('(a > 2.5)'), 2.5);
    assert.equal(readGreaterThanThreshold('a > b'), undefined);
    assert.equal(readGreaterThanThreshold('a < 60'), undefined);
    assert.equal(readGreaterThanThreshold('(a > 60) unless b'), undefined);
  });

  it('reports a metric that is not exported', () => {
    const exported = new Set(['cronjob_jobs_total']);
    const problems = checkDashboardQueries(
      [
        { where: 'panel "ok" target A', expr: 'sum(rate(cronjob_jobs_total[5m]))' },
        {
          where: 'panel "typo" target A',
          expr: 'sum(rate(cronjob_not_a_metric{namespace=~"$namespace"}[$__rate_interval]))',
        },
        { where: 'panel "constant" target B', expr: 'vector(1)' },
      ],
      exported,
    );
    assert.deepEqual(problems, [
      'panel "typo" target A: metric cronjob_not_a_metric is not exported',
      'panel "constant" target B: selects no metric: "vector(1)"',
    ]);
  });

  it('expands histograms from TYPE lines', () => {
    const exposition = [
      '# HELP a_seconds Duration.',
      '# TYPE a_seconds histogram',
      'a_seconds_bucket{le="1"} 0',
      '# TYPE b_total counter',
      '# TYPE c gauge',
      '# TYPE d summary',
      '',
    ].join('\n');
    assert.deepEqual(
      [...readExportedNames(exposition)],
      [
        'a_seconds_bucket',
        'a_seconds_sum',
        'a_seconds_count',
        'b_total',
        'c',
        'd',
        'd_sum',
        'd_count',
      ],
    );
  });
});

describe('dashboard metrics against cronmesh serve', () => {
  let dir: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-dashboard-'));
  });

  after(async () => {
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('every dashboard metric is exported', async () => {
    serve = await startServe(join(dir, 'data'), await freePort());
    const response = await fetch(`${serve.url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const exported = readExportedNames(await response.text());

    const queries = collectDashboardQueries(await readDashboard());
    assert.equal(queries.length, 25);
    assert.deepEqual(checkDashboardQueries(queries, exported), []);
  });
});
