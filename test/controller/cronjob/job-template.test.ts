// Port of TestGetJobFromTemplate2 from Kubernetes' pkg/controller/cronjob/utils_test.go
// @ 8921bcdb70d8b3cc58dde1c47adfd68650219e25, with the names and timestamps written out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CronJob } from '../../../src/api/types.js';
import { jobFromTemplate, jobNameFor } from '../../../src/controller/cronjob/job-template.js';
import { at } from './fixtures.js';

const SCHEDULED_TIMESTAMP_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

function templateCronJob(
  timeZone: string | undefined,
  annotations: Record<string, string>,
): CronJob {
  const cronJob: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'mycronjob', namespace: 'snazzycats', uid: '1a2b3c' },
    spec: {
      schedule: '* * * * ?',
      concurrencyPolicy: 'Allow',
      jobTemplate: {
        metadata: { labels: { a: 'b' }, annotations },
        spec: {
          activeDeadlineSeconds: 1,
          manualSelector: false,
          template: {
            metadata: { labels: { foo: 'bar' } },
            spec: { containers: [{ name: 'main', image: 'foo/bar' }] },
          },
        },
      },
    },
  };
  if (timeZone !== undefined) cronJob.spec.timeZone = timeZone;
  return cronJob;
}

interface TemplateCase {
  name: string;
  timeZone: string | undefined;
  annotations: Record<string, string>;
  scheduled?: string;
  expectName?: string;
  expectAnnotations: Record<string, string>;
}

const cases: TemplateCase[] = [
  {
    name: 'UTC and one annotation',
    timeZone: 'UTC',
    annotations: { x: 'y' },
    expectAnnotations: { x: 'y', [SCHEDULED_TIMESTAMP_ANNOTATION]: '2016-05-19T10:00:00Z' },
  },
  {
    name: 'no time zone and one annotation',
    timeZone: undefined,
    annotations: { x: 'y' },
    expectAnnotations: { x: 'y', [SCHEDULED_TIMESTAMP_ANNOTATION]: '2016-05-19T10:00:00Z' },
  },
  {
    name: 'Europe/Rome and two annotations',
    timeZone: 'Europe/Rome',
    annotations: { x: 'y', z: 'x' },
    expectAnnotations: {
      x: 'y',
      z: 'x',
      [SCHEDULED_TIMESTAMP_ANNOTATION]: '2016-05-19T12:00:00+02:00',
    },
  },
  {
    // Go's RFC 3339 layout writes a zero offset as Z in any zone.
    name: 'Europe/London in winter',
    timeZone: 'Europe/London',
    annotations: {},
    expectAnnotations: { [SCHEDULED_TIMESTAMP_ANNOTATION]: '2016-01-19T10:00:00Z' },
    scheduled: '2016-01-19T10:00:00Z',
    expectName: 'mycronjob-24219960',
  },
];

void describe('jobFromTemplate', () => {
  for (const row of cases) {
    void test(row.name, () => {
      const job = jobFromTemplate(
        templateCronJob(row.timeZone, row.annotations),
        at(row.scheduled ?? '2016-05-19T10:00:00Z'),
      );
      assert.equal(job.metadata.name, row.expectName ?? 'mycronjob-24394200');
      assert.equal(job.metadata.namespace, 'snazzycats');
      assert.deepEqual(job.metadata.labels, { a: 'b' });
      assert.deepEqual(job.metadata.annotations, row.expectAnnotations);
    });
  }

  void test('controller reference and spec copy', () => {
    const cronJob = templateCronJob(undefined, { x: 'y' });
    const job = jobFromTemplate(cronJob, at('2016-05-19T10:00:00Z'));
    assert.deepEqual(job.metadata.ownerReferences, [
      {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        name: 'mycronjob',
        uid: '1a2b3c',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.deepEqual(job.spec, cronJob.spec.jobTemplate.spec);
    assert.equal(job.metadata.creationTimestamp, undefined);

    job.spec.activeDeadlineSeconds = 99;
    assert.equal(cronJob.spec.jobTemplate.spec.activeDeadlineSeconds, 1);
  });

  void test('template annotations stay unchanged', () => {
    const cronJob = templateCronJob('Europe/Rome', { x: 'y' });
    jobFromTemplate(cronJob, at('2016-05-19T10:00:00Z'));
    assert.deepEqual(cronJob.spec.jobTemplate.metadata?.annotations, { x: 'y' });
  });
});

void describe('jobNameFor', () => {
  const names: Array<[string, string]> = [
    ['2016-05-19T10:00:00Z', 'mycronjob-24394200'],
    ['2016-05-19T09:01:00Z', 'mycronjob-24394141'],
    ['2016-05-26T10:00:00Z', 'mycronjob-24404280'],
    // Seconds are dropped, so two activations in one minute share a name.
    ['2016-05-19T10:00:59Z', 'mycronjob-24394200'],
  ];
  for (const [scheduled, expected] of names) {
    void test(`activation at ${scheduled}`, () => {
      assert.equal(jobNameFor('mycronjob', at(scheduled)), expected);
    });
  }
});
