/**
 * batch/v1 Job validation: the Job spec rules shared with CronJob templates, the generated
 * selector, and the fields that become immutable once a Job exists.
 */
import { jsonEqual } from './equality.js';
import { invalid, required, unsupported, type FieldError } from './field-error.js';
import { childPath, keyPath } from './field-path.js';
import {
  controllerUidLabel,
  generateJobSelector,
  jobNameLabel,
  legacyControllerUidLabel,
  legacyJobNameLabel,
} from './job-selector.js';
import { checkDns1123Label, checkDns1123Subdomain } from './names.js';
import { labelSelectorToRequirements, matchesSelector } from './selector.js';
import {
  validatePodFailurePolicy,
  validatePodReplacementPolicy,
  validateSuccessPolicy,
} from './validate-job-policies.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './validate-meta.js';
import { validatePodTemplate } from './validate-pod.js';
import type { Job, JobSpec } from './types.js';

const nonNegativeMessage = 'must be greater than or equal to 0';
const maxParallelismForIndexedJob = 100_000;
const maxFailedIndexesForIndexedJob = 100_000;
const completionsSoftLimit = 100_000;
const parallelismLimitForHighCompletions = 10_000;
const maxFailedIndexesLimitForHighCompletions = 10_000;
const maxManagedByLength = 63;

// Stands in for the uid the API server assigns on create, so a manifest's Job can be checked
// with its generated selector before it has a uid.
const placeholderUid = '00000000-0000-0000-0000-000000000000';

const nonNegativeFields = [
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'backoffLimit',
  'ttlSecondsAfterFinished',
  'backoffLimitPerIndex',
  'maxFailedIndexes',
] as const;

/** Rules shared by Jobs and CronJob job templates (Kubernetes' `validateJobSpec`). */
export function validateJobSpecCommon(spec: JobSpec, path: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of nonNegativeFields) {
    const value = spec[field];
    if (value !== undefined && value < 0)
      errors.push(invalid(childPath(path, field), value, nonNegativeMessage));
  }
  if (spec.maxFailedIndexes !== undefined && spec.backoffLimitPerIndex === undefined) {
    errors.push(
      required(childPath(path, 'backoffLimitPerIndex'), 'when maxFailedIndexes is specified'),
    );
  }
  errors.push(...validateManagedBy(spec.managedBy, childPath(path, 'managedBy')));
  errors.push(...validateCompletionMode(spec, path));
  if (spec.podFailurePolicy !== undefined)
    errors.push(...validatePodFailurePolicy(spec, childPath(path, 'podFailurePolicy')));
  errors.push(...validateSuccessPolicy(spec, childPath(path, 'successPolicy')));
  errors.push(...validatePodReplacementPolicy(spec, childPath(path, 'podReplacementPolicy')));

  const templatePath = childPath(path, 'template');
  errors.push(...validatePodTemplate(spec.template, templatePath));
  errors.push(
    ...validateJobRestartPolicy(spec, childPath(childPath(templatePath, 'spec'), 'restartPolicy')),
  );
  return errors;
}

function validateJobRestartPolicy(spec: JobSpec, path: string): FieldError[] {
  const policy = spec.template?.spec?.restartPolicy ?? '';
  // The pod default `Always` is not allowed for Jobs, so an omitted policy reads as missing.
  if (policy === 'Always' || policy === '')
    return [required(path, 'valid values: "OnFailure", "Never"')];
  if (policy !== 'OnFailure' && policy !== 'Never')
    return [unsupported(path, policy, ['OnFailure', 'Never'])];
  if (spec.podFailurePolicy !== undefined && policy !== 'Never') {
    return [invalid(path, policy, 'only "Never" is supported when podFailurePolicy is specified')];
  }
  return [];
}

function validateManagedBy(managedBy: string | undefined, path: string): FieldError[] {
  if (managedBy === undefined) return [];
  const errors: FieldError[] = [];
  const slash = managedBy.indexOf('/');
  if (slash <= 0 || slash === managedBy.length - 1) {
    errors.push(invalid(path, managedBy, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  } else {
    const host = managedBy.slice(0, slash);
    for (const message of checkDns1123Subdomain(host)) errors.push(invalid(path, host, message));
  }
  if (managedBy.length > maxManagedByLength) {
    errors.push({
      type: 'TooLong',
      field: path,
      detail: `may not be longer than ${maxManagedByLength}`,
    });
  }
  return errors;
}

function validateCompletionMode(spec: JobSpec, path: string): FieldError[] {
  const errors: FieldError[] = [];
  const mode = spec.completionMode;
  const { completions, parallelism, maxFailedIndexes, backoffLimitPerIndex } = spec;
  if (mode !== undefined && mode !== 'NonIndexed' && mode !== 'Indexed') {
    errors.push(unsupported(childPath(path, 'completionMode'), mode, ['NonIndexed', 'Indexed']));
  }

  if (mode === 'Indexed') {
    if (completions === undefined)
      errors.push(required(childPath(path, 'completions'), 'when completion mode is Indexed'));
    if (parallelism !== undefined && parallelism > maxParallelismForIndexedJob) {
      errors.push(
        invalid(
          childPath(path, 'parallelism'),
          parallelism,
          `must be less than or equal to ${maxParallelismForIndexedJob} when completion mode is Indexed`,
        ),
      );
    }
    if (
      completions !== undefined &&
      maxFailedIndexes !== undefined &&
      maxFailedIndexes > completions
    ) {
      errors.push(
        invalid(
          childPath(path, 'maxFailedIndexes'),
          maxFailedIndexes,
          'must be less than or equal to completions',
        ),
      );
    }
    if (maxFailedIndexes !== undefined && maxFailedIndexes > maxFailedIndexesForIndexedJob) {
      errors.push(
        invalid(
          childPath(path, 'maxFailedIndexes'),
          maxFailedIndexes,
          `must be less than or equal to ${maxFailedIndexesForIndexedJob}`,
        ),
      );
    }
    if (
      completions !== undefined &&
      completions > completionsSoftLimit &&
      backoffLimitPerIndex !== undefined
    ) {
      const suffix = `when completions are above ${completionsSoftLimit} and used with backoff limit per index`;
      if (maxFailedIndexes === undefined) {
        errors.push(
          required(
            childPath(path, 'maxFailedIndexes'),
            `must be specified when completions is above ${completionsSoftLimit}`,
          ),
        );
      }
      if (parallelism !== undefined && parallelism > parallelismLimitForHighCompletions) {
        errors.push(
          invalid(
            childPath(path, 'parallelism'),
            parallelism,
            `must be less than or equal to ${parallelismLimitForHighCompletions} ${suffix}`,
          ),
        );
      }
      if (
        maxFailedIndexes !== undefined &&
        maxFailedIndexes > maxFailedIndexesLimitForHighCompletions
      ) {
        errors.push(
          invalid(
            childPath(path, 'maxFailedIndexes'),
            maxFailedIndexes,
            `must be less than or equal to ${maxFailedIndexesLimitForHighCompletions} ${suffix}`,
          ),
        );
      }
    }
  } else {
    if (backoffLimitPerIndex !== undefined) {
      errors.push(
        invalid(
          childPath(path, 'backoffLimitPerIndex'),
          backoffLimitPerIndex,
          'requires indexed completion mode',
        ),
      );
    }
    if (maxFailedIndexes !== undefined) {
      errors.push(
        invalid(
          childPath(path, 'maxFailedIndexes'),
          maxFailedIndexes,
          'requires indexed completion mode',
        ),
      );
    }
  }
  return errors;
}

/** Validates a Job object; on update, `old` is the stored Job. Expects a defaulted Job. */
export function validateJob(job: Job, old?: Job): FieldError[] {
  const errors = validateObjectMeta(job.metadata, 'metadata');
  const manual = job.spec.manualSelector === true;
  const uid = job.metadata.uid ?? old?.metadata.uid;
  // The API server generates the selector before validating, so check the Job as it will be.
  const effective = manual ? job : generateJobSelector(job, uid ?? placeholderUid);

  if (!manual && uid !== undefined) errors.push(...validateGeneratedSelector(effective, uid));
  errors.push(...validateJobSpecCommon(effective.spec, 'spec'));
  errors.push(...validateSelector(effective.spec));
  errors.push(...validateIndexedHostnames(effective));

  if (old !== undefined) {
    errors.push(...validateObjectMetaUpdate(job.metadata, old.metadata, 'metadata'));
    const oldEffective =
      old.spec.manualSelector === true || uid === undefined ? old : generateJobSelector(old, uid);
    errors.push(...validateJobSpecUpdate(effective.spec, oldEffective.spec));
  }
  return errors;
}

function validateGeneratedSelector(job: Job, uid: string): FieldError[] {
  const errors: FieldError[] = [];
  const labels = job.spec.template.metadata?.labels ?? {};
  const labelsPath = 'spec.template.metadata.labels';
  for (const [key, expected] of [
    [legacyControllerUidLabel, uid],
    [legacyJobNameLabel, job.metadata.name],
    [controllerUidLabel, uid],
    [jobNameLabel, job.metadata.name],
  ] as const) {
    const actual = labels[key];
    if (actual === undefined) errors.push(required(keyPath(labelsPath, key), expected));
    else if (actual !== expected)
      errors.push(invalid(keyPath(labelsPath, key), labels, `must be '${expected}'`));
  }
  const expectedLabels = {
    [legacyControllerUidLabel]: uid,
    [legacyJobNameLabel]: job.metadata.name,
    [controllerUidLabel]: uid,
    [jobNameLabel]: job.metadata.name,
  };
  const requirements = safeRequirements(job.spec.selector);
  if (requirements !== undefined && !matchesSelector(expectedLabels, requirements)) {
    errors.push(invalid('spec.selector', job.spec.selector, '`selector` not auto-generated'));
  }
  return errors;
}

function validateSelector(spec: JobSpec): FieldError[] {
  const selector = spec.selector;
  if (selector === undefined) return [required('spec.selector', '')];

  const errors = validateLabels(selector.matchLabels, 'spec.selector.matchLabels');
  (selector.matchExpressions ?? []).forEach((expression, index) => {
    const path = keyPath('spec.selector.matchExpressions', index);
    const { operator, values = [] } = expression as { operator?: string; values?: string[] };
    if (operator === 'In' || operator === 'NotIn') {
      if (values.length === 0)
        errors.push(
          required(
            childPath(path, 'values'),
            "must be specified when `operator` is 'In' or 'NotIn'",
          ),
        );
    } else if (operator === 'Exists' || operator === 'DoesNotExist') {
      if (values.length > 0) {
        errors.push({
          type: 'Forbidden',
          field: childPath(path, 'values'),
          detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        });
      }
    } else {
      errors.push(
        invalid(childPath(path, 'operator'), operator ?? '', 'not a valid selector operator'),
      );
    }
  });

  const requirements = safeRequirements(selector);
  if (
    requirements !== undefined &&
    !matchesSelector(spec.template.metadata?.labels, requirements)
  ) {
    errors.push(
      invalid(
        'spec.template.metadata.labels',
        spec.template.metadata?.labels ?? {},
        '`selector` does not match template `labels`',
      ),
    );
  }
  return errors;
}

function safeRequirements(
  selector: JobSpec['selector'],
): ReturnType<typeof labelSelectorToRequirements> | undefined {
  if (selector === undefined) return undefined;
  try {
    return labelSelectorToRequirements(
      selector as Parameters<typeof labelSelectorToRequirements>[0],
    );
  } catch {
    // An invalid operator is already reported by validateSelector.
    return undefined;
  }
}

function validateIndexedHostnames(job: Job): FieldError[] {
  const { completionMode, completions } = job.spec;
  if (completionMode !== 'Indexed' || completions === undefined || completions <= 0) return [];
  // Pods of an Indexed Job get the hostname `<job>-<index>`, which must be a DNS label.
  const longestHostname = `${job.metadata.name}-${completions - 1}`;
  if (checkDns1123Label(longestHostname).length === 0) return [];
  return [
    invalid(
      'metadata.name',
      job.metadata.name,
      `will not able to create pod with invalid DNS label: ${longestHostname}`,
    ),
  ];
}

const immutableSpecFields = [
  'selector',
  'completionMode',
  'podFailurePolicy',
  'backoffLimitPerIndex',
  'managedBy',
  'successPolicy',
  'template',
] as const;

function validateJobSpecUpdate(spec: JobSpec, old: JobSpec): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of immutableSpecFields) {
    if (!jsonEqual(spec[field], old[field]))
      errors.push(invalid(childPath('spec', field), spec[field] ?? null, 'field is immutable'));
  }
  if (!jsonEqual(spec.completions, old.completions)) {
    // Indexed Jobs may scale when completions and parallelism change together.
    if (spec.completionMode !== 'Indexed') {
      errors.push(invalid('spec.completions', spec.completions ?? null, 'field is immutable'));
    } else if (spec.completions !== undefined && spec.completions !== spec.parallelism) {
      errors.push(
        invalid(
          'spec.completions',
          spec.completions,
          'can only be modified in tandem with spec.parallelism',
        ),
      );
    }
  }
  return errors;
}
