import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/api/errors.js';
import { formatFieldError } from '../../src/api/field-error.js';
import { generateJobSelector } from '../../src/api/job-selector.js';
import { prepareForCreate, prepareForUpdate } from '../../src/api/manifests.js';
import { collectWarnings, validateResource } from '../../src/api/validate.js';
import type { Job } from '../../src/api/types.js';
import { catchError, job } from './helpers.js';

const uid = '2b7a4c1e-0000-4000-8000-000000000001';

function messagesOnCreate(resource: Job): string[] {
  return validateResource(resource, { operation: 'create' }).map(formatFieldError);
}

function withSpec(resource: Job, change: (spec: Job['spec']) => void): Job {
  const copy = structuredClone(resource);
  change(copy.spec);
  return copy;
}

void describe('generateJobSelector', () => {
  const generated = generateJobSelector(job('pi'), uid);

  void it('labels the pod template', () => {
    assert.deepEqual(generated.spec.template.metadata?.labels, {
      'job-name': 'pi',
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': uid,
      'batch.kubernetes.io/controller-uid': uid,
    });
  });

  void it('selects the controller uid', () => {
    assert.deepEqual(generated.spec.selector, {
      matchLabels: { 'batch.kubernetes.io/controller-uid': uid },
    });
  });

  void it('copies the template labels to a Job without labels', () => {
    assert.deepEqual(generated.metadata.labels, generated.spec.template.metadata?.labels);
  });

  void it('keeps labels the user set', () => {
    const labelled = job('pi');
    labelled.metadata.labels = { team: 'a' };
    labelled.spec.template.metadata = { labels: { 'job-name': 'custom' } };
    const result = generateJobSelector(labelled, uid);
    assert.equal(result.spec.template.metadata?.labels?.['job-name'], 'custom');
    assert.deepEqual(result.metadata.labels, { team: 'a' });
  });

  void it('does not modify its argument', () => {
    const original = job('pi');
    generateJobSelector(original, uid);
    assert.equal(original.spec.selector, undefined);
  });
});

void describe('Job validation', () => {
  void it('accepts a minimal Job', () => {
    assert.deepEqual(messagesOnCreate(job()), []);
  });

  void it('rejects restartPolicy Always', () => {
    const resource = withSpec(job(), (spec) => {
      spec.template.spec.restartPolicy = 'Always';
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    ]);
  });

  void it('rejects an unknown restartPolicy twice, as Kubernetes does', () => {
    const resource = withSpec(job(), (spec) => {
      (spec.template.spec as { restartPolicy: string }).restartPolicy = 'Sometimes';
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
    ]);
  });

  void it('rejects negative counts', () => {
    const resource = withSpec(job(), (spec) => {
      spec.backoffLimit = -1;
      spec.ttlSecondsAfterFinished = -1;
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  void it('requires completions in Indexed mode', () => {
    const resource = withSpec(job(), (spec) => {
      spec.completionMode = 'Indexed';
      spec.completions = undefined;
      spec.parallelism = 2;
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.completions: Required value: when completion mode is Indexed',
    ]);
  });

  void it('requires Indexed mode for backoffLimitPerIndex', () => {
    const resource = withSpec(job(), (spec) => {
      spec.backoffLimitPerIndex = 1;
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode',
    ]);
  });

  void it('rejects an Indexed Job whose pod hostnames are not DNS labels', () => {
    const name = 'a'.repeat(62);
    const resource = withSpec(job(name), (spec) => {
      spec.completionMode = 'Indexed';
      spec.completions = 10;
    });
    const messages = messagesOnCreate(resource);
    assert.equal(
      messages.includes(
        `metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-9`,
      ),
      true,
    );
  });

  void it('rejects a name too long for the job-name label', () => {
    const name = 'a'.repeat(64);
    assert.deepEqual(messagesOnCreate(job(name)), [
      `spec.template.metadata.labels: Invalid value: "${name}": must be no more than 63 characters`,
    ]);
  });

  void it('rejects a manual selector that does not match the template', () => {
    const resource = withSpec(job(), (spec) => {
      spec.manualSelector = true;
      spec.selector = { matchLabels: { app: 'pi' } };
      spec.template.metadata = { labels: { app: 'other' } };
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    ]);
  });

  void it('requires a selector when it is manual', () => {
    const resource = withSpec(job(), (spec) => {
      spec.manualSelector = true;
    });
    assert.deepEqual(messagesOnCreate(resource), ['spec.selector: Required value']);
  });
});

void describe('podFailurePolicy validation', () => {
  const withRules = (rules: unknown[], restartPolicy: 'Never' | 'OnFailure' = 'Never'): Job =>
    withSpec(job(), (spec) => {
      spec.template.spec.restartPolicy = restartPolicy;
      (spec as { podFailurePolicy: unknown }).podFailurePolicy = { rules };
    });

  void it('accepts a FailJob rule on exit codes', () => {
    const resource = withRules([
      { action: 'FailJob', onExitCodes: { containerName: 'pi', operator: 'In', values: [1, 42] } },
    ]);
    assert.deepEqual(messagesOnCreate(resource), []);
  });

  void it('requires restartPolicy Never', () => {
    const resource = withRules(
      [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }],
      'OnFailure',
    );
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
    ]);
  });

  void it('reports the rule errors', () => {
    const resource = withRules([
      { onExitCodes: { containerName: 'missing', operator: 'In', values: [3, 0, 3] } },
      { action: 'Restart', onPodConditions: [{ type: 'DisruptionTarget', status: 'Maybe' }] },
      { action: 'Count' },
    ]);
    const prefix = 'spec.podFailurePolicy.rules';
    assert.deepEqual(messagesOnCreate(resource), [
      `${prefix}[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]`,
      `${prefix}[0].onExitCodes.containerName: Invalid value: "missing": must be one of the container or initContainer names in the pod template`,
      `${prefix}[0].onExitCodes.values[1]: Invalid value: 0: must not be 0 for the In operator`,
      `${prefix}[0].onExitCodes.values[2]: Duplicate value: 3`,
      `${prefix}[0].onExitCodes.values: Invalid value: [3,0,3]: must be ordered`,
      `${prefix}[1].action: Unsupported value: "Restart": supported values: "Count", "FailIndex", "FailJob", "Ignore"`,
      `${prefix}[1].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"`,
      `${prefix}[2]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required`,
    ]);
  });

  void it('rejects FailIndex without backoffLimitPerIndex', () => {
    const resource = withRules([
      { action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } },
    ]);
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
    ]);
  });

  void it('allows only podReplacementPolicy Failed', () => {
    const resource = withRules([
      { action: 'Ignore', onExitCodes: { operator: 'In', values: [2] } },
    ]);
    resource.spec.podReplacementPolicy = 'TerminatingOrFailed';
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"',
    ]);
  });
});

void describe('successPolicy validation', () => {
  void it('requires Indexed mode', () => {
    const resource = withSpec(job(), (spec) => {
      spec.successPolicy = { rules: [{ succeededCount: 1 }] };
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.successPolicy: Invalid value: {"rules":[{"succeededCount":1}]}: requires indexed completion mode',
    ]);
  });

  void it('reports malformed index intervals', () => {
    const resource = withSpec(job(), (spec) => {
      spec.completionMode = 'Indexed';
      spec.completions = 5;
      spec.successPolicy = { rules: [{ succeededIndexes: '0-2,1' }, { succeededIndexes: '7' }] };
    });
    assert.deepEqual(messagesOnCreate(resource), [
      'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0-2,1": error parsing succeededIndexes: non-increasing order, previous: 2, current: 1',
      'spec.successPolicy.rules[1].succeededIndexes: Invalid value: "7": error parsing succeededIndexes: too large index: "7"',
    ]);
  });
});

void describe('prepareForCreate of a Job', () => {
  void it('sets the uid and generates the selector', () => {
    const prepared = prepareForCreate(job('pi'), { uid });
    assert.equal(prepared.metadata.uid, uid);
    assert.deepEqual(prepared.spec.selector, {
      matchLabels: { 'batch.kubernetes.io/controller-uid': uid },
    });
  });

  void it('applies the Job defaults', () => {
    const prepared = prepareForCreate(job('pi'), { uid });
    assert.equal(prepared.spec.completions, 1);
    assert.equal(prepared.spec.parallelism, 1);
    assert.equal(prepared.spec.backoffLimit, 6);
    assert.equal(prepared.spec.completionMode, 'NonIndexed');
    assert.equal(prepared.spec.podReplacementPolicy, 'TerminatingOrFailed');
  });

  void it('rejects a selector that conflicts with the generated one', () => {
    const resource = withSpec(job('pi'), (spec) => {
      spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } };
    });
    const error = catchError(() => prepareForCreate(resource, { uid }));
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.errors.map(formatFieldError), [
      'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"other"}}: `selector` not auto-generated',
      'spec.template.metadata.labels: Invalid value: {"job-name":"pi","batch.kubernetes.io/job-name":"pi","controller-uid":"2b7a4c1e-0000-4000-8000-000000000001","batch.kubernetes.io/controller-uid":"2b7a4c1e-0000-4000-8000-000000000001"}: `selector` does not match template `labels`',
    ]);
  });
});

void describe('Job update', () => {
  const stored = prepareForCreate(job('pi'), { uid });

  void it('accepts the same manifest again', () => {
    const prepared = prepareForUpdate(job('pi'), stored);
    assert.deepEqual(prepared.spec.selector, stored.spec.selector);
  });

  void it('rejects a template change', () => {
    const changed = withSpec(job('pi'), (spec) => {
      spec.template.spec.containers[0]!.command = ['perl', '-e', 'print 2'];
    });
    const error = catchError(() => prepareForUpdate(changed, stored));
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(
      error.errors.map((item) => `${item.field}: ${item.detail}`),
      ['spec.template: field is immutable'],
    );
  });

  void it('rejects a completions change', () => {
    const changed = withSpec(job('pi'), (spec) => {
      spec.completions = 3;
    });
    const errors = validateResource(changed, { operation: 'update', old: stored }).map(
      formatFieldError,
    );
    assert.deepEqual(errors, ['spec.completions: Invalid value: 3: field is immutable']);
  });

  void it('keeps suspend mutable', () => {
    const changed = withSpec(job('pi'), (spec) => {
      spec.suspend = true;
    });
    assert.equal(prepareForUpdate(changed, stored).spec.suspend, true);
  });
});

void describe('Job warnings', () => {
  void it('recommend a DNS label name', () => {
    assert.deepEqual(collectWarnings(job('pi.v2')), [
      {
        field: 'metadata.name',
        message:
          "metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]",
      },
    ]);
  });
});
