/**
 * Worker admission by resource requests. A worker declares a CPU and memory capacity and
 * reserves the effective requests of each attempt it claims until the attempt ends. It claims
 * only attempts that fit what is free, as the Kubernetes scheduler's resource fit does for a node.
 */
import { availableParallelism, totalmem } from 'node:os';
import type { Pod } from '../api/types.js';
import { podRequests, type CpuMemory } from './pod-resources.js';

/** Capacity and requests in whole units: millicores and bytes, so sums are exact. */
interface Units {
  milliCpu: number;
  bytes: number;
}

/** A resource a pod requests more of than the capacity, such as `memory`. */
export type InsufficientResource = 'cpu' | 'memory';

/** A pod that can never run on this worker, because its requests exceed the whole capacity. */
export interface UnfitPod {
  pod: Pod;
  /** The pod's effective requests. */
  requests: CpuMemory;
  insufficient: InsufficientResource[];
}

/** Returns the machine's CPUs and memory, the default capacity of a worker. */
export function hostCapacity(): CpuMemory {
  return { cpu: availableParallelism(), memory: totalmem() };
}

function toUnits(amount: CpuMemory): Units {
  // Rounded up like Quantity.MilliValue() and Value(); the epsilon absorbs float error.
  return { milliCpu: Math.ceil(amount.cpu * 1000 - 1e-6), bytes: Math.ceil(amount.memory) };
}

/** Reservations of the attempts a worker runs, against its capacity. */
export class Admission {
  private readonly capacity: Units;
  private readonly reservations = new Map<string, Units>();

  constructor(capacity: CpuMemory) {
    this.capacity = toUnits(capacity);
  }

  /** CPU (cores) and memory (bytes) not reserved by running attempts. */
  get free(): CpuMemory {
    const free = this.freeUnits();
    return { cpu: free.milliCpu / 1000, memory: free.bytes };
  }

  /** Reserves the pod's requests under `key` until `release(key)`. */
  reserve(key: string, pod: Pod): void {
    this.reservations.set(key, toUnits(podRequests(pod)));
  }

  release(key: string): void {
    this.reservations.delete(key);
  }

  /**
   * Starts one claim pass. The returned batch admits pods while they fit what is free minus the
   * pods it already admitted, and collects the pods that could never fit. It reserves nothing:
   * the caller reserves the pods the store actually claimed.
   */
  startBatch(): AdmissionBatch {
    return new AdmissionBatch(this.capacity, this.freeUnits());
  }

  private freeUnits(): Units {
    let milliCpu = this.capacity.milliCpu;
    let bytes = this.capacity.bytes;
    for (const reserved of this.reservations.values()) {
      milliCpu -= reserved.milliCpu;
      bytes -= reserved.bytes;
    }
    return { milliCpu, bytes };
  }
}

/** Admission decisions of one claim pass. */
export class AdmissionBatch {
  /** Pods seen in this pass whose requests exceed the worker's whole capacity. */
  readonly unfit: UnfitPod[] = [];

  constructor(
    private readonly capacity: Units,
    private free: Units,
  ) {}

  /** Returns whether `pod` fits what is free now, and if so counts it as taken for this pass. */
  admit(pod: Pod): boolean {
    const amounts = podRequests(pod);
    const requests = toUnits(amounts);
    const insufficient = findInsufficient(requests, this.capacity);
    if (insufficient.length > 0) {
      this.unfit.push({ pod, requests: amounts, insufficient });
      return false;
    }
    if (findInsufficient(requests, this.free).length > 0) return false;
    this.free = {
      milliCpu: this.free.milliCpu - requests.milliCpu,
      bytes: this.free.bytes - requests.bytes,
    };
    return true;
  }
}

function findInsufficient(requests: Units, available: Units): InsufficientResource[] {
  const insufficient: InsufficientResource[] = [];
  // Zero requests always fit, as a BestEffort pod fits a node whose resources are all taken.
  if (requests.milliCpu > 0 && requests.milliCpu > available.milliCpu) insufficient.push('cpu');
  if (requests.bytes > 0 && requests.bytes > available.bytes) insufficient.push('memory');
  return insufficient;
}

/**
 * Returns the FailedScheduling message the Kubernetes scheduler gives for a pod that fits no
 * node, for a cluster of this one worker, e.g. `0/1 nodes are available: 1 Insufficient memory.`
 */
export function unschedulableMessage(insufficient: readonly InsufficientResource[]): string {
  const reasons = insufficient.map((resource) => `1 Insufficient ${resource}`).join(', ');
  return `0/1 nodes are available: ${reasons}.`;
}
