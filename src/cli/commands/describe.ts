import type { AnyResource, Event } from '../../api/types.js';
import { collectionPath, objectPath, resourceInfo } from '../../server/kinds.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { describeCronJob, describeJob, describePod } from '../format/describe.js';
import { parseResourceArgs } from '../resource-args.js';

/** Runs `describe cronjob|job|pod NAME...`: kubectl's key/value layout with the object's Events. */
export async function runDescribe(
  context: CommandContext,
  args: readonly string[],
): Promise<number> {
  const { info, targets } = parseResourceArgs(args);
  if (info.kind !== 'CronJob' && info.kind !== 'Job' && info.kind !== 'Pod') {
    throw new CliError(`describe supports cronjobs, jobs and pods, not ${info.plural}`);
  }
  if (targets.length === 0) throw new CliError(`describe ${info.plural} needs a NAME`);

  const texts: string[] = [];
  for (const target of targets) {
    const object = await context.client.get<AnyResource>(
      objectPath(info, context.namespace, target.name),
    );
    const events = await eventsFor(context, object);
    const now = context.now();
    if (object.kind === 'CronJob') texts.push(describeCronJob(object, events, now));
    else if (object.kind === 'Job') texts.push(describeJob(object, events, now));
    else if (object.kind === 'Pod') texts.push(describePod(object, events, now));
  }
  // kubectl writes two newlines between described objects, after the one each ends with.
  context.out.stdout(texts.join('\n\n'));
  return 0;
}

/** Events whose involvedObject is `object`: same kind and name, and same uid when recorded. */
async function eventsFor(context: CommandContext, object: AnyResource): Promise<Event[]> {
  const { kind, metadata } = object;
  const list = await context.client.get<{ items: Event[] }>(
    collectionPath(resourceInfo('Event'), metadata.namespace ?? context.namespace),
    { fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${metadata.name}` },
  );
  return list.items.filter((event) => {
    const involved = event.involvedObject;
    if (involved.kind !== kind || involved.name !== metadata.name) return false;
    return involved.uid === undefined || involved.uid === metadata.uid;
  });
}
