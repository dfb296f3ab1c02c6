import type { Pod } from '../api/types.js';
import { isAssignedAndUnfinished, lostAttempt } from '../controller/lost-workers.js';
import { ConflictError } from '../store/errors.js';
import type { Fence } from '../store/lease.js';
import { FencedError } from '../store/lease.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface AbandonedAttemptsOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The worker's identity, the nodeName of its attempts. */
  worker: string;
  /** Returns the fence of the worker's current registration, undefined while unregistered. */
  fence: () => Fence | undefined;
}

/**
 * Attempts that the worker stopped because its lease was lost, and that still need their Failed
 * status. The lost-worker sweeper fails the attempts it listed before it revoked the lease, but
 * an attempt claimed between that listing and the revocation would stay Running forever under a
 * worker that holds its lease again. So the worker marks each one Failed with reason WorkerLost
 * itself, once the attempt's processes have stopped and the worker is registered again. An
 * attempt that the sweeper has marked already, or that was deleted, is left alone.
 */
export class AbandonedAttempts {
  /** By pod uid. */
  private readonly pending = new Map<string, Pod>();
  private marking: Promise<void> = Promise.resolve();

  constructor(private readonly options: AbandonedAttemptsOptions) {}

  get size(): number {
    return this.pending.size;
  }

  /** Records a stopped attempt of a lost lease and marks it as soon as the worker is registered. */
  add(pod: Pod): void {
    this.pending.set(pod.metadata.uid ?? pod.metadata.name, pod);
    this.markSoon();
  }

  /** Queues a pass over the pending attempts. A pass does nothing while the worker is unregistered. */
  markSoon(): void {
    this.marking = this.marking.then(() => this.markPending());
  }

  /** Resolves when the passes queued so far have finished. */
  idle(): Promise<void> {
    return this.marking;
  }

  private async markPending(): Promise<void> {
    for (const [uid, pod] of this.pending) {
      const fence = this.options.fence();
      if (fence === undefined) return;
      try {
        await this.mark(pod, fence);
        this.pending.delete(uid);
      } catch (error) {
        // A fenced write means the new registration is lost too, so the next registration tries
        // again. After any other failure the next pass does.
        const ids = { ...attemptIdsOf(pod), worker: this.options.worker, err: error };
        if (error instanceof FencedError) this.options.logger.warn(ids, 'attempt write fenced');
        else this.options.logger.error(ids, 'marking a lost attempt failed');
        return;
      }
    }
  }

  private async mark(pod: Pod, fence: Fence): Promise<void> {
    const { store, clock, logger, worker } = this.options;
    const namespace = pod.metadata.namespace ?? 'default';
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await store.find<Pod>('Pod', namespace, pod.metadata.name);
      if (current === undefined || current.metadata.uid !== pod.metadata.uid) return;
      if (!isAssignedAndUnfinished(current) || current.status?.nodeName !== worker) return;
      try {
        await store.update(lostAttempt(current, worker, clock.now()), { fence });
        logger.warn({ ...attemptIdsOf(pod), worker }, 'attempt lost with the worker lease');
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new Error(`pod ${namespace}/${pod.metadata.name}: status write kept conflicting`);
  }
}

function attemptIdsOf(pod: Pod): { namespace: string; attempt: string } {
  return { namespace: pod.metadata.namespace ?? 'default', attempt: pod.metadata.name };
}
