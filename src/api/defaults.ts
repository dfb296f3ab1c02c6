/**
 * API defaulting of batch/v1 and the pod template, as the Kubernetes API server applies it
 * before validation. Fields cronmesh does not enforce (dnsPolicy, schedulerName, ...) are left
 * unset, so `describe` only shows what the user wrote.
 */
import type { AnyResource, CronJob, Job, JobSpec, PodTemplateSpec, Secret } from './types.js';

export const defaultNamespace = 'default';
/** Grace period between SIGTERM and SIGKILL when a pod template does not set one. */
export const defaultTerminationGracePeriodSeconds = 30;
const maxInt32 = 2_147_483_647;

/** Returns a defaulted deep copy of `resource`; the argument is not modified. */
export function applyDefaults<T extends AnyResource>(resource: T): T {
  const copy = structuredClone(resource);
  copy.metadata ??= { name: '' };
  if (!copy.metadata.namespace) copy.metadata.namespace = defaultNamespace;

  switch (copy.kind) {
    case 'CronJob':
      defaultCronJob(copy);
      break;
    case 'Job':
      defaultJob(copy);
      break;
    case 'Secret':
      defaultSecret(copy);
      break;
    default:
      break;
  }
  return copy;
}

// Go decodes a missing struct field as an empty struct, and defaulting then fills it. These
// helpers do the same, so a manifest without `spec` gets the same errors as in Kubernetes.
function ensurePodTemplate(holder: { template?: PodTemplateSpec }): PodTemplateSpec {
  const template = (holder.template ??= {} as PodTemplateSpec);
  template.spec ??= {} as PodTemplateSpec['spec'];
  return template;
}

function defaultCronJob(cronJob: CronJob): void {
  const spec = (cronJob.spec ??= {} as CronJob['spec']);
  // Go's zero value "" counts as unset for these string enums.
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  spec.suspend ??= false;
  spec.successfulJobsHistoryLimit ??= 3;
  spec.failedJobsHistoryLimit ??= 1;

  const jobTemplate = (spec.jobTemplate ??= {} as CronJob['spec']['jobTemplate']);
  const jobSpec = (jobTemplate.spec ??= {} as JobSpec);
  // Job-level defaults are applied when the controller creates each Job, not to the template.
  defaultPodTemplate(ensurePodTemplate(jobSpec));
}

function defaultJob(job: Job): void {
  const spec = (job.spec ??= {} as JobSpec);
  defaultJobSpec(spec);
  const templateLabels = spec.template.metadata?.labels;
  if (Object.keys(job.metadata.labels ?? {}).length === 0 && templateLabels !== undefined) {
    job.metadata.labels = { ...templateLabels };
  }
}

function defaultJobSpec(spec: JobSpec): void {
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  // A Job that sets only parallelism keeps completions unset: it runs until one pod succeeds.
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? maxInt32 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  spec.podReplacementPolicy ??=
    spec.podFailurePolicy !== undefined ? 'Failed' : 'TerminatingOrFailed';
  defaultPodTemplate(ensurePodTemplate(spec));
}

function defaultPodTemplate(template: PodTemplateSpec): void {
  const spec = template.spec;
  // The core pod default. Job validation rejects `Always`, so users must pick OnFailure or Never.
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  spec.terminationGracePeriodSeconds ??= defaultTerminationGracePeriodSeconds;
}

/**
 * Sets the default type and merges `stringData` into `data`, as the API server does on write.
 * Its values are base64-encoded and replace keys of the same name. Stored Secrets have no
 * `stringData`.
 */
function defaultSecret(secret: Secret): void {
  if (!secret.type) secret.type = 'Opaque';
  if (secret.stringData === undefined) return;
  const data = (secret.data ??= {});
  for (const [key, value] of Object.entries(secret.stringData)) {
    data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  delete secret.stringData;
}
