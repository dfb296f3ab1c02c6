import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type {
  ConfigMap,
  Container,
  Event,
  Job,
  Pod,
  PodCondition,
  PodPhase,
  Secret,
} from '../../src/api/types.js';
import { syncJob } from '../../src/controller/job/sync.js';
import { ProcessExecutor } from '../../src/runtime/index.js';
import { FakeClock, SystemClock } from '../../src/util/clock.js';
import { silentLogger } from '../../src/util/logger.js';
import {
  ContainerEventQueue,
  EVENT_BURST,
  EVENT_REFILL_MS,
} from '../../src/worker/container-events.js';
import { resolveContainer } from '../../src/worker/environment.js';
import { setReadyConditions } from '../../src/worker/pod-conditions.js';
import { Worker } from '../../src/worker/worker.js';
import { openTempStore, type TempStore } from '../support/temp-store.js';
import { waitFor } from '../support/wait.js';

const clock = new SystemClock();
const NAMESPACE = 'default';

let temp: TempStore;
let worker: Worker | undefined;
beforeEach(async () => {
  temp = await openTempStore(clock);
});
afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  await temp.cleanup();
});

function readinessTemplate(readyFile: string, stopFile: string): Job['spec']['template'] {
  return {
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 5,
      containers: [
        {
          name: 'main',
          command: ['/bin/sh', '-c', `while [ ! -f ${stopFile} ]; do sleep 0.1; done`],
          readinessProbe: { exec: { command: ['test', '-f', readyFile] }, periodSeconds: 1 },
        },
      ],
    },
  };
}

async function createJobWithPod(
  template: Job['spec']['template'],
  jobSpec: Partial<Job['spec']> = {},
): Promise<Job> {
  const job = await temp.store.create<Job>(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'probed', namespace: NAMESPACE },
      spec: { ...jobSpec, template },
    },
    clock.now(),
  );
  const uid = job.metadata.uid ?? '';
  await temp.store.create<Pod>(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'probed-abcde',
        namespace: NAMESPACE,
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: 'probed', uid, controller: true },
        ],
      },
      spec: template.spec,
      status: { phase: 'Pending' },
    },
    clock.now(),
  );
  return job;
}

async function podWhen(description: string, check: (pod: Pod) => boolean): Promise<Pod> {
  return waitFor(description, async () => {
    const pod = await temp.store.find<Pod>('Pod', NAMESPACE, 'probed-abcde');
    return pod !== undefined && check(pod) ? pod : undefined;
  });
}

async function jobReadyCount(): Promise<number | undefined> {
  const recorder = { record: () => Promise.resolve() };
  await syncJob(NAMESPACE, 'probed', { store: temp.store, recorder, now: clock.now() });
  const job = await temp.store.find<Job>('Job', NAMESPACE, 'probed');
  return job?.status?.ready;
}

function condition(pod: Pod, type: string): string | undefined {
  const found = pod.status?.conditions?.find((entry) => entry.type === type);
  return found === undefined ? undefined : `${found.status} ${found.reason ?? ''}`.trim();
}

void describe('worker probes', () => {
  void it(
    'sets container readiness, pod conditions and Job ready',
    { timeout: 30_000 },
    async () => {
      const readyFile = join(temp.dataDir, 'ready');
      const stopFile = join(temp.dataDir, 'stop');
      await createJobWithPod(readinessTemplate(readyFile, stopFile));
      worker = new Worker({
        id: 'probe-worker',
        store: temp.store,
        clock,
        executor: new ProcessExecutor({ clock }),
        logger: silentLogger,
        concurrency: 1,
        pollIntervalMs: 100,
      });
      worker.start();

      const unready = await podWhen('the container to run unready', (pod) =>
        (pod.status?.containerStatuses ?? []).some((status) => status.state?.running !== undefined),
      );
      assert.equal(unready.status?.containerStatuses?.[0]?.started, true);
      assert.equal(unready.status?.containerStatuses?.[0]?.ready, false);
      assert.equal(condition(unready, 'Ready'), 'False ContainersNotReady');
      assert.equal(
        unready.status?.conditions?.find((entry) => entry.type === 'Ready')?.message,
        'containers with unready status: [main]',
      );
      assert.equal(await jobReadyCount(), 0);

      writeFileSync(readyFile, '');
      const ready = await podWhen(
        'the container to become ready',
        (pod) => pod.status?.containerStatuses?.[0]?.ready === true,
      );
      assert.equal(condition(ready, 'Ready'), 'True');
      assert.equal(condition(ready, 'ContainersReady'), 'True');
      assert.equal(await jobReadyCount(), 1);

      rmSync(readyFile);
      const again = await podWhen(
        'the container to become unready',
        (pod) => pod.status?.containerStatuses?.[0]?.ready === false,
      );
      assert.equal(condition(again, 'Ready'), 'False ContainersNotReady');
      assert.equal(await jobReadyCount(), 0);

      writeFileSync(stopFile, '');
      const finished = await podWhen(
        'the pod to succeed',
        (pod) => pod.status?.phase === 'Succeeded',
      );
      assert.equal(condition(finished, 'Ready'), 'False PodCompleted');
      assert.equal(finished.status?.containerStatuses?.[0]?.ready, false);
      assert.equal(finished.status?.containerStatuses?.[0]?.started, false);

      const events = await temp.store.list<Event>('Event', { namespace: NAMESPACE });
      const unhealthy = events.filter((event) => event.reason === 'Unhealthy');
      // Repeats of the same message raise the count of one Event.
      assert.equal(unhealthy.length, 1);
      assert.equal(unhealthy[0]?.type, 'Warning');
      assert.equal(unhealthy[0]?.message, 'Readiness probe failed: ');
      assert.equal(unhealthy[0]?.involvedObject.name, 'probed-abcde');
      assert.equal(unhealthy[0]?.source?.component, 'kubelet');
    },
  );

  void it('counts liveness restarts towards backoffLimit', { timeout: 30_000 }, async () => {
    const marker = join(temp.dataDir, 'first-run');
    const healthy = join(temp.dataDir, 'healthy');
    // The first run stays unhealthy and the second becomes healthy, so exactly one restart
    // happens. The run exits 0 on SIGTERM, which kubelet still restarts after a failed
    // liveness probe.
    const script = [
      `if [ -f ${marker} ]; then touch ${healthy}; else touch ${marker}; fi`,
      "trap 'exit 0' TERM",
      'while true; do sleep 0.1; done',
    ].join('; ');
    const template: Job['spec']['template'] = {
      spec: {
        restartPolicy: 'OnFailure',
        terminationGracePeriodSeconds: 5,
        containers: [
          {
            name: 'main',
            command: ['/bin/sh', '-c', script],
            livenessProbe: {
              exec: { command: ['test', '-f', healthy] },
              initialDelaySeconds: 1,
              failureThreshold: 1,
            },
          },
        ],
      },
    };
    await createJobWithPod(template, { backoffLimit: 1 });
    worker = new Worker({
      id: 'probe-worker',
      store: temp.store,
      clock,
      executor: new ProcessExecutor({ clock, restartBackoffMs: 1 }),
      logger: silentLogger,
      concurrency: 1,
      pollIntervalMs: 100,
    });
    worker.start();

    const restarted = await podWhen(
      'the container to restart',
      (pod) => (pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1,
    );
    assert.equal(restarted.status?.containerStatuses?.[0]?.restartCount, 1);
    const recorder = { record: () => Promise.resolve() };
    await syncJob(NAMESPACE, 'probed', { store: temp.store, recorder, now: clock.now() });

    // The Job controller marks the failure first, then sets Failed once its pods stopped.
    const job = await temp.store.find<Job>('Job', NAMESPACE, 'probed');
    const failed = job?.status?.conditions?.find((entry) => entry.type === 'FailureTarget');
    assert.equal(failed?.status, 'True');
    assert.equal(failed?.reason, 'BackoffLimitExceeded');
    const events = await temp.store.list<Event>('Event', { namespace: NAMESPACE });
    const killing = events.find((event) => event.reason === 'Killing');
    assert.equal(killing?.type, 'Normal');
    assert.equal(killing?.message, 'Container main failed liveness probe, will be restarted');
  });
});

void describe('probe environment', () => {
  void it('expands exec commands with literal env values only', async () => {
    const settings: ConfigMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: NAMESPACE },
      data: { MODE: 'from-configmap', EXTRA: 'from-env-from' },
    };
    const credentials: Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'credentials', namespace: NAMESPACE },
      stringData: { token: 'token-value-1234' },
    };
    await temp.store.create(settings, 0);
    await temp.store.create(credentials, 0);
    const container: Container = {
      name: 'main',
      command: ['sleep', '60'],
      envFrom: [{ configMapRef: { name: 'settings' } }],
      env: [
        { name: 'LEVEL', value: 'debug' },
        { name: 'DERIVED', value: '$(LEVEL)-x' },
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'MODE' } } },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'credentials', key: 'token' } } },
        { name: 'HEADER', value: 'Bearer $(TOKEN)' },
      ],
      livenessProbe: {
        exec: { command: ['check', '$(LEVEL)', '$(DERIVED)', '$(MODE)', '$(EXTRA)', '$$(LEVEL)'] },
      },
    };
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: NAMESPACE },
      spec: { containers: [container] },
    };

    const resolved = await resolveContainer(pod, container, temp.store);

    // As kubelet: literal values as written, '' for valueFrom, envFrom names left unexpanded.
    assert.deepEqual(resolved.probes?.liveness?.handler, {
      type: 'exec',
      command: ['check', 'debug', '$(LEVEL)-x', '', '$(EXTRA)', '$(LEVEL)'],
    });
    assert.deepEqual(resolved.probes?.secretValues, [
      'token-value-1234',
      'Bearer token-value-1234',
    ]);
  });
});

void describe('pod ready conditions', () => {
  function podWith(phase: PodPhase, ready: boolean[]): Pod {
    const names = ready.map((_, index) => `c${index}`);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: NAMESPACE },
      spec: { containers: names.map((name) => ({ name })) },
      status: {
        phase,
        containerStatuses: names.map((name, index) => ({
          name,
          restartCount: 0,
          ready: ready[index] === true,
        })),
      },
    };
  }

  function conditionOf(pod: Pod, type: string): PodCondition | undefined {
    return pod.status?.conditions?.find((entry) => entry.type === type);
  }

  const now = Date.parse('2024-01-01T00:00:00Z');
  const cases: Array<[string, PodPhase, boolean[], Omit<PodCondition, 'type'>]> = [
    ['all ready', 'Running', [true, true], { status: 'True' }],
    [
      'one unready',
      'Running',
      [true, false],
      {
        status: 'False',
        reason: 'ContainersNotReady',
        message: 'containers with unready status: [c1]',
      },
    ],
    ['succeeded', 'Succeeded', [false], { status: 'False', reason: 'PodCompleted' }],
    ['failed', 'Failed', [true], { status: 'False', reason: 'PodFailed' }],
  ];
  for (const [name, phase, ready, expected] of cases) {
    void it(`sets ${name}`, () => {
      const pod = podWith(phase, ready);

      setReadyConditions(pod, now);

      for (const type of ['ContainersReady', 'Ready']) {
        assert.deepEqual(conditionOf(pod, type), {
          type,
          ...expected,
          lastTransitionTime: '2024-01-01T00:00:00Z',
        });
      }
    });
  }
});

void describe('container event queue', () => {
  void it('drops events beyond the spam filter burst', async () => {
    const fake = new FakeClock(Date.parse('2024-01-01T00:00:00Z'));
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: NAMESPACE, uid: 'pod-uid' },
      spec: { containers: [{ name: 'main' }] },
    };
    const queue = new ContainerEventQueue(pod, temp.store, fake, silentLogger, {});
    const unhealthyCount = async (): Promise<number> => {
      await queue.flush();
      const events = await temp.store.list<Event>('Event', { namespace: NAMESPACE });
      return events.filter((event) => event.reason === 'Unhealthy').length;
    };

    for (let index = 0; index < EVENT_BURST + 5; index++) {
      queue.record('main', 'Warning', 'Unhealthy', `Liveness probe failed: run ${index}`);
    }
    assert.equal(await unhealthyCount(), EVENT_BURST);

    fake.advance(EVENT_REFILL_MS - 1);
    queue.record('main', 'Warning', 'Unhealthy', 'Liveness probe failed: early');
    assert.equal(await unhealthyCount(), EVENT_BURST);

    fake.advance(1);
    queue.record('main', 'Warning', 'Unhealthy', 'Liveness probe failed: refilled');
    queue.record('main', 'Warning', 'Unhealthy', 'Liveness probe failed: dropped');
    assert.equal(await unhealthyCount(), EVENT_BURST + 1);
  });
});
