import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CronJob, Job } from '../../../src/api/types.js';
import { CronmeshMetrics } from '../../../src/server/metrics/registry.js';
import { FakeClock } from '../../../src/util/clock.js';
import { newCronJob, ownedJob } from '../../controller/cronjob/fixtures.js';
import { parsePromText, seriesOf } from '../../support/prom-text.js';
import { openTempStore } from '../../support/temp-store.js';
import type { TempStore } from '../../support/temp-store.js';

const CREATED = Date.parse('2026-03-07T12:00:00Z');

function cronJobNamed(name: string, spec: Partial<CronJob['spec']>): CronJob {
  const cronJob = newCronJob(spec);
  cronJob.metadata = { name, namespace: 'team-a' };
  return cronJob;
}

describe('kube-state CronJob gauges', () => {
  let temp: TempStore;
  let metrics: CronmeshMetrics;
  let series: Map<string, number>;

  before(async () => {
    temp = await openTempStore(new FakeClock(CREATED));
    metrics = new CronmeshMetrics({
      store: temp.store,
      defaultDstPolicy: 'cron',
      version: '1.2.3',
    });
    const nightly = cronJobNamed('nightly', {
      schedule: '30 4 * * *',
      timeZone: 'America/New_York',
      startingDeadlineSeconds: 200,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
      suspend: false,
    });
    await temp.store.create(nightly, CREATED);
    const scheduled = cronJobNamed('scheduled', { schedule: '*/15 * * * *', suspend: false });
    const created = await temp.store.create(scheduled, CREATED);
    created.status = {
      lastScheduleTime: '2026-03-07T13:45:00Z',
      lastSuccessfulTime: '2026-03-07T13:46:10Z',
      active: [{ kind: 'Job', name: 'scheduled-1', namespace: 'team-a' }],
    };
    await temp.store.update(created);
    await temp.store.create(
      cronJobNamed('paused', { schedule: '0 * * * *', suspend: true, concurrencyPolicy: 'Forbid' }),
      CREATED,
    );
    // Stored without API validation, as a database written by another version could hold it.
    await temp.store.create(cronJobNamed('broken', { schedule: 'not a schedule' }), CREATED);
    series = parsePromText(await metrics.render());
  });

  after(() => temp.cleanup());

  it('info carries schedule, policy and zone', () => {
    assert.deepEqual(
      seriesOf(series, 'kube_cronjob_info'),
      new Map([
        [
          'kube_cronjob_info{concurrency_policy="Allow",cronjob="broken",namespace="team-a",schedule="not a schedule",timezone="local"}',
          1,
        ],
        [
          'kube_cronjob_info{concurrency_policy="Allow",cronjob="nightly",namespace="team-a",schedule="30 4 * * *",timezone="America/New_York"}',
          1,
        ],
        [
          'kube_cronjob_info{concurrency_policy="Forbid",cronjob="paused",namespace="team-a",schedule="0 * * * *",timezone="local"}',
          1,
        ],
        [
          'kube_cronjob_info{concurrency_policy="Allow",cronjob="scheduled",namespace="team-a",schedule="*/15 * * * *",timezone="local"}',
          1,
        ],
      ]),
    );
  });

  it('next schedule time follows the zone across spring-forward', () => {
    // 2026-03-08 is the US spring-forward day, so 04:30 in New York is EDT (UTC-4).
    assert.equal(
      series.get('kube_cronjob_next_schedule_time{cronjob="nightly",namespace="team-a"}'),
      Date.parse('2026-03-08T08:30:00Z') / 1000,
    );
  });

  it('next schedule time starts after lastScheduleTime', () => {
    assert.equal(
      series.get('kube_cronjob_next_schedule_time{cronjob="scheduled",namespace="team-a"}'),
      Date.parse('2026-03-07T14:00:00Z') / 1000,
    );
  });

  it('next schedule time is absent when suspended or invalid', () => {
    assert.deepEqual(
      [...seriesOf(series, 'kube_cronjob_next_schedule_time').keys()],
      [
        'kube_cronjob_next_schedule_time{cronjob="nightly",namespace="team-a"}',
        'kube_cronjob_next_schedule_time{cronjob="scheduled",namespace="team-a"}',
      ],
    );
  });

  it('schedule_invalid marks the unparsable schedule', () => {
    assert.deepEqual(
      seriesOf(series, 'kube_cronjob_schedule_invalid'),
      new Map([
        ['kube_cronjob_schedule_invalid{cronjob="broken",namespace="team-a"}', 1],
        ['kube_cronjob_schedule_invalid{cronjob="nightly",namespace="team-a"}', 0],
        ['kube_cronjob_schedule_invalid{cronjob="paused",namespace="team-a"}', 0],
        ['kube_cronjob_schedule_invalid{cronjob="scheduled",namespace="team-a"}', 0],
      ]),
    );
  });

  it('status and spec gauges carry their values', () => {
    const id = '{cronjob="scheduled",namespace="team-a"}';
    assert.equal(series.get(`kube_cronjob_created${id}`), CREATED / 1000);
    assert.equal(series.get(`kube_cronjob_status_active${id}`), 1);
    assert.equal(
      series.get(`kube_cronjob_status_last_schedule_time${id}`),
      Date.parse('2026-03-07T13:45:00Z') / 1000,
    );
    assert.equal(
      series.get(`kube_cronjob_status_last_successful_time${id}`),
      Date.parse('2026-03-07T13:46:10Z') / 1000,
    );
    assert.equal(series.get(`kube_cronjob_spec_suspend${id}`), 0);
    assert.equal(series.get('kube_cronjob_spec_suspend{cronjob="paused",namespace="team-a"}'), 1);
    assert.equal(
      series.get(
        'kube_cronjob_spec_starting_deadline_seconds{cronjob="nightly",namespace="team-a"}',
      ),
      200,
    );
    assert.equal(
      series.get(`kube_cronjob_spec_starting_deadline_seconds${id}`),
      undefined,
      'absent when startingDeadlineSeconds is unset',
    );
    assert.equal(
      series.get(`kube_cronjob_status_last_schedule_time{cronjob="nightly",namespace="team-a"}`),
      undefined,
    );
    assert.equal(
      series.get(
        'kube_cronjob_spec_successful_job_history_limit{cronjob="nightly",namespace="team-a"}',
      ),
      3,
    );
    assert.equal(
      series.get(
        'kube_cronjob_spec_failed_job_history_limit{cronjob="nightly",namespace="team-a"}',
      ),
      1,
    );
  });

  it('resource version is the stored one', async () => {
    const stored = await temp.store.get<CronJob>('CronJob', 'team-a', 'scheduled');
    assert.equal(
      series.get('kube_cronjob_metadata_resource_version{cronjob="scheduled",namespace="team-a"}'),
      Number(stored.metadata.resourceVersion),
    );
  });

  it('active jobs gauge and zeroed counters per CronJob', () => {
    assert.equal(series.get('cronjob_active_jobs{cronjob="scheduled",namespace="team-a"}'), 1);
    assert.equal(series.get('cronjob_active_jobs{cronjob="nightly",namespace="team-a"}'), 0);
    assert.equal(
      series.get('cronjob_jobs_total{cronjob="nightly",namespace="team-a",status="succeeded"}'),
      0,
    );
    assert.equal(
      series.get('cronjob_jobs_total{cronjob="nightly",namespace="team-a",status="failed"}'),
      0,
    );
  });

  it('build info names the version', () => {
    assert.equal(series.get('cronmesh_build_info{version="1.2.3"}'), 1);
  });
});

describe('kube-state Job gauges', () => {
  let temp: TempStore;
  let series: Map<string, number>;

  function job(name: string, status: Job['status'], owned = true): Job {
    const base = ownedJob(name, CREATED);
    if (!owned) delete base.metadata.ownerReferences;
    base.metadata.namespace = 'team-b';
    delete base.metadata.creationTimestamp;
    base.spec.activeDeadlineSeconds = name === 'limited' ? 600 : undefined;
    if (base.spec.activeDeadlineSeconds === undefined) delete base.spec.activeDeadlineSeconds;
    base.status = status;
    return base;
  }

  before(async () => {
    temp = await openTempStore(new FakeClock(CREATED));
    const metrics = new CronmeshMetrics({
      store: temp.store,
      defaultDstPolicy: 'cron',
      version: '0',
    });
    const transition = '2026-03-07T12:05:00Z';
    await temp.store.create(
      job('done', {
        startTime: '2026-03-07T12:00:01Z',
        completionTime: '2026-03-07T12:00:31Z',
        succeeded: 1,
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: transition },
          { type: 'Complete', status: 'True', lastTransitionTime: transition },
        ],
      }),
      CREATED,
    );
    await temp.store.create(
      job('backoff', {
        startTime: '2026-03-07T12:00:01Z',
        failed: 3,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            lastTransitionTime: transition,
          },
        ],
      }),
      CREATED,
    );
    await temp.store.create(job('retrying', { active: 1, failed: 2 }), CREATED);
    await temp.store.create(
      job('odd-reason', {
        failed: 1,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'PodFailurePolicy',
            lastTransitionTime: transition,
          },
        ],
      }),
      CREATED,
    );
    await temp.store.create(
      job(
        'limited',
        {
          conditions: [
            {
              type: 'Suspended',
              status: 'True',
              reason: 'JobSuspended',
              lastTransitionTime: transition,
            },
          ],
        },
        false,
      ),
      CREATED,
    );
    series = parsePromText(await metrics.render());
  });

  after(() => temp.cleanup());

  it('failed series by known reason', () => {
    assert.deepEqual(
      seriesOf(series, 'kube_job_status_failed'),
      new Map([
        [
          'kube_job_status_failed{job_name="backoff",namespace="team-b",reason="BackoffLimitExceeded"}',
          1,
        ],
        [
          'kube_job_status_failed{job_name="backoff",namespace="team-b",reason="DeadlineExceeded"}',
          0,
        ],
        ['kube_job_status_failed{job_name="backoff",namespace="team-b",reason="Evicted"}', 0],
        ['kube_job_status_failed{job_name="done",namespace="team-b"}', 0],
        ['kube_job_status_failed{job_name="limited",namespace="team-b"}', 0],
        [
          'kube_job_status_failed{job_name="odd-reason",namespace="team-b",reason="BackoffLimitExceeded"}',
          0,
        ],
        [
          'kube_job_status_failed{job_name="odd-reason",namespace="team-b",reason="DeadlineExceeded"}',
          0,
        ],
        ['kube_job_status_failed{job_name="odd-reason",namespace="team-b",reason="Evicted"}', 0],
        ['kube_job_status_failed{job_name="odd-reason",namespace="team-b",reason=""}', 1],
        ['kube_job_status_failed{job_name="retrying",namespace="team-b",reason=""}', 2],
      ]),
    );
  });

  it('complete and failed conditions give three series each', () => {
    assert.deepEqual(
      seriesOf(series, 'kube_job_complete'),
      new Map([
        ['kube_job_complete{condition="false",job_name="done",namespace="team-b"}', 0],
        ['kube_job_complete{condition="true",job_name="done",namespace="team-b"}', 1],
        ['kube_job_complete{condition="unknown",job_name="done",namespace="team-b"}', 0],
      ]),
    );
    assert.deepEqual(
      seriesOf(series, 'kube_job_failed'),
      new Map([
        ['kube_job_failed{condition="false",job_name="backoff",namespace="team-b"}', 0],
        ['kube_job_failed{condition="true",job_name="backoff",namespace="team-b"}', 1],
        ['kube_job_failed{condition="unknown",job_name="backoff",namespace="team-b"}', 0],
        ['kube_job_failed{condition="false",job_name="odd-reason",namespace="team-b"}', 0],
        ['kube_job_failed{condition="true",job_name="odd-reason",namespace="team-b"}', 1],
        ['kube_job_failed{condition="unknown",job_name="odd-reason",namespace="team-b"}', 0],
      ]),
    );
  });

  it('owner series, empty labels without owner', () => {
    assert.equal(
      series.get(
        'kube_job_owner{job_name="done",namespace="team-b",owner_is_controller="true",owner_kind="CronJob",owner_name="mycronjob"}',
      ),
      1,
    );
    assert.equal(
      series.get(
        'kube_job_owner{job_name="limited",namespace="team-b",owner_is_controller="",owner_kind="",owner_name=""}',
      ),
      1,
    );
  });

  it('status times, counts and spec values', () => {
    const id = '{job_name="done",namespace="team-b"}';
    assert.equal(series.get(`kube_job_info${id}`), 1);
    assert.equal(series.get(`kube_job_created${id}`), CREATED / 1000);
    assert.equal(
      series.get(`kube_job_status_start_time${id}`),
      Date.parse('2026-03-07T12:00:01Z') / 1000,
    );
    assert.equal(
      series.get(`kube_job_status_completion_time${id}`),
      Date.parse('2026-03-07T12:00:31Z') / 1000,
    );
    assert.equal(series.get(`kube_job_status_succeeded${id}`), 1);
    assert.equal(series.get(`kube_job_status_active${id}`), 0);
    assert.equal(series.get(`kube_job_status_ready${id}`), 0);
    assert.equal(series.get(`kube_job_spec_parallelism${id}`), 1);
    assert.equal(series.get(`kube_job_spec_completions${id}`), 1);
    assert.equal(series.get('kube_job_status_active{job_name="retrying",namespace="team-b"}'), 1);
    assert.equal(
      series.get('kube_job_spec_active_deadline_seconds{job_name="limited",namespace="team-b"}'),
      600,
    );
    assert.equal(series.get(`kube_job_spec_active_deadline_seconds${id}`), undefined);
    assert.equal(
      series.get(`kube_job_status_completion_time{job_name="backoff",namespace="team-b"}`),
      undefined,
    );
  });

  it('suspended gauge only with a Suspended condition', () => {
    assert.deepEqual(
      seriesOf(series, 'kube_job_status_suspended'),
      new Map([['kube_job_status_suspended{job_name="limited",namespace="team-b"}', 1]]),
    );
  });
});
