import { setTimeout as sleep } from 'node:timers/promises';
import { SCHEDULED_TIMESTAMP_ANNOTATION } from '../../api/annotations.js';
import type { Job, Pod } from '../../api/types.js';
import { collectionPath, objectPath, resourceInfo } from '../../server/kinds.js';
import type { Query } from '../client.js';
import type { CommandContext } from '../context.js';
import { CliError } from '../errors.js';
import { parseTypedName } from '../resource-args.js';
import { isAbortError, streamReadError } from '../watch-stream.js';

export interface LogsOptions {
  container?: string;
  follow?: boolean;
  /** How long to wait for a Job's first Pod, in milliseconds. */
  podRunningTimeoutMs: number;
}

/** The label Kubernetes puts on a Job's Pods. */
export const jobNameLabel = 'batch.kubernetes.io/job-name';

const podPollIntervalMs = 500;

/** Runs `logs cronjob/NAME | job/NAME | pod/NAME | NAME`: prints (or follows) one container's output. */
export async function runLogs(
  context: CommandContext,
  target: string,
  options: LogsOptions,
): Promise<number> {
  const podName = await resolvePod(context, target, options.podRunningTimeoutMs);
  const path = `${objectPath(resourceInfo('Pod'), context.namespace, podName)}/log`;
  const query: Query = { container: options.container };

  if (options.follow !== true) {
    context.out.stdout(await context.client.text(path, query));
    return 0;
  }

  // A complete response means that the container has finished, the pod was deleted or the
  // server is stopping. The server breaks the connection instead when the token stopped being
  // valid or the log could not be read, which fails with exit code 1.
  try {
    const body = await context.client.stream(path, { ...query, follow: 'true' });
    const decoder = new TextDecoder();
    for await (const chunk of body) context.out.stdout(decoder.decode(chunk, { stream: true }));
    const rest = decoder.decode();
    if (rest !== '') context.out.stdout(rest);
  } catch (error) {
    if (!isAbortError(error)) throw streamReadError('log stream', error);
  }
  return 0;
}

/**
 * Returns the Pod a logs target names: for a Job its newest Pod (waiting for the first one), and
 * for a CronJob the newest Pod of its newest Job.
 */
async function resolvePod(
  context: CommandContext,
  target: string,
  timeoutMs: number,
): Promise<string> {
  if (!target.includes('/')) return target;

  const { info, name: targetName } = parseTypedName(target);
  if (info.kind === 'Pod') return targetName;
  let name = targetName;
  if (info.kind === 'CronJob') {
    name = await newestJobOf(context, targetName);
  } else if (info.kind !== 'Job') {
    throw new CliError(
      `cannot get logs from ${info.plural}: name a pod, a job or a cronjob, e.g. job/${targetName}`,
    );
  }

  // The Job must exist; this GET fails with the server's NotFound error otherwise.
  await context.client.get(objectPath(resourceInfo('Job'), context.namespace, name));
  const deadline = context.now() + timeoutMs;
  for (;;) {
    const newest = await newestPod(context, name);
    if (newest !== undefined) return newest.metadata.name;
    if (context.now() >= deadline || context.signal.aborted) {
      throw new CliError(
        `job ${JSON.stringify(name)} has no pods after ${Math.round(timeoutMs / 1000)}s`,
      );
    }
    await sleep(podPollIntervalMs, undefined, { signal: context.signal }).catch(() => undefined);
  }
}

/** Returns the name of the newest Job a CronJob owns, by scheduled time, then creation time. */
async function newestJobOf(context: CommandContext, cronJobName: string): Promise<string> {
  await context.client.get(objectPath(resourceInfo('CronJob'), context.namespace, cronJobName));
  const list = await context.client.get<{ items: Job[] }>(
    collectionPath(resourceInfo('Job'), context.namespace),
  );
  let newest: Job | undefined;
  for (const job of list.items) {
    const owner = job.metadata.ownerReferences?.find((ref) => ref.controller === true);
    if (owner?.kind !== 'CronJob' || owner.name !== cronJobName) continue;
    if (newest === undefined || jobStartKey(job) > jobStartKey(newest)) newest = job;
  }
  if (newest === undefined) {
    throw new CliError(
      `cronjob ${JSON.stringify(cronJobName)} has no jobs yet: see its next fire times with 'cronmesh describe cronjob ${cronJobName}'`,
    );
  }
  return newest.metadata.name;
}

/** Orders Jobs by scheduled time (manual Jobs by creation time), then by name. */
function jobStartKey(job: Job): string {
  const scheduled = job.metadata.annotations?.[SCHEDULED_TIMESTAMP_ANNOTATION];
  const at = Date.parse(scheduled ?? job.metadata.creationTimestamp ?? '');
  return `${String(Number.isNaN(at) ? 0 : at).padStart(16, '0')} ${job.metadata.name}`;
}

async function newestPod(context: CommandContext, jobName: string): Promise<Pod | undefined> {
  const list = await context.client.get<{ items: Pod[] }>(
    collectionPath(resourceInfo('Pod'), context.namespace),
    { labelSelector: `${jobNameLabel}=${jobName}` },
  );
  let newest: Pod | undefined;
  for (const pod of list.items) {
    if (newest === undefined || isNewer(pod, newest)) newest = pod;
  }
  return newest;
}

/** Orders by creation time, then by name, so the choice is stable within one second. */
function isNewer(candidate: Pod, current: Pod): boolean {
  const a = Date.parse(candidate.metadata.creationTimestamp ?? '');
  const b = Date.parse(current.metadata.creationTimestamp ?? '');
  if (a !== b) return a > b;
  return candidate.metadata.name > current.metadata.name;
}
