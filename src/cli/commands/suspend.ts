import { objectPath, qualifiedSingular, resourceInfo } from '../../server/kinds.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseTypedName } from '../resource-args.js';

/**
 * Runs `suspend cronjob/NAME` and `resume cronjob/NAME` as a merge patch of `spec.suspend`. A bare NAME
 * means a CronJob; `job/NAME` suspends a Job.
 */
export async function runSetSuspend(
  context: CommandContext,
  target: string,
  suspend: boolean,
): Promise<number> {
  const { info, name } = target.includes('/')
    ? parseTypedName(target)
    : { info: resourceInfo('CronJob'), name: target };
  if (info.kind !== 'CronJob' && info.kind !== 'Job') {
    throw new CliError(`only cronjobs and jobs can be suspended, not ${info.plural}`);
  }

  await context.client.mergePatch(objectPath(info, context.namespace, name), {
    spec: { suspend },
  });
  context.out.stdout(`${qualifiedSingular(info)}/${name} ${suspend ? 'suspended' : 'resumed'}\n`);
  return 0;
}
