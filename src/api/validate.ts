/**
 * Entry points of semantic validation: they default a copy of the resource, as the API server
 * does before validating, and dispatch on its kind.
 */
import { applyDefaults } from './defaults.js';
import { formatFieldError, type ApiWarning, type FieldError } from './field-error.js';
import { checkDns1123Label } from './names.js';
import { validateConfigMap, validateSecret } from './validate-config.js';
import { validateCronJob } from './validate-cronjob.js';
import { validateJob } from './validate-job.js';
import { validateEvent, validatePod } from './validate-core.js';
import type { AnyResource } from './types.js';

export type Operation = 'create' | 'update';

export interface ValidateOptions {
  operation: Operation;
  /**
   * The stored object, on update. Without it, update rules that compare with the stored object
   * (immutable fields, a TZ prefix kept from before) treat the object as new.
   */
  old?: AnyResource;
}

/**
 * Returns every validation error of `resource`, in Kubernetes' field paths and messages. The
 * resource must have passed the schema check (`checkSchema`), so its fields have the right types.
 */
export function validateResource(resource: AnyResource, options: ValidateOptions): FieldError[] {
  // Kubernetes reports each distinct message once (field.ErrorList.ToAggregate drops repeats).
  const seen = new Set<string>();
  return validateDefaulted(resource, options).filter((error) => {
    const message = formatFieldError(error);
    if (seen.has(message)) return false;
    seen.add(message);
    return true;
  });
}

function validateDefaulted(resource: AnyResource, options: ValidateOptions): FieldError[] {
  const subject = applyDefaults(resource);
  const old =
    options.old !== undefined && options.old.kind === subject.kind
      ? applyDefaults(options.old)
      : undefined;

  switch (subject.kind) {
    case 'CronJob':
      return validateCronJob(subject, options.operation, old?.kind === 'CronJob' ? old : undefined);
    case 'Job':
      return validateJob(subject, old?.kind === 'Job' ? old : undefined);
    case 'ConfigMap':
      return validateConfigMap(subject, old?.kind === 'ConfigMap' ? old : undefined);
    case 'Secret':
      return validateSecret(subject, old?.kind === 'Secret' ? old : undefined);
    case 'Pod':
      return validatePod(subject, old?.kind === 'Pod' ? old : undefined);
    case 'Event':
      return validateEvent(subject, old?.kind === 'Event' ? old : undefined);
  }
}

const timeZoneWarning =
  'cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details';

/** Returns the API warnings Kubernetes sends for the resource on create or update. */
export function collectWarnings(resource: AnyResource): ApiWarning[] {
  const warnings: ApiWarning[] = [];
  if (resource.kind !== 'CronJob' && resource.kind !== 'Job') return warnings;

  const name = resource.metadata?.name ?? '';
  const messages = name === '' ? [] : checkDns1123Label(name);
  if (messages.length > 0) {
    warnings.push({
      field: 'metadata.name',
      message: `metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${messages.join(' ')}]`,
    });
  }
  // The odd `spec.spec.schedule` path is Kubernetes' own text.
  if (resource.kind === 'CronJob' && (resource.spec?.schedule ?? '').includes('TZ')) {
    warnings.push({ field: 'spec.schedule', message: timeZoneWarning });
  }
  return warnings;
}
