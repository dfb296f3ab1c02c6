import type { Pod } from '../api/types.js';

/**
 * A lease, shaped like a Kubernetes coordination.k8s.io Lease: one holder at a time, kept by
 * renewing it before `renewTime + durationMs`. `token` increases each time the lease changes
 * hands, so it works as a fencing token: a write that carries an old token is rejected.
 */
export interface Lease {
  name: string;
  /** The holder's identity; empty after the lease was revoked. */
  holder: string;
  token: number;
  /** Milliseconds since the epoch, by the store's clock (the database server's for PostgreSQL). */
  renewTime: number;
  durationMs: number;
}

/** A lease as listed, with whether it has expired by the store's clock now. */
export interface LeaseStatus extends Lease {
  expired: boolean;
}

/** Makes a write conditional on `holder` still holding lease `lease` with `token`. */
export interface Fence {
  lease: string;
  holder: string;
  token: number;
}

/**
 * A fenced write was rejected because its lease has changed hands (or was revoked) since the
 * writer acquired it: the writer is a deposed leader or a worker declared lost.
 */
export class FencedError extends Error {
  readonly code = 'Fenced';

  constructor(readonly fence: Fence) {
    super(
      `lease ${JSON.stringify(fence.lease)} is no longer held by ${JSON.stringify(fence.holder)} ` +
        `with token ${fence.token}, so the write was rejected`,
    );
    this.name = 'FencedError';
  }
}

/** The pending attempts (Pods) a worker may claim, and how many of them. */
export interface ClaimRequest {
  /** The worker's identity, written to `status.nodeName`. */
  worker: string;
  /** The worker's labels; a Pod is claimable when its `spec.nodeSelector` is a subset. */
  labels: Record<string, string>;
  limit: number;
  /** The claim time, written to `status.startTime`. */
  now: number;
  fence?: Fence;
  /**
   * Called in claim order on each claimable pod; a pod it returns false for stays Pending and
   * does not count against `limit`. Worker admission reserves the pod's requests here.
   */
  admit?: (pod: Pod) => boolean;
}
