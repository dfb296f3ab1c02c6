/**
 * Selector generation for Jobs whose `manualSelector` is not true, as the Job API strategy does
 * on create: the pod template gets the controller-uid and job-name labels, and the selector
 * matches the controller uid.
 */
import type { Job } from './types.js';

export const controllerUidLabel = 'batch.kubernetes.io/controller-uid';
export const legacyControllerUidLabel = 'controller-uid';
export const jobNameLabel = 'batch.kubernetes.io/job-name';
export const legacyJobNameLabel = 'job-name';

/**
 * Returns a copy of `job` with the generated labels on its pod template and the selector
 * `{matchLabels: {batch.kubernetes.io/controller-uid: <uid>}}`. Labels and selector entries the
 * user already set are kept, so a conflicting value fails validation instead of being replaced.
 * Does not set `metadata.uid`.
 */
export function generateJobSelector(job: Job, uid: string): Job {
  const copy = structuredClone(job);
  const template = copy.spec.template;
  template.metadata ??= {};
  const labels = (template.metadata.labels ??= {});
  for (const [key, value] of [
    [legacyJobNameLabel, copy.metadata.name],
    [jobNameLabel, copy.metadata.name],
    [legacyControllerUidLabel, uid],
    [controllerUidLabel, uid],
  ] as const) {
    if (!Object.hasOwn(labels, key)) labels[key] = value;
  }

  const selector = (copy.spec.selector ??= {});
  const matchLabels = (selector.matchLabels ??= {});
  if (!Object.hasOwn(matchLabels, controllerUidLabel)) matchLabels[controllerUidLabel] = uid;

  // The API server copies the template labels to a Job without labels when it reads the Job
  // back, which happens after the generated labels were added. So Jobs of CronJobs show them.
  if (Object.keys(copy.metadata.labels ?? {}).length === 0) copy.metadata.labels = { ...labels };
  return copy;
}
