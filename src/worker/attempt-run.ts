import { PROCESS_GROUPS_ANNOTATION, SANDBOX_ANNOTATION } from '../api/annotations.js';
import type { Pod } from '../api/types.js';
import { InvalidAttemptSpecError } from '../runtime/errors.js';
import { initialProbeState } from '../runtime/probes/types.js';
import type { SandboxMode } from '../runtime/sandbox/types.js';
import type { AttemptHooks, AttemptResult, AttemptSpec } from '../runtime/types.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { SchedulerMetrics } from '../util/metrics.js';
import { toRfc3339 } from '../util/time.js';
import { ContainerEventQueue } from './container-events.js';
import { ContainerConfigError, resolveContainer } from './environment.js';
import { setReadyConditions } from './pod-conditions.js';
import { containerStatus, readProcessGroups, terminatedState } from './pod-status.js';
import type { RunningAttempt } from './running-attempt.js';
import { attachSandboxSettings, bindServiceAccountToken } from './sandbox-settings.js';
import { scheduledRunOf } from './schedule-delay.js';
import type { ServiceAccountOptions } from './service-account.js';
import { mountServiceAccountToken } from './service-account.js';
import { materializeVolumes, type AttemptVolumes } from './volumes.js';

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
  /** Settings of the tokens minted for attempts whose pod names a service account. */
  serviceAccounts?: ServiceAccountOptions;
  /** Sandbox mode of the executor, recorded on each pod. Defaults to `none`. */
  sandbox?: SandboxMode;
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

  const sandbox = context.sandbox ?? 'none';
  let spec: AttemptSpec;
  let volumes: AttemptVolumes | undefined;
  try {
    spec = await buildSpec(pod, context);
    volumes = await materializeVolumes(pod, context.store, context.logger);
    await attachSandboxSettings(spec, pod, volumes, sandbox);
  } catch (error) {
    await releaseVolumes(volumes, context.logger, ids);
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

  write((current) => {
    current.metadata.annotations = {
      ...current.metadata.annotations,
      [SANDBOX_ANNOTATION]: sandbox,
    };
  });

  // A sandbox binds serviceAccount.hostDirectory and sets serviceAccount.envAt(its mount path).
  const serviceAccount = await mountServiceAccountToken(pod, {
    ...context,
    options: context.serviceAccounts ?? {},
  }).catch(async (error: unknown) => {
    await releaseVolumes(volumes, context.logger, ids);
    throw error;
  });
  if (serviceAccount !== undefined) {
    for (const container of [...spec.initContainers, ...spec.containers]) {
      const env =
        sandbox === 'bubblewrap'
          ? bindServiceAccountToken(container, serviceAccount)
          : serviceAccount.env;
      container.env = { ...env, ...container.env };
    }
  }

  const observeDelay = scheduleDelayObserver(pod, context.metrics);
  const events = new ContainerEventQueue(pod, context.store, clock, context.logger, ids);
  const probeSpecs = new Map(
    [...spec.initContainers, ...spec.containers].map((c) => [c.name, c.probes]),
  );
  const running = context.executor.run(
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
          Object.assign(status, initialProbeState(probeSpecs.get(container)));
          setReadyConditions(current, clock.now());
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
          Object.assign(status, { started: false, ready: false });
          setReadyConditions(current, clock.now());
        }),
      onContainerRestart: (container, restarts) =>
        write((current) => {
          const status = containerStatus(current, container);
          status.lastState = status.state;
          status.restartCount = restarts;
          status.state = { waiting: { reason: 'CrashLoopBackOff' } };
        }),
      onContainerProbeState: (container, state) =>
        write((current) => {
          Object.assign(containerStatus(current, container), state);
          setReadyConditions(current, clock.now());
        }),
      onContainerEvent: (container, type, reason, message) =>
        events.record(container, type, reason, message),
    },
    attempt.abort.signal,
  );
  const result = await running.finally(async () => {
    await serviceAccount?.release();
    await releaseVolumes(volumes, context.logger, ids);
  });

  write((current) => {
    const status = { ...current.status, phase: result.phase };
    if (result.reason !== undefined) status.reason = result.reason;
    if (result.message !== undefined) status.message = result.message;
    current.status = status;
    for (const run of [...result.initContainers, ...result.containers]) {
      containerStatus(current, run.name).state = terminatedState(run);
    }
    setReadyConditions(current, clock.now());
  });
  await events.flush();
  await attempt.flush();
  const outcome = { ...ids, phase: result.phase, reason: result.reason };
  if (result.phase === 'Failed') context.logger.warn(outcome, 'attempt failed');
  else context.logger.info(outcome, 'attempt succeeded');
}

/** Removes an attempt's volumes and logs each step that failed, such as a tmpfs still mounted. */
async function releaseVolumes(
  volumes: AttemptVolumes | undefined,
  logger: Logger,
  ids: Record<string, string | undefined>,
): Promise<void> {
  const problems = (await volumes?.release()) ?? [];
  if (problems.length > 0) logger.warn({ ...ids, problems }, 'volume cleanup failed');
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
