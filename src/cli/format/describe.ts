import { describeUnenforcedFields } from '../../api/index.js';
import { SANDBOX_ANNOTATION } from '../../api/annotations.js';
import type { CronJob, Event, Job, Pod } from '../../api/types.js';
import { humanDuration } from './age.js';
import { formatOptionalBool } from './columns.js';
import { writeContainers, writePodTemplate, writeVolumes } from './describe-containers.js';
import {
  DescribeWriter,
  controllerOf,
  formatRfc1123z,
  writeAnnotations,
  writeEvents,
  writeLabels,
} from './describe-writer.js';
import { nextSchedules, scheduleDescription } from './next-schedules.js';
import { formatLabelSelector } from './selector.js';
import { isContainerReady } from './status.js';

/** How many upcoming fire times `describe cronjob` lists. */
export const describedFireTimes = 5;

function orUnset(value: number | string | undefined, suffix = ''): string {
  return value === undefined ? '<unset>' : `${value}${suffix}`;
}

/**
 * Formats `describe cronjob` output: kubectl's layout plus the DST policy, the next fire times
 * and the fields cronmesh stores but does not enforce.
 */
export function describeCronJob(cronJob: CronJob, events: readonly Event[], now: number): string {
  const writer = new DescribeWriter();
  const spec = cronJob.spec;
  writer.line(0, `Name:\t${cronJob.metadata.name}`);
  writer.line(0, `Namespace:\t${cronJob.metadata.namespace ?? ''}`);
  writeLabels(writer, 0, 'Labels', cronJob.metadata.labels);
  writeAnnotations(writer, 0, 'Annotations', cronJob.metadata.annotations);
  writer.line(0, `Schedule:\t${spec.schedule}`);
  const description = scheduleDescription(cronJob);
  if (description !== undefined) writer.line(0, `Schedule Description:\t${description}`);
  writer.line(0, `Time Zone:\t${orUnset(spec.timeZone)}`);
  writer.line(0, `Concurrency Policy:\t${spec.concurrencyPolicy ?? '<unset>'}`);
  writer.line(0, `Suspend:\t${formatOptionalBool(spec.suspend)}`);
  writer.line(0, `Successful Job History Limit:\t${orUnset(spec.successfulJobsHistoryLimit)}`);
  writer.line(0, `Failed Job History Limit:\t${orUnset(spec.failedJobsHistoryLimit)}`);
  writer.line(0, `Starting Deadline Seconds:\t${orUnset(spec.startingDeadlineSeconds, 's')}`);

  const jobSpec = spec.jobTemplate.spec;
  const selector =
    jobSpec.selector === undefined ? '<unset>' : formatLabelSelector(jobSpec.selector);
  writer.line(0, `Selector:\t${selector}`);
  writer.line(0, `Parallelism:\t${orUnset(jobSpec.parallelism)}`);
  writer.line(0, `Completions:\t${orUnset(jobSpec.completions)}`);
  if (jobSpec.activeDeadlineSeconds !== undefined) {
    writer.line(0, `Active Deadline Seconds:\t${jobSpec.activeDeadlineSeconds}s`);
  }
  writePodTemplate(writer, jobSpec.template);

  const lastSchedule = cronJob.status?.lastScheduleTime;
  const lastScheduleText = lastSchedule === undefined ? '<unset>' : formatRfc1123z(lastSchedule);
  writer.line(0, `Last Schedule Time:\t${lastScheduleText}`);
  const active = (cronJob.status?.active ?? []).map((reference) => reference.name ?? '');
  writer.line(0, `Active Jobs:\t${active.length === 0 ? '<none>' : active.join(', ')}`);
  writeNextSchedules(writer, cronJob, now);
  writeList(writer, 'Stored But Not Enforced', describeUnenforcedFields(cronJob));
  writeEvents(writer, events, now);
  return writer.toString();
}

function writeNextSchedules(writer: DescribeWriter, cronJob: CronJob, now: number): void {
  let next;
  try {
    next = nextSchedules(cronJob, now, describedFireTimes);
  } catch (error) {
    writer.line(0, `Next Schedules:\t<invalid schedule: ${(error as Error).message}>`);
    return;
  }
  const policy = next.fromAnnotation ? next.dstPolicy : `${next.dstPolicy} (default)`;
  writer.line(0, `DST Policy:\t${policy}`);
  if (cronJob.spec.suspend === true) {
    writer.line(0, 'Next Schedules:\t<none> (suspended)');
    return;
  }
  const lines = next.times.map((time) => {
    const line = `${time.text} (in ${humanDuration(time.instant - now)})`;
    return time.notes.length === 0 ? line : `${line}  (${time.notes.join('; ')})`;
  });
  writeList(writer, 'Next Schedules', lines);
}

/** Writes a key with one value per line, aligned under the first, or `<none>` when empty. */
function writeList(writer: DescribeWriter, title: string, values: readonly string[]): void {
  if (values.length === 0) {
    writer.line(0, `${title}:\t<none>`);
    return;
  }
  values.forEach((value, index) =>
    writer.line(0, index === 0 ? `${title}:\t${value}` : `\t${value}`),
  );
}

/** Formats `describe job` output in kubectl's layout. */
export function describeJob(job: Job, events: readonly Event[], now: number): string {
  const writer = new DescribeWriter();
  const { spec, status } = job;
  writer.line(0, `Name:\t${job.metadata.name}`);
  writer.line(0, `Namespace:\t${job.metadata.namespace ?? ''}`);
  writer.line(0, `Selector:\t${formatLabelSelector(spec.selector)}`);
  writeLabels(writer, 0, 'Labels', job.metadata.labels);
  writeAnnotations(writer, 0, 'Annotations', job.metadata.annotations);
  const controller = controllerOf(job.metadata);
  if (controller !== undefined) writer.line(0, `Controlled By:\t${controller}`);

  writer.line(0, `Parallelism:\t${spec.parallelism ?? 1}`);
  writer.line(0, `Completions:\t${orUnset(spec.completions)}`);
  if (spec.completionMode !== undefined) writer.line(0, `Completion Mode:\t${spec.completionMode}`);
  writer.line(0, `Suspend:\t${String(spec.suspend ?? false)}`);
  writer.line(0, `Backoff Limit:\t${orUnset(spec.backoffLimit)}`);
  if (spec.ttlSecondsAfterFinished !== undefined) {
    writer.line(0, `TTL Seconds After Finished:\t${spec.ttlSecondsAfterFinished}`);
  }

  const start = status?.startTime;
  const completion = status?.completionTime;
  if (start !== undefined) writer.line(0, `Start Time:\t${formatRfc1123z(start)}`);
  if (completion !== undefined) writer.line(0, `Completed At:\t${formatRfc1123z(completion)}`);
  if (start !== undefined && completion !== undefined) {
    const duration = Date.parse(completion) - Date.parse(start);
    writer.line(0, `Duration:\t${humanDuration(duration)}`);
  }
  if (spec.activeDeadlineSeconds !== undefined) {
    writer.line(0, `Active Deadline Seconds:\t${spec.activeDeadlineSeconds}s`);
  }
  const active = `${status?.active ?? 0} Active (${status?.ready ?? 0} Ready)`;
  const finished = `${status?.succeeded ?? 0} Succeeded / ${status?.failed ?? 0} Failed`;
  writer.line(0, `Pods Statuses:\t${active} / ${finished}`);

  writePodTemplate(writer, spec.template);
  writeEvents(writer, events, now);
  return writer.toString();
}

/** Formats `describe pod` output: one attempt, with the state of each container. */
export function describePod(pod: Pod, events: readonly Event[], now: number): string {
  const writer = new DescribeWriter();
  const status = pod.status;
  writer.line(0, `Name:\t${pod.metadata.name}`);
  writer.line(0, `Namespace:\t${pod.metadata.namespace ?? ''}`);
  if (pod.spec.serviceAccountName !== undefined) {
    writer.line(0, `Service Account:\t${pod.spec.serviceAccountName}`);
  }
  writer.line(0, `Node:\t${pod.spec.nodeName ?? status?.nodeName ?? '<none>'}`);
  // The worker records the sandbox mode when it starts the attempt.
  const sandbox = pod.metadata.annotations?.[SANDBOX_ANNOTATION];
  if (sandbox !== undefined) writer.line(0, `Sandbox:\t${sandbox}`);
  if (status?.startTime !== undefined) {
    writer.line(0, `Start Time:\t${formatRfc1123z(status.startTime)}`);
  }
  writeLabels(writer, 0, 'Labels', pod.metadata.labels);
  writeAnnotations(writer, 0, 'Annotations', pod.metadata.annotations);

  // A stopped pod that waits for deletion shows its final phase, as in `get pods`.
  const terminal = status?.phase === 'Succeeded' || status?.phase === 'Failed';
  const terminating = pod.metadata.deletionTimestamp !== undefined && !terminal;
  writer.line(0, `Status:\t${terminating ? 'Terminating' : (status?.phase ?? 'Pending')}`);
  if (status?.reason !== undefined) writer.line(0, `Reason:\t${status.reason}`);
  if (status?.message !== undefined) writer.line(0, `Message:\t${status.message}`);
  if (status?.heartbeatTime !== undefined) {
    writer.line(0, `Last Heartbeat:\t${formatRfc1123z(status.heartbeatTime)}`);
  }
  const controller = controllerOf(pod.metadata);
  if (controller !== undefined) writer.line(0, `Controlled By:\t${controller}`);

  const initContainers = pod.spec.initContainers ?? [];
  if (initContainers.length > 0) {
    const initStatuses = status?.initContainerStatuses ?? [];
    writeContainers(writer, 0, 'Init Containers', initContainers, initStatuses);
  }
  const statuses = (status?.containerStatuses ?? []).map((containerStatus) => ({
    ...containerStatus,
    ready: isContainerReady(pod, containerStatus),
  }));
  writeContainers(writer, 0, 'Containers', pod.spec.containers, statuses);
  writeVolumes(writer, 0, pod.spec);
  writeLabels(writer, 0, 'Node-Selectors', pod.spec.nodeSelector);
  writeEvents(writer, events, now);
  return writer.toString();
}
