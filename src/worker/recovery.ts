import type { Pod } from '../api/types.js';
import { isAssignedAndUnfinished, lostAttempt } from '../controller/lost-workers.js';
import { ConflictError, NotFoundError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../util/logger.js';
import { readProcessGroups } from './pod-status.js';

export { WORKER_LOST_REASON } from '../controller/lost-workers.js';

/**
 * Fails every attempt claimed by a worker other than `liveWorkerIds`: after a crash their
 * processes are gone from cronmesh's view. The Job controller then counts the failure and
 * retries per backoffLimit. Returns the attempts marked.
 *
 * This is the start-up recovery of a single `serve` on SQLite, where every earlier worker id is
 * dead by definition. With several processes on one store, the leader's LostWorkerSweeper
 * distinguishes lost workers from live ones by their heartbeat leases instead.
 */
export async function failLostAttempts(
  store: Store,
  liveWorkerIds: Set<string>,
  now: number,
  logger: Logger,
): Promise<Pod[]> {
  const marked: Pod[] = [];
  for (const pod of await store.list<Pod>('Pod')) {
    if (!isAssignedAndUnfinished(pod)) continue;
    const worker = pod.status?.nodeName ?? '';
    if (liveWorkerIds.has(worker)) continue;

    const lost = lostAttempt(pod, worker, now);
    killProcessGroups(lost, logger);
    try {
      marked.push(await store.update(lost));
      logger.warn(
        { namespace: pod.metadata.namespace, attempt: pod.metadata.name, worker },
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
