import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/api/errors.js';
import { formatFieldError } from '../../src/api/field-error.js';
import { prepareForCreate } from '../../src/api/manifests.js';
import { validateResource } from '../../src/api/validate.js';
import type { CronJob } from '../../src/api/types.js';
import { catchError, cronJob } from './helpers.js';

function messagesOnCreate(resource: CronJob): string[] {
  return validateResource(resource, { operation: 'create' }).map(formatFieldError);
}

function messagesOnUpdate(resource: CronJob, old: CronJob): string[] {
  return validateResource(resource, { operation: 'update', old }).map(formatFieldError);
}

function withSpec(resource: CronJob, change: (spec: CronJob['spec']) => void): CronJob {
  const copy = structuredClone(resource);
  change(copy.spec);
  return copy;
}

void describe('CronJob name', () => {
  const name52 = 'a'.repeat(52);
  const name53 = 'a'.repeat(53);

  void it('of 53 characters is rejected on create', () => {
    assert.deepEqual(messagesOnCreate(cronJob(name53)), [
      `metadata.name: Invalid value: "${name53}": must be no more than 52 characters`,
    ]);
  });

  void it('of 52 characters is accepted on create', () => {
    assert.deepEqual(messagesOnCreate(cronJob(name52)), []);
  });

  void it('of 53 characters is accepted on update', () => {
    assert.deepEqual(messagesOnUpdate(cronJob(name53), cronJob(name53)), []);
  });

  void it('must be a DNS subdomain', () => {
    assert.deepEqual(messagesOnCreate(cronJob('Hello_World')), [
      `metadata.name: Invalid value: "Hello_World": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    ]);
  });

  void it('is required', () => {
    assert.deepEqual(messagesOnCreate(cronJob('')), [
      'metadata.name: Required value: name or generateName is required',
    ]);
  });
});

void describe('CronJob schedule', () => {
  const tzSchedule = 'CRON_TZ=Etc/UTC */20 * * * *';

  void it('with CRON_TZ is rejected on create', () => {
    assert.deepEqual(messagesOnCreate(cronJob('hello', tzSchedule)), [
      `spec.schedule: Invalid value: "${tzSchedule}": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`,
    ]);
  });

  void it('with TZ is kept on update when the stored schedule had it', () => {
    const old = cronJob('hello', 'TZ=Etc/UTC 0 * * * *');
    assert.deepEqual(messagesOnUpdate(cronJob('hello', tzSchedule), old), []);
  });

  void it('with TZ cannot be combined with timeZone on update', () => {
    const old = cronJob('hello', 'TZ=Etc/UTC 0 * * * *');
    const updated = withSpec(cronJob('hello', tzSchedule), (spec) => {
      spec.timeZone = 'Etc/UTC';
    });
    assert.deepEqual(messagesOnUpdate(updated, old), [
      `spec.schedule: Invalid value: "${tzSchedule}": cannot use both timeZone field and TZ or CRON_TZ in schedule`,
    ]);
  });

  void it('with TZ is rejected on update when the stored schedule had none', () => {
    assert.deepEqual(messagesOnUpdate(cronJob('hello', tzSchedule), cronJob()), [
      `spec.schedule: Invalid value: "${tzSchedule}": cannot use TZ or CRON_TZ in schedule, use timeZone field instead`,
    ]);
  });

  void it('with three fields reports the robfig error', () => {
    assert.deepEqual(messagesOnCreate(cronJob('hello', '* * *')), [
      'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]',
    ]);
  });

  void it('with a seconds field reports the robfig error', () => {
    assert.deepEqual(messagesOnCreate(cronJob('hello', '0 */5 * * * *')), [
      'spec.schedule: Invalid value: "0 */5 * * * *": expected exactly 5 fields, found 6: [0 */5 * * * *]',
    ]);
  });

  void it('with Sunday as 7 reports the robfig error', () => {
    assert.deepEqual(messagesOnCreate(cronJob('hello', '0 0 * * 7')), [
      'spec.schedule: Invalid value: "0 0 * * 7": end of range (7) above maximum (6): 7',
    ]);
  });

  void it('is required', () => {
    assert.deepEqual(messagesOnCreate(cronJob('hello', '')), ['spec.schedule: Required value']);
  });
});

void describe('CronJob timeZone', () => {
  const withZone = (zone: string): CronJob =>
    withSpec(cronJob(), (spec) => {
      spec.timeZone = zone;
    });

  void it('accepts an IANA zone', () => {
    assert.deepEqual(messagesOnCreate(withZone('Europe/Berlin')), []);
  });

  void it('rejects the empty string', () => {
    assert.deepEqual(messagesOnCreate(withZone('')), [
      'spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string',
    ]);
  });

  void it('rejects Local', () => {
    assert.deepEqual(messagesOnCreate(withZone('Local')), [
      'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
    ]);
  });

  void it('rejects a name with a leading space', () => {
    assert.deepEqual(messagesOnCreate(withZone(' Continent/Zone')), [
      'spec.timeZone: Invalid value: " Continent/Zone": unknown time zone  Continent/Zone',
    ]);
  });

  void it('rejects a zone that does not load', () => {
    assert.deepEqual(messagesOnCreate(withZone('Continent/InvalidZone')), [
      'spec.timeZone: Invalid value: "Continent/InvalidZone": unknown time zone Continent/InvalidZone',
    ]);
  });

  void it('is not checked again on update when unchanged', () => {
    const stored = withZone('Continent/InvalidZone');
    assert.deepEqual(messagesOnUpdate(withZone('Continent/InvalidZone'), stored), []);
  });
});

void describe('CronJob spec', () => {
  void it('rejects an unknown concurrencyPolicy', () => {
    const resource = withSpec(cronJob(), (spec) => {
      (spec as { concurrencyPolicy: string }).concurrencyPolicy = 'Sometimes';
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    ]);
  });

  void it('rejects negative limits', () => {
    const resource = withSpec(cronJob(), (spec) => {
      spec.startingDeadlineSeconds = -1;
      spec.successfulJobsHistoryLimit = -2;
      spec.failedJobsHistoryLimit = -3;
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0',
      'spec.successfulJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -3: must be greater than or equal to 0',
    ]);
  });

  void it('accepts zero history limits', () => {
    const resource = withSpec(cronJob(), (spec) => {
      spec.successfulJobsHistoryLimit = 0;
      spec.failedJobsHistoryLimit = 0;
    });
    assert.deepEqual(messagesOnCreate(resource), []);
  });

  void it('rejects restartPolicy Always', () => {
    const resource = withSpec(cronJob(), (spec) => {
      spec.jobTemplate.spec.template.spec.restartPolicy = 'Always';
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  void it('rejects a missing restartPolicy', () => {
    const resource = withSpec(cronJob(), (spec) => {
      delete spec.jobTemplate.spec.template.spec.restartPolicy;
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  void it('rejects a selector in the job template', () => {
    const resource = withSpec(cronJob(), (spec) => {
      spec.jobTemplate.spec.selector = { matchLabels: { app: 'x' } };
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"app":"x"}}: `selector` will be auto-generated',
    ]);
  });

  void it('rejects manualSelector in the job template', () => {
    const resource = withSpec(cronJob(), (spec) => {
      spec.jobTemplate.spec.manualSelector = true;
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
    ]);
  });

  void it('rejects a container without a name', () => {
    const resource = withSpec(cronJob(), (spec) => {
      spec.jobTemplate.spec.template.spec.containers = [{ name: '', image: 'busybox' }];
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.jobTemplate.spec.template.spec.containers[0].name: Required value',
    ]);
  });

  void it('rejects an empty container list', () => {
    const resource = withSpec(cronJob(), (spec) => {
      spec.jobTemplate.spec.template.spec.containers = [];
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.jobTemplate.spec.template.spec.containers: Required value',
    ]);
  });
});

void describe('prepareForCreate of a CronJob', () => {
  void it('throws ValidationError in kubectl format', () => {
    const error = catchError(() => prepareForCreate(cronJob('hello', '* * *')));
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, 'Invalid');
    assert.equal(
      error.message,
      'The CronJob "hello" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]',
    );
  });

  void it('lists several errors one per line', () => {
    const resource = withSpec(cronJob('hello', '* * *'), (spec) => {
      spec.startingDeadlineSeconds = -5;
    });
    const error = catchError(() => prepareForCreate(resource));
    assert.ok(error instanceof ValidationError);
    assert.equal(
      error.message,
      [
        'The CronJob "hello" is invalid:',
        '* spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]',
        '* spec.startingDeadlineSeconds: Invalid value: -5: must be greater than or equal to 0',
      ].join('\n'),
    );
  });

  void it('returns the defaulted CronJob without status', () => {
    const resource = { ...cronJob(), status: { lastScheduleTime: '2024-01-01T00:00:00Z' } };
    const prepared = prepareForCreate(resource);
    assert.equal(prepared.spec.concurrencyPolicy, 'Allow');
    assert.equal('status' in prepared, false);
    assert.equal('concurrencyPolicy' in resource.spec, false);
  });
});

void describe('CronJob DST policy annotation', () => {
  function annotated(value: string): CronJob {
    const resource = cronJob('hello');
    resource.metadata.annotations = { 'cronmesh.io/dst-policy': value };
    return resource;
  }

  void it('accepts cron and kubernetes', () => {
    assert.deepEqual(messagesOnCreate(annotated('cron')), []);
    assert.deepEqual(messagesOnCreate(annotated('kubernetes')), []);
  });

  void it('rejects another value', () => {
    assert.deepEqual(messagesOnCreate(annotated('bogus')), [
      'metadata.annotations[cronmesh.io/dst-policy]: Unsupported value: "bogus": supported values: "cron", "kubernetes"',
    ]);
  });
});
