import type { Job, JobCondition } from '../api/types.js';

/** Returns the condition of `type` with status True, if the Job has one. */
export function trueCondition(job: Job, type: JobCondition['type']): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Returns `Complete` or `Failed` once the Job has a terminal condition, else undefined. */
export function finishedCondition(job: Job): 'Complete' | 'Failed' | undefined {
  if (trueCondition(job, 'Complete')) return 'Complete';
  if (trueCondition(job, 'Failed')) return 'Failed';
  return undefined;
}

/** Returns the controller owner reference of an object, if any. */
export function controllerOf(
  metadata: Job['metadata'],
): NonNullable<Job['metadata']['ownerReferences']>[number] | undefined {
  return metadata.ownerReferences?.find((ref) => ref.controller === true);
}
