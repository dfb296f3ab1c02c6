import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerStatus, Pod, PodPhase } from '../../../src/api/types.js';
import {
  MAX_POD_FAILURE_BACKOFF_MS,
  POD_FAILURE_BACKOFF_MS,
  remainingBackoff,
} from '../../../src/controller/job/backoff.js';
import { finishTime } from '../../../src/controller/job/pods.js';

// Cases follow kubernetes/kubernetes pkg/controller/job/backoff_utils_test.go
// (TestNewBackoffRecord, TestGetFinishedTime, TestGetRemainingBackoffTime), with the delays
// rewritten for the controller's constants: 10 s doubling, capped at 600 s.

/** 2009-11-10T23:00:00Z, the reference instant of the upstream cases. */
const T = Date.parse('2009-11-10T23:00:00Z');
const SECOND = 1000;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function terminated(finishedAt: number | undefined, name = 'main'): ContainerStatus {
  return {
    name,
    restartCount: 0,
    state: {
      terminated: {
        exitCode: 1,
        ...(finishedAt === undefined ? {} : { finishedAt: iso(finishedAt) }),
      },
    },
  };
}

function running(name = 'main'): ContainerStatus {
  return { name, restartCount: 0, state: { running: { startedAt: iso(T - 60 * SECOND) } } };
}

function finishedPod(phase: PodPhase, at: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `pod-${phase}-${at}`,
      namespace: 'default',
      creationTimestamp: iso(T - 3600 * SECOND),
    },
    spec: { containers: [{ name: 'main' }] },
    status: { phase, containerStatuses: [terminated(at)] },
  };
}

function failedAt(...instants: number[]): Pod[] {
  return instants.map((at) => finishedPod('Failed', at));
}

function succeededAt(...instants: number[]): Pod[] {
  return instants.map((at) => finishedPod('Succeeded', at));
}

void describe('remainingBackoff', () => {
  void it('uses the Kubernetes constants', () => {
    assert.equal(POD_FAILURE_BACKOFF_MS, 10 * SECOND);
    assert.equal(MAX_POD_FAILURE_BACKOFF_MS, 600 * SECOND);
  });

  const elapsedCases: Array<{
    name: string;
    failures: number;
    elapsedMs: number;
    expectedMs: number;
  }> = [
    { name: 'no failures', failures: 0, elapsedMs: 0, expectedMs: 0 },
    { name: 'one failure, just now', failures: 1, elapsedMs: 0, expectedMs: 10 * SECOND },
    { name: 'one failure, 1 s ago', failures: 1, elapsedMs: SECOND, expectedMs: 9 * SECOND },
    { name: 'one failure, delay elapsed', failures: 1, elapsedMs: 10 * SECOND, expectedMs: 0 },
    { name: 'one failure, 1 s past delay', failures: 1, elapsedMs: 11 * SECOND, expectedMs: 0 },
    { name: 'three failures, just now', failures: 3, elapsedMs: 0, expectedMs: 40 * SECOND },
    { name: 'seven failures reach the cap', failures: 7, elapsedMs: 0, expectedMs: 600 * SECOND },
    { name: 'nine failures stay at cap', failures: 9, elapsedMs: 0, expectedMs: 600 * SECOND },
  ];
  for (const { name, failures, elapsedMs, expectedMs } of elapsedCases) {
    void it(name, () => {
      // Earlier failures finished one millisecond apart, the last one at T.
      const pods = failedAt(...Array.from({ length: failures }, (_, i) => T - i));
      assert.equal(remainingBackoff(pods, T + elapsedMs), expectedMs);
    });
  }

  void it('doubles per failure up to the cap', () => {
    const delays: number[] = [];
    for (let failures = 1; failures <= 8; failures++) {
      const pods = failedAt(...Array.from({ length: failures }, (_, i) => T - i));
      delays.push(remainingBackoff(pods, T) / SECOND);
    }
    assert.deepEqual(delays, [10, 20, 40, 80, 160, 320, 600, 600]);
  });

  void it('counts two new failures', () => {
    assert.equal(remainingBackoff(failedAt(T, T - 1), T), 20 * SECOND);
  });

  void it('resets after a later success', () => {
    const pods = [...failedAt(T - 2, T - 1), ...succeededAt(T)];
    assert.equal(remainingBackoff(pods, T), 0);
  });

  void it('counts failures after the last success', () => {
    const pods = [...succeededAt(T - 2), ...failedAt(T, T - 4, T - 3, T - 1)];
    // Two failures (T - 1 and T) finished after the success, the last one at T.
    assert.equal(remainingBackoff(pods, T), 20 * SECOND);
  });

  void it('adds a failure to earlier ones', () => {
    assert.equal(remainingBackoff(failedAt(T - 2 * SECOND, T - SECOND, T), T), 40 * SECOND);
  });

  void it('ignores failure tied with success', () => {
    const pods = [...succeededAt(T), ...failedAt(T)];
    assert.equal(remainingBackoff(pods, T), 0);
  });

  void it('is zero after only a success', () => {
    assert.equal(remainingBackoff(succeededAt(T), T), 0);
  });

  void it('ignores running pods', () => {
    const pod: Pod = {
      ...finishedPod('Running', T),
      status: { phase: 'Running', containerStatuses: [running()] },
    };
    assert.equal(remainingBackoff([pod], T), 0);
  });
});

void describe('finishTime', () => {
  function podWith(statuses: ContainerStatus[], metadata: Partial<Pod['metadata']> = {}): Pod {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'p',
        namespace: 'default',
        creationTimestamp: iso(T - 3600 * SECOND),
        ...metadata,
      },
      spec: { containers: statuses.map((status) => ({ name: status.name })) },
      status: { phase: 'Failed', containerStatuses: statuses },
    };
  }

  void it('takes the latest container finish', () => {
    const pod = podWith([
      terminated(T - SECOND, 'a'),
      terminated(T, 'b'),
      terminated(T - 2 * SECOND, 'c'),
    ]);
    assert.equal(finishTime(pod), T);
  });

  void it('uses deletion time when one still runs', () => {
    const pod = podWith(
      [terminated(T - SECOND, 'a'), running('b'), terminated(T - 2 * SECOND, 'c')],
      {
        deletionTimestamp: iso(T),
      },
    );
    assert.equal(finishTime(pod), T);
  });

  void it('uses deletion time when none finished', () => {
    const pod = podWith([running('a')], { deletionTimestamp: iso(T) });
    assert.equal(finishTime(pod), T);
  });

  void it('falls back to creation time', () => {
    const pod = podWith([terminated(undefined)], { creationTimestamp: iso(T) });
    assert.equal(finishTime(pod), T);
  });

  void it('counts a sidecar that ends last', () => {
    const pod = podWith([terminated(T - SECOND, 'main')]);
    pod.spec.initContainers = [{ name: 'sidecar', restartPolicy: 'Always' }];
    pod.status = {
      phase: 'Failed',
      containerStatuses: [terminated(T - SECOND, 'main')],
      initContainerStatuses: [terminated(T, 'sidecar')],
    };
    assert.equal(finishTime(pod), T);
  });
});
