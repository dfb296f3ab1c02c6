import type { CronJob, Job } from '../../api/types.js';
import { collectionPath, objectPath, resourceInfo } from '../../server/kinds.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseTypedName } from '../resource-args.js';

/** The annotation kubectl puts on a Job it creates from a CronJob. */
export const instantiateAnnotation = 'cronjob.kubernetes.io/instantiate';

/**
 * Builds the Job that `kubectl create job NAME --from=cronjob/X` creates: the CronJob's job
 * template with annotation `cronjob.kubernetes.io/instantiate: manual` (template annotations win
 * on a clash) and a controller ownerReference to the CronJob.
 */
export function jobFromCronJob(name: string, cronJob: CronJob): Job {
  const template = cronJob.spec.jobTemplate;
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      annotations: { [instantiateAnnotation]: 'manual', ...template.metadata?.annotations },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: cronJob.metadata.name,
          uid: cronJob.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: structuredClone(template.spec),
  };
  if (template.metadata?.labels !== undefined)
    job.metadata.labels = { ...template.metadata.labels };
  return job;
}

/** Runs `create job NAME --from=cronjob/X`. */
export async function runCreateJob(
  context: CommandContext,
  name: string,
  options: { from?: string },
): Promise<number> {
  if (options.from === undefined) {
    throw new CliError('create job needs --from=cronjob/NAME: cronmesh creates Jobs from CronJobs');
  }
  const source = parseTypedName(options.from);
  if (source.info.kind !== 'CronJob') {
    throw new CliError(
      `unknown object type ${source.info.kind} in --from; use --from=cronjob/NAME`,
    );
  }

  const cronJob = await context.client.get<CronJob>(
    objectPath(source.info, context.namespace, source.name),
  );
  const created = await context.client.post<Job>(
    collectionPath(resourceInfo('Job'), context.namespace),
    jobFromCronJob(name, cronJob),
  );
  context.out.stdout(`job.batch/${created.metadata.name} created\n`);
  return 0;
}
