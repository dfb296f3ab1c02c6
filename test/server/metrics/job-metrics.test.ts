import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { JobMetrics } from '../../../src/server/metrics/job-metrics.js';
import { CronmeshMetrics } from '../../../src/server/metrics/registry.js';
import { FakeClock } from '../../../src/util/clock.js';
import { newCronJob } from '../../controller/cronjob/fixtures.js';
import { parsePromText, seriesOf } from '../../support/prom-text.js';
import { openTempStore } from '../../support/temp-store.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

async function withMetrics(
  body: (metrics: CronmeshMetrics, store: CronmeshMetrics['store']) => Promise<void>,
): Promise<void> {
  const temp = await openTempStore(new FakeClock(NOW));
  try {
    const metrics = new CronmeshMetrics({
      store: temp.store,
      defaultDstPolicy: 'cron',
      version: '0',
    });
    await body(metrics, metrics.store);
  } finally {
    await temp.cleanup();
  }
}

async function storeCronJob(store: CronmeshMetrics['store'], name: string): Promise<void> {
  const cronJob = newCronJob({ schedule: '0 * * * *' });
  cronJob.metadata = { name, namespace: 'ops' };
  await store.create(cronJob, NOW);
}

describe('job metrics', () => {
  it('counts outcomes and durations per CronJob', async () => {
    await withMetrics(async (metrics, store) => {
      await storeCronJob(store, 'backup');
      const backup = { namespace: 'ops', name: 'backup' };
      metrics.jobFinished(backup, 'succeeded', 3);
      metrics.jobFinished(backup, 'succeeded', 700);
      metrics.jobFinished(backup, 'failed', 0.5);

      const series = parsePromText(await metrics.render());
      const id = 'cronjob="backup",namespace="ops"';
      assert.equal(series.get(`cronjob_jobs_total{${id},status="succeeded"}`), 2);
      assert.equal(series.get(`cronjob_jobs_total{${id},status="failed"}`), 1);
      assert.equal(series.get(`cronjob_job_duration_seconds_count{${id}}`), 3);
      assert.equal(series.get(`cronjob_job_duration_seconds_sum{${id}}`), 703.5);
      assert.equal(
        series.get('cronjob_job_duration_seconds_bucket{cronjob="backup",le="1",namespace="ops"}'),
        1,
      );
      assert.equal(
        series.get('cronjob_job_duration_seconds_bucket{cronjob="backup",le="4",namespace="ops"}'),
        2,
      );
      assert.equal(
        series.get(
          'cronjob_job_duration_seconds_bucket{cronjob="backup",le="512",namespace="ops"}',
        ),
        2,
      );
      assert.equal(
        series.get(
          'cronjob_job_duration_seconds_bucket{cronjob="backup",le="+Inf",namespace="ops"}',
        ),
        3,
      );
    });
  });

  it('uses ten exponential buckets from 1 s', async () => {
    await withMetrics(async (metrics, store) => {
      await storeCronJob(store, 'backup');
      metrics.attemptStarted({ namespace: 'ops', name: 'backup' }, 0.004);
      const series = parsePromText(await metrics.render());
      const bounds = (name: string, from = series): string[] =>
        [...seriesOf(from, name).keys()].map((key) => /le="([^"]+)"/.exec(key)?.[1] ?? '');
      const seconds = ['1', '2', '4', '8', '16', '32', '64', '128', '256', '512', '+Inf'];
      assert.deepEqual(bounds('cronjob_schedule_delay_seconds_bucket'), seconds);
      assert.deepEqual(bounds('cronjob_schedule_delay_fine_seconds_bucket'), [
        '0.001',
        '0.002',
        '0.004',
        '0.008',
        '0.016',
        '0.032',
        '0.064',
        '0.128',
        '0.256',
        '0.512',
        '1.024',
        '+Inf',
      ]);
      assert.equal(
        series.get(
          'cronjob_schedule_delay_fine_seconds_bucket{cronjob="backup",le="0.004",namespace="ops"}',
        ),
        1,
      );
      assert.equal(
        series.get(
          'cronjob_schedule_delay_fine_seconds_bucket{cronjob="backup",le="0.002",namespace="ops"}',
        ),
        0,
      );
      metrics.jobCreated({ namespace: 'ops', name: 'backup' }, 1.5);
      const skew = parsePromText(await metrics.render());
      assert.deepEqual(
        bounds('cronjob_controller_job_creation_skew_duration_seconds_bucket', skew),
        seconds,
      );
      assert.equal(
        skew.get('cronjob_controller_job_creation_skew_duration_seconds_bucket{le="1"}'),
        0,
      );
      assert.equal(
        skew.get('cronjob_controller_job_creation_skew_duration_seconds_bucket{le="2"}'),
        1,
      );
      assert.equal(skew.get('cronjob_controller_job_creation_skew_duration_seconds_count'), 1);
    });
  });

  it('drops every series of a deleted CronJob', async () => {
    await withMetrics(async (metrics, store) => {
      await storeCronJob(store, 'keep');
      await storeCronJob(store, 'gone');
      for (const name of ['keep', 'gone']) {
        metrics.jobFinished({ namespace: 'ops', name }, 'succeeded', 2);
        metrics.attemptStarted({ namespace: 'ops', name }, 0.2);
      }
      const before = parsePromText(await metrics.render());
      assert.equal(
        before.get('cronjob_jobs_total{cronjob="gone",namespace="ops",status="succeeded"}'),
        1,
      );

      await store.delete('CronJob', 'ops', 'gone');
      const after = parsePromText(await metrics.render());
      const mentions = [...after.keys()].filter((key) => key.includes('cronjob="gone"'));
      assert.deepEqual(mentions, []);
      assert.equal(
        after.get('cronjob_jobs_total{cronjob="keep",namespace="ops",status="succeeded"}'),
        1,
      );
      assert.equal(
        after.get('cronjob_schedule_delay_seconds_count{cronjob="keep",namespace="ops"}'),
        1,
      );
    });
  });

  it('keeps series that change during a scrape', async () => {
    const registry = new Registry();
    const jobs = new JobMetrics(registry);
    const late = { namespace: 'ops', name: 'late' };
    const key = 'cronjob_jobs_total{cronjob="late",namespace="ops",status="succeeded"}';

    // The CronJob was created after the scrape listed CronJobs, and its Job finished at once.
    jobs.beginRetain();
    jobs.jobFinished(late, 'succeeded', 1);
    await jobs.retain([]);
    assert.equal(parsePromText(await registry.metrics()).get(key), 1);

    // A later scrape that still does not list it removes it.
    jobs.beginRetain();
    await jobs.retain([]);
    assert.equal(parsePromText(await registry.metrics()).get(key), undefined);
  });

  it('creates counters when a CronJob is added', async () => {
    await withMetrics(async (metrics, store) => {
      await storeCronJob(store, 'fresh');
      const text = await metrics.registry.getSingleMetricAsString('cronjob_jobs_total');
      const series = parsePromText(text);
      assert.equal(
        series.get('cronjob_jobs_total{cronjob="fresh",namespace="ops",status="succeeded"}'),
        0,
      );
      assert.equal(
        series.get('cronjob_jobs_total{cronjob="fresh",namespace="ops",status="failed"}'),
        0,
      );
    });
  });

  it('renders process metrics when the store fails', async () => {
    const temp = await openTempStore(new FakeClock(NOW));
    const metrics = new CronmeshMetrics({
      store: temp.store,
      defaultDstPolicy: 'cron',
      version: '0',
    });
    await storeCronJob(metrics.store, 'backup');
    await temp.cleanup();

    const series = parsePromText(await metrics.render());
    assert.equal(series.get('cronmesh_metrics_refresh_failures_total'), 1);
    assert.equal(
      series.get(
        'kube_cronjob_info{concurrency_policy="Allow",cronjob="backup",namespace="ops",schedule="0 * * * *",timezone="local"}',
      ),
      undefined,
    );
    assert.equal(series.get('cronmesh_build_info{version="0"}'), 1);
    assert.equal(typeof series.get('process_cpu_seconds_total'), 'number');
    metrics.close();
  });

  it('times store operations by name', async () => {
    await withMetrics(async (metrics, store) => {
      await storeCronJob(store, 'a');
      await store.find('CronJob', 'ops', 'a');
      await store.find('CronJob', 'ops', 'missing');
      await assert.rejects(store.get('CronJob', 'ops', 'missing'), { code: 'NotFound' });
      const series = parsePromText(await metrics.render());
      assert.equal(
        series.get('cronmesh_store_operation_duration_seconds_count{operation="create"}'),
        1,
      );
      assert.equal(
        series.get('cronmesh_store_operation_duration_seconds_count{operation="find"}'),
        2,
      );
      assert.equal(
        series.get('cronmesh_store_operation_duration_seconds_count{operation="get"}'),
        1,
      );
    });
  });

  it('reports worker slots and queue counts', async () => {
    await withMetrics(async (metrics) => {
      metrics.trackWorker({ busy: 3, concurrency: 4 });
      metrics.trackWorker({ busy: 1, concurrency: 2 });
      const queue = metrics.workQueue('cronjob');
      queue.added();
      queue.added();
      queue.retried();
      queue.depthChanged(5);
      queue.processed(0.002);
      const series = parsePromText(await metrics.render());
      assert.equal(series.get('cronmesh_worker_slots{state="busy"}'), 4);
      assert.equal(series.get('cronmesh_worker_slots{state="free"}'), 2);
      assert.equal(series.get('workqueue_adds_total{name="cronjob"}'), 2);
      assert.equal(series.get('workqueue_retries_total{name="cronjob"}'), 1);
      assert.equal(series.get('workqueue_depth{name="cronjob"}'), 5);
      assert.equal(series.get('workqueue_work_duration_seconds_count{name="cronjob"}'), 1);
      assert.equal(
        series.get('workqueue_work_duration_seconds_bucket{le="0.001",name="cronjob"}'),
        0,
      );
      assert.equal(
        series.get('workqueue_work_duration_seconds_bucket{le="0.01",name="cronjob"}'),
        1,
      );
    });
  });

  it('includes Node process metrics', async () => {
    await withMetrics(async (metrics) => {
      const text = await metrics.render();
      assert.match(text, /^# TYPE process_cpu_seconds_total counter$/m);
      assert.match(text, /^# TYPE process_resident_memory_bytes gauge$/m);
      assert.match(text, /^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
    });
  });
});
