/**
 * batch/v1 CronJob validation: schedule, time zone, policies, history limits and the job
 * template, with the create/update differences of the Kubernetes API server.
 */
import { DST_POLICIES, isDstPolicy, isKnownTimeZone, parseStandard } from '../schedule/index.js';
import { DST_POLICY_ANNOTATION } from './annotations.js';
import { invalid, required, unsupported, type FieldError } from './field-error.js';
import { childPath } from './field-path.js';
import { validateJobSpecCommon } from './validate-job.js';
import {
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './validate-meta.js';
import type { CronJob, CronJobSpec } from './types.js';

/**
 * The controller names Jobs `<cronjob>-<minutes since epoch>`. Kubernetes reserves 11 characters
 * for that suffix within the 63-character limit of label values, leaving 52 for the name.
 */
export const maxCronJobNameLength = 52;

const concurrencyPolicies = ['Allow', 'Forbid', 'Replace'];
const nonNegativeMessage = 'must be greater than or equal to 0';
// Kubernetes' check of each `/`-separated part of a zone name before loading it.
const timeZonePartPattern = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** Validates a defaulted CronJob; `old` is the stored object on update. */
export function validateCronJob(
  cronJob: CronJob,
  operation: 'create' | 'update',
  old?: CronJob,
): FieldError[] {
  const errors = validateObjectMeta(cronJob.metadata, 'metadata');
  const dstPolicy = cronJob.metadata.annotations?.[DST_POLICY_ANNOTATION];
  if (dstPolicy !== undefined && !isDstPolicy(dstPolicy)) {
    errors.push(
      unsupported(`metadata.annotations[${DST_POLICY_ANNOTATION}]`, dstPolicy, [...DST_POLICIES]),
    );
  }
  errors.push(...validateCronJobSpec(cronJob.spec, operation === 'update' ? old?.spec : undefined));

  if (operation === 'create') {
    const name = cronJob.metadata.name ?? '';
    if (name.length > maxCronJobNameLength) {
      errors.push(
        invalid('metadata.name', name, `must be no more than ${maxCronJobNameLength} characters`),
      );
    }
  } else if (old !== undefined) {
    // The name limit is skipped on update so that older, longer-named objects stay editable.
    errors.push(...validateObjectMetaUpdate(cronJob.metadata, old.metadata, 'metadata'));
  }
  return errors;
}

function validateCronJobSpec(spec: CronJobSpec, oldSpec: CronJobSpec | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const schedule = spec.schedule ?? '';
  if (schedule === '') {
    errors.push(required('spec.schedule', ''));
  } else {
    // A TZ prefix stays allowed on update only when the stored schedule already had one.
    const allowTimeZoneInSchedule =
      oldSpec !== undefined && (oldSpec.schedule ?? '').includes('TZ');
    errors.push(...validateSchedule(schedule, allowTimeZoneInSchedule, spec.timeZone));
  }

  const deadline = spec.startingDeadlineSeconds;
  if (deadline !== undefined && deadline < 0)
    errors.push(invalid('spec.startingDeadlineSeconds', deadline, nonNegativeMessage));

  if (oldSpec === undefined || oldSpec.timeZone !== spec.timeZone)
    errors.push(...validateTimeZone(spec.timeZone));

  const policy = (spec.concurrencyPolicy ?? '') as string;
  if (policy === '') errors.push(required('spec.concurrencyPolicy', ''));
  else if (!concurrencyPolicies.includes(policy))
    errors.push(unsupported('spec.concurrencyPolicy', policy, concurrencyPolicies));

  errors.push(...validateJobTemplate(spec.jobTemplate, 'spec.jobTemplate'));

  for (const field of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit'] as const) {
    const limit = spec[field];
    if (limit !== undefined && limit < 0)
      errors.push(invalid(childPath('spec', field), limit, nonNegativeMessage));
  }
  return errors;
}

function validateSchedule(
  schedule: string,
  allowTimeZoneInSchedule: boolean,
  timeZone: string | undefined,
): FieldError[] {
  const errors: FieldError[] = [];
  try {
    parseStandard(schedule);
  } catch (error) {
    errors.push(
      invalid('spec.schedule', schedule, error instanceof Error ? error.message : String(error)),
    );
  }
  // Kubernetes tests for the substring "TZ", case-sensitively, which covers TZ= and CRON_TZ=.
  const hasTimeZone = schedule.includes('TZ');
  if (allowTimeZoneInSchedule && hasTimeZone && timeZone !== undefined) {
    errors.push(
      invalid(
        'spec.schedule',
        schedule,
        'cannot use both timeZone field and TZ or CRON_TZ in schedule',
      ),
    );
  } else if (!allowTimeZoneInSchedule && hasTimeZone) {
    errors.push(
      invalid(
        'spec.schedule',
        schedule,
        'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ),
    );
  }
  return errors;
}

function validateTimeZone(timeZone: string | undefined): FieldError[] {
  if (timeZone === undefined) return [];
  const path = 'spec.timeZone';
  if (timeZone === '') return [invalid(path, timeZone, 'timeZone must be nil or non-empty string')];

  for (const part of timeZone.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !timeZonePartPattern.test(part)) {
      return [invalid(path, timeZone, `unknown time zone ${timeZone}`)];
    }
  }

  const errors: FieldError[] = [];
  if (timeZone.toLowerCase() === 'local') {
    errors.push(
      invalid(
        path,
        timeZone,
        'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
      ),
    );
  }
  // Go's time.LoadLocation accepts exactly "Local". Any other spelling must be a real zone.
  if (timeZone !== 'Local' && !isKnownTimeZone(timeZone)) {
    errors.push(invalid(path, timeZone, `unknown time zone ${timeZone}`));
  }
  return errors;
}

function validateJobTemplate(
  template: CronJobSpec['jobTemplate'] | undefined,
  path: string,
): FieldError[] {
  if (!template?.spec) return [required(childPath(path, 'spec'), '')];
  const specPath = childPath(path, 'spec');
  const errors = validateJobSpecCommon(template.spec, specPath);
  if (template.spec.selector !== undefined) {
    errors.push(
      invalid(
        childPath(specPath, 'selector'),
        template.spec.selector,
        '`selector` will be auto-generated',
      ),
    );
  }
  if (template.spec.manualSelector === true) {
    errors.push(unsupported(childPath(specPath, 'manualSelector'), true, ['nil', 'false']));
  }

  // NOTE: Kubernetes does not check the job template's labels and annotations, so a bad one
  // only shows up later as a FailedCreate event. cronmesh rejects it up front.
  const metadataPath = childPath(path, 'metadata');
  errors.push(...validateLabels(template.metadata?.labels, childPath(metadataPath, 'labels')));
  errors.push(
    ...validateAnnotations(template.metadata?.annotations, childPath(metadataPath, 'annotations')),
  );
  return errors;
}
