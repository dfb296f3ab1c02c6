import type { Pod } from '../api/types.js';
import { ConflictError, NotFoundError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { toRfc3339 } from '../util/time.js';
import { readProcessGroups } from './pod-status.js';

export const WORKER_LOST_REASON = 'WorkerLost';

/**
 * Fails every attempt claimed by a worker other than `liveWorkerIds`: after a crash their
 * processes are gone from cronmesh's view. The Job controller then counts the failure and
 * retries per backoffLimit. Returns the attempts marked.
 *
 * NOTE: with one process on SQLite every earlier worker id is dead by definition. Several
 * workers on a shared store need heartbeats to tell a live worker from a lost one.
 */
export async function failLostAttempts(
  store: Store,
  liveWorkerIds: Set<string>,
  now: number,
  logger: Logger,
): Promise<Pod[]> {
  const marked: Pod[] = [];
  for (const pod of await store.list<Pod>('Pod')) {
    const status = pod.status;
    if (!status || status.phase === 'Succeeded' || status.phase === 'Failed') continue;
    if (status.nodeName === undefined || liveWorkerIds.has(status.nodeName)) continue;

    const lost = structuredClone(pod);
    const message = `worker ${status.nodeName} stopped while the attempt was running`;
    lost.status = { ...status, phase: 'Failed', reason: WORKER_LOST_REASON, message };
    for (const container of [
      ...(lost.status.containerStatuses ?? []),
      ...(lost.status.initContainerStatuses ?? []),
    ]) {
      if (container.state?.terminated) continue;
      container.state = {
        terminated: {
          exitCode: 137,
          reason: WORKER_LOST_REASON,
          message,
          finishedAt: toRfc3339(now),
          ...(container.state?.running ? { startedAt: container.state.running.startedAt } : {}),
        },
      };
    }
    killProcessGroups(lost, logger);
    try {
      marked.push(await store.update(lost));
      logger.warn(
        { namespace: pod.metadata.namespace, pod: pod.metadata.name, worker: status.nodeName },
        'attempt lost with its worker',
      );
    } catch (error) {
      if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
    }
  }
  return marked;
}

/**
 * Sends SIGKILL to the process groups an attempt recorded, so a crashed server's children do
 * not run on unobserved. NOTE: a group id reused by an unrelated process since the crash would
 * be killed too. Linux hands out ids in order and wraps around, so reuse within a restart is rare.
 */
function killProcessGroups(pod: Pod, logger: Logger): void {
  for (const [container, pgid] of Object.entries(readProcessGroups(pod))) {
    try {
      process.kill(-pgid, 'SIGKILL');
      logger.warn(
        { namespace: pod.metadata.namespace, pod: pod.metadata.name, container, pgid },
        'killed processes of a lost attempt',
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') {
        logger.error(
          {
            namespace: pod.metadata.namespace,
            pod: pod.metadata.name,
            container,
            pgid,
            err: error,
          },
          'could not kill processes of a lost attempt',
        );
      }
    }
  }
}
