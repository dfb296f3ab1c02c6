import type { Pod, PodCondition } from '../api/types.js';
import { toRfc3339 } from '../util/time.js';

/**
 * Sets the pod's `ContainersReady` and `Ready` conditions from its container statuses, as
 * kubelet does. They are True when every regular container is ready, and False with the
 * unready names while the pod runs. A finished pod gets False with reason `PodCompleted`
 * after success and `PodFailed` after failure.
 */
export function setReadyConditions(pod: Pod, now: number): void {
  const status = pod.status ?? { phase: 'Pending' };
  pod.status = status;

  let next: Omit<PodCondition, 'type'>;
  if (status.phase === 'Succeeded') {
    next = { status: 'False', reason: 'PodCompleted' };
  } else if (status.phase === 'Failed') {
    next = { status: 'False', reason: 'PodFailed' };
  } else {
    const statuses = status.containerStatuses ?? [];
    const unready = pod.spec.containers
      .map((container) => container.name)
      .filter((name) => statuses.find((entry) => entry.name === name)?.ready !== true);
    next =
      unready.length === 0
        ? { status: 'True' }
        : {
            status: 'False',
            reason: 'ContainersNotReady',
            message: `containers with unready status: [${unready.join(' ')}]`,
          };
  }

  const conditions = (status.conditions ??= []);
  for (const type of ['ContainersReady', 'Ready']) {
    setCondition(conditions, type, next, now);
  }
}

function setCondition(
  conditions: PodCondition[],
  type: string,
  next: Omit<PodCondition, 'type'>,
  now: number,
): void {
  const index = conditions.findIndex((condition) => condition.type === type);
  const previous = conditions[index];
  const transitioned = previous?.status !== next.status;
  const condition: PodCondition = {
    type,
    ...next,
    lastTransitionTime:
      transitioned || previous.lastTransitionTime === undefined
        ? toRfc3339(now)
        : previous.lastTransitionTime,
  };
  if (index === -1) conditions.push(condition);
  else conditions[index] = condition;
}
