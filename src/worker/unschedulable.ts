/**
 * Reports attempts that request more CPU or memory than a worker's whole capacity, which stay
 * Pending, with a FailedScheduling Warning event like the one the Kubernetes scheduler records.
 */
import { StoreEventRecorder } from '../controller/events.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { unschedulableMessage, type UnfitPod } from './admission.js';
import type { CpuMemory } from './pod-resources.js';

/** Pods remembered as reported; the oldest are forgotten beyond this, and reported again. */
const MAX_REPORTED = 10_000;

export interface UnschedulableReporterOptions {
  id: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  capacity: CpuMemory;
}

export class UnschedulableReporter {
  private readonly recorder: StoreEventRecorder;
  /** Uids of the pods already reported, in insertion order. */
  private readonly reported = new Set<string>();

  constructor(private readonly options: UnschedulableReporterOptions) {
    this.recorder = new StoreEventRecorder(options.store, options.clock, 'default-scheduler', {
      logger: options.logger,
    });
  }

  /** Records one event per pod, once per pod and worker, without waiting for the writes. */
  report(unfit: readonly UnfitPod[]): void {
    for (const { pod, requests, insufficient } of unfit) {
      const uid = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (this.reported.has(uid)) continue;
      this.remember(uid);
      const { capacity, id } = this.options;
      const message =
        `${unschedulableMessage(insufficient)} Worker ${id} has a capacity of ` +
        `${describe(capacity)}, and the pod requests ${describe(requests)}.`;
      this.recorder.record(pod, 'Warning', 'FailedScheduling', message).catch((error: unknown) => {
        const fields = { worker: id, namespace: pod.metadata.namespace, pod: pod.metadata.name };
        this.options.logger.error({ ...fields, err: error }, 'recording FailedScheduling failed');
      });
    }
  }

  private remember(uid: string): void {
    this.reported.add(uid);
    if (this.reported.size <= MAX_REPORTED) return;
    const oldest = this.reported.values().next().value;
    if (oldest !== undefined) this.reported.delete(oldest);
  }
}

function describe(amount: CpuMemory): string {
  return `${amount.cpu} CPU and ${amount.memory} bytes of memory`;
}
