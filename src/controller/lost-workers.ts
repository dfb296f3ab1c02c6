import type { Pod } from '../api/types.js';
import { ConflictError, NotFoundError } from '../store/errors.js';
import type { Store } from '../store/store.js';
import type { Clock, Timer } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { toRfc3339 } from '../util/time.js';

export const WORKER_LOST_REASON = 'WorkerLost';

/** Prefix of the lease each worker holds while it heartbeats. */
export const WORKER_LEASE_PREFIX = 'worker/';

/** Returns `pod` marked Failed with reason WorkerLost, its running containers terminated. */
export function lostAttempt(pod: Pod, worker: string, now: number): Pod {
  const lost = structuredClone(pod);
  const message = `worker ${worker} stopped while the attempt was running`;
  lost.status = { ...lost.status, phase: 'Failed', reason: WORKER_LOST_REASON, message };
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
  return lost;
}

/** Returns whether `pod` is assigned to a worker and has not finished. */
export function isAssignedAndUnfinished(pod: Pod): boolean {
  const status = pod.status;
  if (!status || status.phase === 'Succeeded' || status.phase === 'Failed') return false;
  return status.nodeName !== undefined;
}

export interface LostWorkerSweeperOptions {
  /** The leader's fenced store, so a deposed leader marks nothing. */
  store: Store;
  clock: Clock;
  logger: Logger;
  /** Time between sweeps. */
  intervalMs?: number;
}

/**
 * Fails the attempts of workers that stopped heartbeating. A worker renews lease
 * `worker/<id>` while it runs. Once that lease expires, the sweeper revokes it, so the worker's
 * later writes are fenced off should it come back. It then marks the worker's unfinished
 * attempts Failed with reason WorkerLost. The Job controller then counts them and retries per backoffLimit.
 */
export class LostWorkerSweeper {
  private timer: Timer | undefined;
  private stopped = false;
  private sweeping: Promise<void> = Promise.resolve();

  constructor(private readonly options: LostWorkerSweeperOptions) {}

  start(): void {
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.sweeping;
  }

  /** Runs one sweep and returns the attempts it marked. */
  async sweep(): Promise<Pod[]> {
    const { store, clock, logger } = this.options;
    // Pods are read before leases: a pod claimed after this read is not looked at, and a pod
    // in it was claimed by a worker that registered its lease before, so the lease is listed.
    const pods = (await store.list<Pod>('Pod')).filter(isAssignedAndUnfinished);
    if (pods.length === 0) return [];
    const leases = new Map(
      (await store.listLeases(WORKER_LEASE_PREFIX)).map((lease) => [lease.name, lease]),
    );

    const marked: Pod[] = [];
    const revoked = new Set<string>();
    for (const pod of pods) {
      const worker = pod.status?.nodeName ?? '';
      const lease = leases.get(`${WORKER_LEASE_PREFIX}${worker}`);
      if (lease !== undefined && lease.holder === worker && !lease.expired) continue;

      if (lease !== undefined && lease.holder !== '' && !revoked.has(lease.name)) {
        await store.revokeLease(lease.name, lease.token);
        revoked.add(lease.name);
        logger.warn({ worker, token: lease.token }, 'worker lease expired');
      }
      try {
        marked.push(await store.update(lostAttempt(pod, worker, clock.now())));
        const ids = { namespace: pod.metadata.namespace, attempt: pod.metadata.name, worker };
        logger.warn(ids, 'attempt lost with its worker');
      } catch (error) {
        // The attempt changed meanwhile, for example it finished or was deleted.
        if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
      }
    }
    return marked;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimer(delayMs, () => {
      this.sweeping = this.sweep()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.options.logger.error({ err: error }, 'lost worker sweep failed'),
        )
        .finally(() => this.schedule(this.options.intervalMs ?? 5000));
    });
  }
}
