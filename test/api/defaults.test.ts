import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyDefaults } from '../../src/api/defaults.js';
import type { Job } from '../../src/api/types.js';
import { cronJob, job } from './helpers.js';

function jobWith(change: (spec: Job['spec']) => void): Job {
  const resource = job();
  change(resource.spec);
  return applyDefaults(resource);
}

void describe('CronJob defaults', () => {
  const defaulted = applyDefaults(cronJob());

  void it('fill the policy fields', () => {
    assert.equal(defaulted.spec.concurrencyPolicy, 'Allow');
    assert.equal(defaulted.spec.suspend, false);
    assert.equal(defaulted.spec.successfulJobsHistoryLimit, 3);
    assert.equal(defaulted.spec.failedJobsHistoryLimit, 1);
  });

  void it('leave startingDeadlineSeconds and timeZone unset', () => {
    assert.equal('startingDeadlineSeconds' in defaulted.spec, false);
    assert.equal('timeZone' in defaulted.spec, false);
  });

  void it('default the pod template but not the Job fields', () => {
    assert.equal(defaulted.spec.jobTemplate.spec.template.spec.terminationGracePeriodSeconds, 30);
    assert.equal('backoffLimit' in defaulted.spec.jobTemplate.spec, false);
  });

  void it('treat an empty concurrencyPolicy as unset', () => {
    const resource = cronJob();
    (resource.spec as { concurrencyPolicy: string }).concurrencyPolicy = '';
    assert.equal(applyDefaults(resource).spec.concurrencyPolicy, 'Allow');
  });

  void it('set the namespace to default', () => {
    const resource = cronJob();
    delete resource.metadata.namespace;
    assert.equal(applyDefaults(resource).metadata.namespace, 'default');
  });

  void it('leave the argument unchanged', () => {
    const resource = cronJob();
    applyDefaults(resource);
    assert.equal('concurrencyPolicy' in resource.spec, false);
  });
});

void describe('Job defaults', () => {
  void it('set completions and parallelism to 1 when both are unset', () => {
    const defaulted = jobWith(() => {});
    assert.equal(defaulted.spec.completions, 1);
    assert.equal(defaulted.spec.parallelism, 1);
  });

  void it('leave completions unset when only parallelism is given', () => {
    const defaulted = jobWith((spec) => {
      spec.parallelism = 3;
    });
    assert.equal(defaulted.spec.completions, undefined);
    assert.equal(defaulted.spec.parallelism, 3);
  });

  void it('set parallelism to 1 when only completions is given', () => {
    const defaulted = jobWith((spec) => {
      spec.completions = 5;
    });
    assert.equal(defaulted.spec.parallelism, 1);
  });

  void it('set backoffLimit to 6', () => {
    assert.equal(jobWith(() => {}).spec.backoffLimit, 6);
  });

  void it('set backoffLimit to the int32 maximum with backoffLimitPerIndex', () => {
    const defaulted = jobWith((spec) => {
      spec.backoffLimitPerIndex = 1;
    });
    assert.equal(defaulted.spec.backoffLimit, 2_147_483_647);
  });

  void it('choose podReplacementPolicy by podFailurePolicy', () => {
    assert.equal(jobWith(() => {}).spec.podReplacementPolicy, 'TerminatingOrFailed');
    const withPolicy = jobWith((spec) => {
      spec.podFailurePolicy = { rules: [] };
    });
    assert.equal(withPolicy.spec.podReplacementPolicy, 'Failed');
  });

  void it('fill the remaining enums and flags', () => {
    const defaulted = jobWith(() => {});
    assert.equal(defaulted.spec.completionMode, 'NonIndexed');
    assert.equal(defaulted.spec.suspend, false);
    assert.equal(defaulted.spec.manualSelector, false);
  });

  void it('copy template labels to a Job without labels', () => {
    const defaulted = jobWith((spec) => {
      spec.template.metadata = { labels: { app: 'pi' } };
    });
    assert.deepEqual(defaulted.metadata.labels, { app: 'pi' });
  });

  void it('default restartPolicy to Always', () => {
    const defaulted = jobWith((spec) => {
      delete spec.template.spec.restartPolicy;
    });
    assert.equal(defaulted.spec.template.spec.restartPolicy, 'Always');
  });
});
