import type { Pod } from '../api/types.js';
import type { OutputStream } from '../runtime/types.js';
import { ConflictError, NotFoundError, StoreError } from '../store/errors.js';
import type { Fence } from '../store/lease.js';
import { FencedError } from '../store/lease.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export interface RunningAttemptContext {
  store: Store;
  logger: Logger;
  /** The worker's identity, for log lines. */
  worker: string;
  /** Called when the store rejected a status write because the fence's lease changed hands. */
  onFenced: () => void;
  /** Times the retries of status writes that failed because the store was unreachable. */
  clock: Clock;
}

/** First wait before a status write is sent again after the store was unreachable. */
const RETRY_BASE_MS = 100;
/** Maximum wait between those retries. */
const RETRY_MAX_MS = 5_000;
/** How long a status write is retried before it is given up; the Job then waits for its lease. */
const RETRY_LIMIT_MS = 10 * 60_000;

/**
 * An attempt that the worker has claimed and runs: the controller that stops it, and its store
 * writes. The writes land in the order they were queued, and the status writes carry the fence
 * of the registration the attempt was claimed under. Status writes queued behind a write in
 * flight are applied together by the next write, as kubelet writes the latest pod status
 * rather than every step, so a short process costs fewer writes.
 */
export class RunningAttempt {
  readonly abort = new AbortController();
  /** Settles when the attempt has finished and its results are stored. The worker sets it. */
  done: Promise<void> = Promise.resolve();
  /** Log fields that identify the attempt. */
  readonly ids: Record<string, string | undefined>;
  /**
   * False once the attempt's status must not be written any more, because its lease was lost or
   * a write was fenced after another process declared the attempt lost.
   */
  private writable = true;
  /** Serializes this attempt's store writes so they land in order. */
  private writes: Promise<void> = Promise.resolve();
  /** Mutations of the status write that is queued and not started yet, in queue order. */
  private queuedStatus: ((current: Pod) => void)[] | undefined;
  /**
   * The pod as this attempt last wrote it. A status write starts from it and reads the pod
   * again only when another writer changed it since.
   */
  private latest: Pod;
  private logAppended = false;

  constructor(
    readonly pod: Pod,
    readonly fence: Fence,
    private readonly context: RunningAttemptContext,
  ) {
    this.ids = attemptIds(pod, context.worker);
    this.latest = pod;
  }

  /** Whether any output of the attempt was queued for the store. */
  get wroteLog(): boolean {
    return this.logAppended;
  }

  /** Drops the status writes queued from now on and those not yet sent. */
  stopWriting(): void {
    this.writable = false;
  }

  /**
   * Queues a status write behind the attempt's earlier writes. When a status write is queued
   * and not started yet, `mutate` joins it instead.
   */
  writeStatus(mutate: (current: Pod) => void): void {
    if (this.queuedStatus !== undefined) {
      this.queuedStatus.push(mutate);
      return;
    }
    const mutations = [mutate];
    this.queuedStatus = mutations;
    const applyAll = (current: Pod): void => {
      for (const apply of mutations) apply(current);
    };
    this.writes = this.writes
      .then(() => {
        // From now on a status write queues behind this one instead of joining it.
        if (this.queuedStatus === mutations) this.queuedStatus = undefined;
        return this.retryWhileUnreachable(() => this.updatePod(applyAll));
      })
      .catch((error: unknown) =>
        this.context.logger.error({ ...this.ids, err: error }, 'attempt status write failed'),
      );
  }

  /** Queues a log append behind the attempt's earlier writes. */
  appendLog(container: string, stream: OutputStream, chunk: string, time: number): void {
    // A status write queued after this output must land after it.
    this.queuedStatus = undefined;
    this.logAppended = true;
    const key = {
      namespace: this.pod.metadata.namespace ?? 'default',
      pod: this.pod.metadata.name,
      container,
    };
    this.writes = this.writes
      .then(() => this.context.store.appendLog(key, stream, chunk, time))
      .catch((error: unknown) =>
        this.context.logger.error({ ...this.ids, err: error }, 'log write failed'),
      );
  }

  /** Resolves when the writes queued so far have landed or failed. */
  flush(): Promise<void> {
    return this.writes;
  }

  /**
   * Runs `write` again, with growing waits, while it fails for a reason other than a store error
   * (a lost connection, a restarting database). A status is then not lost in an outage the worker
   * survives, because either its lease outlives the outage or the write is fenced.
   */
  private async retryWhileUnreachable(write: () => Promise<void>): Promise<void> {
    const { clock, logger } = this.context;
    const giveUpAt = clock.now() + RETRY_LIMIT_MS;
    for (let delay = RETRY_BASE_MS; ; delay = Math.min(delay * 2, RETRY_MAX_MS)) {
      try {
        await write();
        return;
      } catch (error) {
        if (error instanceof StoreError || !this.writable || clock.now() >= giveUpAt) throw error;
        logger.warn({ ...this.ids, err: error, retryInMs: delay }, 'attempt status write retried');
        await new Promise<void>((resolve) => clock.setTimer(delay, resolve));
      }
    }
  }

  /**
   * Applies `mutate` to the pod and writes it with the attempt's fence and resourceVersion. When
   * another writer changed the pod since, it reads the pod again and retries. Does nothing once
   * the attempt is not writable or the pod is gone. A fenced write makes it not writable and
   * calls `onFenced`, so the worker checks its lease at once.
   */
  private async updatePod(mutate: (current: Pod) => void): Promise<void> {
    const { store, logger } = this.context;
    const namespace = this.pod.metadata.namespace ?? 'default';
    const name = this.pod.metadata.name;
    for (let attempt = 0; attempt < 10; attempt++) {
      if (!this.writable) return;
      const current =
        attempt === 0
          ? structuredClone(this.latest)
          : await store.find<Pod>('Pod', namespace, name);
      if (!current || current.metadata.uid !== this.pod.metadata.uid) return;
      mutate(current);
      try {
        this.latest = await store.update(current, { fence: this.fence });
        return;
      } catch (error) {
        if (error instanceof NotFoundError) return;
        if (error instanceof FencedError) {
          this.writable = false;
          logger.warn({ ...this.ids, token: this.fence.token }, 'attempt write fenced');
          this.context.onFenced();
          return;
        }
        if (!(error instanceof ConflictError)) throw error;
      }
    }
    throw new Error(`pod ${namespace}/${name}: status write kept conflicting`);
  }
}

/** Returns the ids of an attempt's log lines: its namespace, Job, name and worker. */
export function attemptIds(pod: Pod, worker: string): Record<string, string | undefined> {
  const owner = pod.metadata.ownerReferences?.find((ref) => ref.controller === true);
  return {
    namespace: pod.metadata.namespace ?? 'default',
    job: owner?.kind === 'Job' ? owner.name : undefined,
    attempt: pod.metadata.name,
    worker,
  };
}
