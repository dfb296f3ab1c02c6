import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepareForCreate } from '../../../src/api/index.js';
import { SCHEDULED_TIMESTAMP_ANNOTATION } from '../../../src/api/annotations.js';
import type { CronJob, Job } from '../../../src/api/types.js';
import { CronmeshMetrics } from '../../../src/server/metrics/registry.js';
import { SystemClock } from '../../../src/util/clock.js';
import { silentLogger } from '../../../src/util/logger.js';
import type { SchedulerHandle } from '../../../src/worker/host.js';
import { startScheduler } from '../../../src/worker/host.js';
import { newCronJob } from '../../controller/cronjob/fixtures.js';
import { parsePromText } from '../../support/prom-text.js';
import { openTempStore } from '../../support/temp-store.js';
import type { TempStore } from '../../support/temp-store.js';
import { waitFor } from '../../support/wait.js';

const clock = new SystemClock();

/** Returns a Job as the CronJob controller creates it: owned by `owner`, scheduled at `scheduledAt`. */
function scheduledJob(
  owner: CronJob,
  name: string,
  script: string,
  scheduledAt: number,
  backoffLimit: number,
): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: 'default',
      annotations: { [SCHEDULED_TIMESTAMP_ANNOTATION]: new Date(scheduledAt).toISOString() },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: owner.metadata.name,
          uid: owner.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      backoffLimit,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox:1.28', command: ['/bin/sh', '-c', script] }],
        },
      },
    },
  };
}

describe('metrics from the running scheduler', () => {
  let temp: TempStore;
  let metrics: CronmeshMetrics;
  let scheduler: SchedulerHandle;

  before(async () => {
    temp = await openTempStore(clock);
    metrics = new CronmeshMetrics({ store: temp.store, defaultDstPolicy: 'cron', version: '0' });
    scheduler = await startScheduler({
      store: metrics.store,
      clock,
      logger: silentLogger,
      metrics,
      workerConcurrency: 2,
      pollIntervalMs: 200,
    });
    if (scheduler.worker !== undefined) metrics.trackWorker(scheduler.worker);
  });

  after(async () => {
    await scheduler.stop();
    await temp.cleanup();
  });

  it('counts finished Jobs and first-attempt delays', async () => {
    const template = newCronJob({ schedule: '0 0 1 1 *', suspend: true });
    template.metadata = { name: 'nightly', namespace: 'default' };
    template.spec.jobTemplate.spec.template.spec.restartPolicy = 'Never';
    const owner = await metrics.store.create(prepareForCreate(template), clock.now());
    // Scheduled 100 s ago, so each first attempt starts between 100 s and 128 s late.
    const scheduledAt = clock.now() - 100_000;
    await metrics.store.create(
      prepareForCreate(scheduledJob(owner, 'nightly-ok', 'exit 0', scheduledAt, 0)),
      clock.now(),
    );
    await metrics.store.create(
      prepareForCreate(scheduledJob(owner, 'nightly-bad', 'exit 4', scheduledAt, 1)),
      clock.now(),
    );
    const wide = scheduledJob(owner, 'nightly-wide', 'exit 0', scheduledAt, 0);
    wide.spec.parallelism = 2;
    wide.spec.completions = 2;
    await metrics.store.create(prepareForCreate(wide), clock.now());

    const id = 'cronjob="nightly",namespace="default"';
    const series = await waitFor(
      'all three Jobs counted as finished',
      async () => {
        const current = parsePromText(await metrics.render());
        const failed = current.get(`cronjob_jobs_total{${id},status="failed"}`);
        const succeeded = current.get(`cronjob_jobs_total{${id},status="succeeded"}`);
        return failed === 1 && succeeded === 2 ? current : undefined;
      },
      40_000,
    );

    assert.equal(series.get(`cronjob_jobs_total{${id},status="succeeded"}`), 2);
    assert.equal(series.get(`cronjob_jobs_total{${id},status="failed"}`), 1);
    assert.equal(series.get(`cronjob_job_duration_seconds_count{${id}}`), 3);
    // One sample per scheduled Job: neither the retry of nightly-bad, after its 10 s back-off,
    // nor the second pod of nightly-wide counts.
    assert.equal(series.get(`cronjob_schedule_delay_seconds_count{${id}}`), 3);
    assert.equal(
      series.get(
        'cronjob_schedule_delay_seconds_bucket{cronjob="nightly",le="64",namespace="default"}',
      ),
      0,
    );
    assert.equal(
      series.get(
        'cronjob_schedule_delay_seconds_bucket{cronjob="nightly",le="128",namespace="default"}',
      ),
      3,
    );
    assert.equal(
      series.get(
        'kube_job_status_failed{job_name="nightly-bad",namespace="default",reason="BackoffLimitExceeded"}',
      ),
      1,
    );
    assert.equal(
      series.get('kube_job_status_failed{job_name="nightly-bad",namespace="default",reason=""}'),
      undefined,
    );
    assert.equal(
      series.get('kube_job_complete{condition="true",job_name="nightly-ok",namespace="default"}'),
      1,
    );
    assert.equal(series.get('cronmesh_worker_slots{state="busy"}'), 0);
    assert.equal(series.get('cronmesh_worker_slots{state="free"}'), 2);
  });
});
