import { PROCESS_GROUPS_ANNOTATION } from '../api/annotations.js';
import type { Pod } from '../api/types.js';
import { InvalidAttemptSpecError } from '../runtime/errors.js';
import type { AttemptHooks, AttemptResult, AttemptSpec } from '../runtime/types.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import { toRfc3339 } from '../util/time.js';
import { ContainerConfigError, resolveContainer } from './environment.js';
import { containerStatus, readProcessGroups, terminatedState } from './pod-status.js';
import type { RunningAttempt } from './running-attempt.js';
import { scheduledRunOf } from './schedule-delay.js';

/** Runs one attempt; ProcessExecutor from runtime/ is the implementation. */
export interface Executor {
  run(spec: AttemptSpec, hooks: AttemptHooks, signal?: AbortSignal): Promise<AttemptResult>;
}

export const DEFAULT_LOG_CAP_BYTES = 4 * 1024 * 1024;

export interface AttemptRunContext {
  store: Store;
  clock: Clock;
  executor: Executor;
  logger: Logger;
  metrics: SchedulerMetrics | undefined;
  /** Maximum bytes of output stored per attempt. */
  logCapBytes: number;
}

/**
 * Runs a claimed attempt through the executor and reports its progress as the pod's status, as
 * kubelet does: container states, restarts, process groups, the output, and the final phase.
 */
export async function runAttempt(
  attempt: RunningAttempt,
  context: AttemptRunContext,
): Promise<void> {
  const { clock } = context;
  const pod = attempt.pod;
  const ids = attempt.ids;
  const write = (mutate: (current: Pod) => void): void => attempt.writeStatus(mutate);

  let spec: AttemptSpec;
  try {
    spec = await buildSpec(pod, context);
  } catch (error) {
    if (!(error instanceof ContainerConfigError)) throw error;
    write((current) => {
      current.status = {
        ...current.status,
        phase: 'Failed',
        reason: error.code,
        message: error.message,
      };
    });
    await attempt.flush();
    const fields = { ...ids, phase: 'Failed', reason: error.code, err: error };
    context.logger.warn(fields, 'attempt failed');
    return;
  }

  const observeDelay = scheduleDelayObserver(pod, context.metrics);
  const result = await context.executor.run(
    spec,
    {
      now: () => clock.now(),
      onOutput: (container, stream, chunk) => {
        attempt.appendLog(container, stream, chunk, clock.now());
      },
      onContainerStart: (container, startedAt, pid) => {
        observeDelay(startedAt);
        write((current) => {
          const status = containerStatus(current, container);
          status.state = { running: { startedAt: toRfc3339(startedAt) } };
          const groups = readProcessGroups(current);
          groups[container] = pid;
          current.metadata.annotations = {
            ...current.metadata.annotations,
            [PROCESS_GROUPS_ANNOTATION]: JSON.stringify(groups),
          };
        });
      },
      onContainerExit: (container, run) =>
        write((current) => {
          const status = containerStatus(current, container);
          status.state = terminatedState(run);
        }),
      onContainerRestart: (container, restarts) =>
        write((current) => {
          const status = containerStatus(current, container);
          status.lastState = status.state;
          status.restartCount = restarts;
          status.state = { waiting: { reason: 'CrashLoopBackOff' } };
        }),
    },
    attempt.abort.signal,
  );

  write((current) => {
    const status = { ...current.status, phase: result.phase };
    if (result.reason !== undefined) status.reason = result.reason;
    if (result.message !== undefined) status.message = result.message;
    current.status = status;
    for (const run of [...result.initContainers, ...result.containers]) {
      containerStatus(current, run.name).state = terminatedState(run);
    }
  });
  await attempt.flush();
  const outcome = { ...ids, phase: result.phase, reason: result.reason };
  if (result.phase === 'Failed') context.logger.warn(outcome, 'attempt failed');
  else context.logger.info(outcome, 'attempt succeeded');
}

/**
 * Describes why an attempt could not run. An InvalidAttemptSpecError names only the field,
 * because its message contains the value, which may come from a Secret.
 */
export function describeRunError(error: unknown): string {
  if (error instanceof InvalidAttemptSpecError) {
    return `invalid attempt spec field ${error.field}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Returns the function that reports the schedule delay at the attempt's first process start,
 * once, or a no-op when the attempt is not the first of a CronJob's Job.
 */
function scheduleDelayObserver(
  pod: Pod,
  metrics: SchedulerMetrics | undefined,
): (startedAt: number) => void {
  if (metrics === undefined) return () => undefined;
  const run = scheduledRunOf(pod);
  if (run === undefined) return () => undefined;
  let observed = false;
  return (startedAt) => {
    if (observed) return;
    observed = true;
    metrics.attemptStarted(run.cronJob, Math.max(0, startedAt - run.scheduledAt) / 1000);
  };
}

async function buildSpec(pod: Pod, context: AttemptRunContext): Promise<AttemptSpec> {
  const { store } = context;
  const initContainers = [];
  for (const container of pod.spec.initContainers ?? []) {
    initContainers.push(await resolveContainer(pod, container, store));
  }
  const containers = [];
  for (const container of pod.spec.containers) {
    containers.push(await resolveContainer(pod, container, store));
  }
  const spec: AttemptSpec = {
    id: pod.metadata.uid,
    initContainers,
    containers,
    restartPolicy: pod.spec.restartPolicy === 'OnFailure' ? 'OnFailure' : 'Never',
    logCapBytes: context.logCapBytes,
  };
  if (pod.spec.terminationGracePeriodSeconds !== undefined) {
    spec.terminationGracePeriodSeconds = pod.spec.terminationGracePeriodSeconds;
  }
  return spec;
}
