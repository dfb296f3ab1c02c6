import { PROCESS_GROUPS_ANNOTATION } from '../api/annotations.js';
import type { ContainerStatus, Pod } from '../api/types.js';
import type { ContainerResult } from '../runtime/types.js';
import { toRfc3339 } from '../util/time.js';

/** Builds the Kubernetes `terminated` container state from one run's result. */
export function terminatedState(result: ContainerResult): NonNullable<ContainerStatus['state']> {
  const terminated: NonNullable<NonNullable<ContainerStatus['state']>['terminated']> = {
    exitCode: result.exitCode,
    reason: result.reason,
    startedAt: toRfc3339(result.startedAt),
    finishedAt: toRfc3339(result.finishedAt),
  };
  if (result.message !== undefined) terminated.message = result.message;
  return { terminated };
}

/** Returns the status entry of `name`, creating it in the init or regular list as needed. */
export function containerStatus(pod: Pod, name: string): ContainerStatus {
  const status = pod.status ?? { phase: 'Pending' };
  pod.status = status;
  const isInit = (pod.spec.initContainers ?? []).some((container) => container.name === name);
  const list = isInit ? (status.initContainerStatuses ??= []) : (status.containerStatuses ??= []);
  let entry = list.find((candidate) => candidate.name === name);
  if (!entry) {
    entry = {
      name,
      restartCount: 0,
      ready: false,
      state: { waiting: { reason: 'PodInitializing' } },
    };
    list.push(entry);
  }
  return entry;
}

/** Returns the process group id of each container the attempt started, by container name. */
export function readProcessGroups(pod: Pod): Record<string, number> {
  const text = pod.metadata.annotations?.[PROCESS_GROUPS_ANNOTATION];
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const groups: Record<string, number> = {};
    for (const [name, pid] of Object.entries(parsed)) {
      if (Number.isInteger(pid) && (pid as number) > 1) groups[name] = pid as number;
    }
    return groups;
  } catch {
    return {};
  }
}
