import { SCHEDULED_TIMESTAMP_ANNOTATION } from '../../api/annotations.js';
import type { CronJob, Job } from '../../api/types.js';
import { formatInZone } from '../../schedule/index.js';

/**
 * Returns the Job name for an activation: the CronJob name and the scheduled time in whole Unix
 * minutes. The name is the exactly-once key: a second create for the same activation conflicts.
 */
export function jobNameFor(cronJobName: string, scheduledAt: number): string {
  return `${cronJobName}-${Math.floor(scheduledAt / 60_000)}`;
}

/**
 * Builds the Job for one activation: template labels, template annotations plus the scheduled
 * timestamp (rendered in `timeZone`, or UTC when none is set), and a controller reference.
 */
export function jobFromTemplate(cronJob: CronJob, scheduledAt: number): Job {
  const template = cronJob.spec.jobTemplate;
  const annotations = { ...(template.metadata?.annotations ?? {}) };
  annotations[SCHEDULED_TIMESTAMP_ANNOTATION] = formatInZone(
    scheduledAt,
    cronJob.spec.timeZone ?? 'UTC',
  );
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cronJob.metadata.name, scheduledAt),
      namespace: cronJob.metadata.namespace ?? 'default',
      annotations,
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cronJob.metadata.name,
          uid: cronJob.metadata.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: structuredClone(template.spec),
  };
  if (template.metadata?.labels) job.metadata.labels = { ...template.metadata.labels };
  return job;
}
