import type { ContainerStatus, Job, JobCondition, Pod } from '../../api/types.js';

function hasCondition(job: Job, type: JobCondition['type']): boolean {
  return (job.status?.conditions ?? []).some(
    (condition) => condition.type === type && condition.status === 'True',
  );
}

/** Returns the STATUS column of `kubectl get jobs` (kubectl 1.28 and later). */
export function jobStatusText(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp !== undefined) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

/** Returns the COMPLETIONS column of `kubectl get jobs`. */
export function jobCompletionsText(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: number;
  /** Milliseconds of the latest container restart, when one is known. */
  lastRestart?: number;
}

/** Computes the READY, STATUS and RESTARTS columns of `kubectl get pods` by kubectl's rules. */
export function summarizePod(pod: Pod): PodSummary {
  const status = pod.status;
  let reason: string = status?.reason ?? status?.phase ?? 'Pending';
  let restarts = 0;
  let lastRestart: number | undefined;
  let readyContainers = 0;

  const noteRestart = (finishedAt: string | undefined): void => {
    const at = finishedAt === undefined ? Number.NaN : Date.parse(finishedAt);
    if (!Number.isNaN(at) && (lastRestart === undefined || at > lastRestart)) lastRestart = at;
  };

  let initializing = false;
  const initStatuses = status?.initContainerStatuses ?? [];
  const initCount = pod.spec.initContainers?.length ?? initStatuses.length;
  for (const [index, container] of initStatuses.entries()) {
    restarts += container.restartCount;
    if (container.restartCount > 0) noteRestart(container.lastState?.terminated?.finishedAt);
    const terminated = container.state?.terminated;
    const waiting = container.state?.waiting;
    if (terminated !== undefined && terminated.exitCode === 0) continue;

    initializing = true;
    if (terminated !== undefined) {
      reason = `Init:${terminated.reason ?? terminationCode(terminated)}`;
    } else if (waiting?.reason !== undefined && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${index}/${initCount}`;
    }
    break;
  }

  if (!initializing) {
    restarts = 0;
    let hasRunning = false;
    for (const container of [...(status?.containerStatuses ?? [])].reverse()) {
      restarts += container.restartCount;
      if (container.restartCount > 0) noteRestart(container.lastState?.terminated?.finishedAt);
      const waiting = container.state?.waiting;
      const terminated = container.state?.terminated;
      if (waiting?.reason !== undefined) {
        reason = waiting.reason;
      } else if (terminated !== undefined) {
        reason = terminated.reason ?? terminationCode(terminated);
      } else if (container.state?.running !== undefined && isContainerReady(pod, container)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }

  // cronmesh keeps the deleted attempts of a Job until the Job controller has counted them, so
  // a stopped pod can carry a deletionTimestamp for long. As kubectl does, such a pod shows its
  // final status, and only a pod that may still run shows Terminating.
  const terminal = status?.phase === 'Succeeded' || status?.phase === 'Failed';
  if (pod.metadata.deletionTimestamp !== undefined && !terminal) reason = 'Terminating';

  const summary: PodSummary = {
    ready: `${readyContainers}/${pod.spec.containers.length}`,
    status: reason,
    restarts,
  };
  if (lastRestart !== undefined) summary.lastRestart = lastRestart;
  return summary;
}

/**
 * Returns whether a regular (not init) container of `pod` is ready. Pods written before the
 * worker ran probes never carry `ready: true`, so a running container without probes counts as
 * ready, as kubelet reports it. With a readinessProbe only the status decides, and with a
 * startupProbe the container is not ready before that probe passed (`started`).
 */
export function isContainerReady(pod: Pod, status: ContainerStatus): boolean {
  if (status.ready === true) return true;
  if (status.state?.running === undefined) return false;
  const container = pod.spec.containers.find((candidate) => candidate.name === status.name);
  if (container === undefined || hasProbe(container.readinessProbe)) return false;
  return !hasProbe(container.startupProbe) || status.started === true;
}

function hasProbe(probe: unknown): boolean {
  return probe !== undefined && probe !== null;
}

function terminationCode(terminated: { exitCode: number; signal?: number }): string {
  if (terminated.signal !== undefined && terminated.signal !== 0) {
    return `Signal:${terminated.signal}`;
  }
  return `ExitCode:${terminated.exitCode}`;
}
