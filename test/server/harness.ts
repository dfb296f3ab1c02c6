import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { AnyResource, CronJob, Job, Pod } from '../../src/api/types.js';
import { createServer } from '../../src/server/server.js';
import type { ServerOptions } from '../../src/server/server.js';
import type { Store } from '../../src/store/store.js';
import type { Clock } from '../../src/util/clock.js';
import { FakeClock } from '../../src/util/clock.js';
import { openTempStore } from '../support/temp-store.js';

export interface TestServer {
  url: string;
  store: Store;
  clock: Clock;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The instant the default FakeClock of a test server starts at. */
export const testStart = '2024-01-01T00:00:00Z';

/**
 * Starts the API on 127.0.0.1 with a real SQLite store in a fresh temporary directory. The
 * clock defaults to a FakeClock at `testStart`.
 */
export async function startTestServer(
  options: Partial<Omit<ServerOptions, 'store'>> = {},
): Promise<TestServer> {
  const clock = options.clock ?? new FakeClock(testStart);
  const temp = await openTempStore(clock);
  const app = createServer({ ...options, store: temp.store, clock });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store: temp.store,
    clock,
    app,
    async close() {
      await app.close();
      await temp.cleanup();
    },
  };
}

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** Sends a request with an optional JSON body and parses the JSON response. */
export async function request<T = Record<string, unknown>>(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<JsonResponse<T>> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'Content-Type': contentType };
  }
  const response = await fetch(server.url + path, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) as T };
}

export const cronJobsPath = '/apis/batch/v1/namespaces/default/cronjobs';
export const jobsPath = '/apis/batch/v1/namespaces/default/jobs';
export const podsPath = '/api/v1/namespaces/default/pods';

/** Returns a minimal valid CronJob manifest. */
export function cronJobManifest(name: string, labels?: Record<string, string>): CronJob {
  const cronJob: CronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '*/5 * * * *',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', 'date'] }],
            },
          },
        },
      },
    },
  };
  if (labels !== undefined) cronJob.metadata.labels = labels;
  return cronJob;
}

/** Returns a Job manifest, optionally owned by `owner`. */
export function jobManifest(name: string, owner?: AnyResource): Job {
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: 'busybox', command: ['/bin/sh', '-c', 'date'] }],
        },
      },
    },
  };
  if (owner !== undefined) {
    job.metadata.ownerReferences = [
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name,
        uid: owner.metadata.uid ?? '',
        controller: true,
      },
    ];
  }
  return job;
}

/** Returns a Pod with the given containers, shaped as the Job controller stores attempts. */
export function podObject(name: string, containers: string[], initContainers: string[] = []): Pod {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      restartPolicy: 'Never',
      containers: containers.map((container) => ({ name: container, command: ['true'] })),
    },
    status: { phase: 'Running' },
  };
  if (initContainers.length > 0) {
    pod.spec.initContainers = initContainers.map((container) => ({
      name: container,
      command: ['true'],
    }));
  }
  return pod;
}
