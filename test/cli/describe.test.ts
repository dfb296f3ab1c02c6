import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Event, Job, Pod } from '../../src/api/types.js';
import type { TestServer } from './harness.js';
import { cronJobsPath, jobsPath, request, runCli, startCliServer } from './harness.js';

/** Replaces the relative `(in ...)` after each fire time, which depends on the wall clock. */
function maskRelative(text: string): string {
  return text.replace(/\(in [0-9a-z]+\)/g, '(in <duration>)');
}

function eventFor(name: string, kind: string, object: string, time: string, count: number): Event {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: 'default' },
    involvedObject: { kind, name: object, namespace: 'default' },
    reason: count > 1 ? 'JobAlreadyActive' : 'SuccessfulCreate',
    message:
      count > 1
        ? 'Not starting job because prior execution is running and concurrency policy is Forbid'
        : 'Created job yearly-1',
    type: 'Normal',
    count,
    firstTimestamp: time,
    lastTimestamp: time,
    source: { component: 'cronjob-controller' },
  };
}

describe('cronmesh describe', () => {
  let server: TestServer;
  let created: string;

  before(async () => {
    server = await startCliServer();
    const createdMs = Math.floor(server.clock.now() / 1000) * 1000;
    created = new Date(createdMs).toISOString().replace('.000Z', 'Z');
    const cronJob: CronJob = {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {
        name: 'yearly',
        labels: { team: 'data', app: 'report' },
        annotations: { 'cronmesh.io/dst-policy': 'kubernetes' },
      },
      spec: {
        schedule: '0 0 1 1 *',
        timeZone: 'UTC',
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: 60,
        jobTemplate: {
          spec: {
            template: {
              spec: {
                restartPolicy: 'OnFailure',
                containers: [
                  {
                    name: 'report',
                    image: 'busybox:1.36',
                    command: ['/bin/sh', '-c'],
                    args: ['echo one\necho two'],
                    env: [{ name: 'MODE', value: 'full' }],
                    resources: { limits: { cpu: '500m' } },
                  },
                ],
              },
            },
          },
        },
      },
    };
    await request(server, 'POST', cronJobsPath, cronJob);
    await server.store.create(eventFor('yearly.1', 'CronJob', 'yearly', created, 1), 0);
    await server.store.create(eventFor('yearly.2', 'CronJob', 'yearly', created, 3), 0);
    await server.store.create(eventFor('other.1', 'Job', 'yearly', created, 1), 0);

    const job = (
      await request<Job>(server, 'POST', jobsPath, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'yearly-1',
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'CronJob',
              name: 'yearly',
              uid: 'u-1',
              controller: true,
            },
          ],
        },
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
            },
          },
        },
      })
    ).body;
    job.status = {
      succeeded: 1,
      startTime: created,
      completionTime: new Date(createdMs + 5000).toISOString().replace('.000Z', 'Z'),
      conditions: [{ type: 'Complete', status: 'True' }],
    };
    await server.store.update(job);

    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'yearly-1-abcde',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: 'yearly-1', uid: 'u-2', controller: true },
        ],
      },
      spec: {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'busybox', command: ['true'] }],
      },
      status: {
        phase: 'Failed',
        nodeName: 'worker-1',
        startTime: '2024-05-06T07:08:09Z',
        containerStatuses: [
          {
            name: 'main',
            restartCount: 0,
            state: {
              terminated: {
                exitCode: 137,
                reason: 'DeadlineExceeded',
                startedAt: '2024-05-06T07:08:09Z',
                finishedAt: '2024-05-06T07:09:10Z',
              },
            },
          },
        ],
      },
    };
    await server.store.create(pod, 0);
  });
  after(async () => {
    await server.close();
  });

  test('cronjob layout with next fire times', async () => {
    const result = await runCli(server, ['describe', 'cronjob', 'yearly']);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    const year = new Date().getUTCFullYear();
    assert.equal(
      maskRelative(result.stdout),
      [
        'Name:                          yearly',
        'Namespace:                     default',
        'Labels:                        app=report',
        '                               team=data',
        'Annotations:                   cronmesh.io/dst-policy: kubernetes',
        'Schedule:                      0 0 1 1 *',
        'Schedule Description:          At 00:00, on day 1 of the month, only in January',
        'Time Zone:                     UTC',
        'Concurrency Policy:            Forbid',
        'Suspend:                       False',
        'Successful Job History Limit:  3',
        'Failed Job History Limit:      1',
        'Starting Deadline Seconds:     60s',
        'Selector:                      <unset>',
        'Parallelism:                   <unset>',
        'Completions:                   <unset>',
        'Pod Template:',
        '  Labels:  <none>',
        '  Containers:',
        '    report:',
        '      Image:      busybox:1.36',
        '      Port:       <none>',
        '      Host Port:  <none>',
        '      Command:',
        '        /bin/sh',
        '        -c',
        '      Args:',
        '        echo one',
        '        echo two',
        '      Limits:',
        '        cpu:  500m',
        '      Environment:',
        '        MODE:             full',
        '      Mounts:             <none>',
        '  Volumes:                <none>',
        '  Node-Selectors:         <none>',
        'Last Schedule Time:       <unset>',
        'Active Jobs:              <none>',
        'DST Policy:               kubernetes',
        `Next Schedules:           ${year + 1}-01-01T00:00:00Z (in <duration>)`,
        `                          ${year + 2}-01-01T00:00:00Z (in <duration>)`,
        `                          ${year + 3}-01-01T00:00:00Z (in <duration>)`,
        `                          ${year + 4}-01-01T00:00:00Z (in <duration>)`,
        `                          ${year + 5}-01-01T00:00:00Z (in <duration>)`,
        'Stored But Not Enforced:  spec.jobTemplate.spec.template.spec.containers[0].image',
        'Events:',
        '  Type    Reason            Age              From                Message',
        '  ----    ------            ----             ----                -------',
        '  Normal  SuccessfulCreate  3d               cronjob-controller  Created job yearly-1',
        '  Normal  JobAlreadyActive  3d (x3 over 3d)  cronjob-controller  Not starting job because prior execution is running and concurrency policy is Forbid',
        '',
      ].join('\n'),
    );
  });

  test('job layout', async () => {
    const result = await runCli(server, ['describe', 'job/yearly-1']);
    const job = await server.store.get<Job>('Job', 'default', 'yearly-1');
    const uid = job.metadata.uid ?? '';
    const rfc1123z = (time: string | undefined): string =>
      new Date(time ?? '').toUTCString().replace('GMT', '+0000');
    const start = rfc1123z(job.status?.startTime);
    const end = rfc1123z(job.status?.completionTime);
    assert.equal(
      result.stdout,
      [
        'Name:             yearly-1',
        'Namespace:        default',
        `Selector:         batch.kubernetes.io/controller-uid=${uid}`,
        `Labels:           batch.kubernetes.io/controller-uid=${uid}`,
        '                  batch.kubernetes.io/job-name=yearly-1',
        `                  controller-uid=${uid}`,
        '                  job-name=yearly-1',
        'Annotations:      <none>',
        'Controlled By:    CronJob/yearly',
        'Parallelism:      1',
        'Completions:      1',
        'Completion Mode:  NonIndexed',
        'Suspend:          false',
        'Backoff Limit:    6',
        `Start Time:       ${start}`,
        `Completed At:     ${end}`,
        'Duration:         5s',
        'Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed',
        'Pod Template:',
        `  Labels:  batch.kubernetes.io/controller-uid=${uid}`,
        '           batch.kubernetes.io/job-name=yearly-1',
        `           controller-uid=${uid}`,
        '           job-name=yearly-1',
        '  Containers:',
        '    main:',
        '      Image:      busybox',
        '      Port:       <none>',
        '      Host Port:  <none>',
        '      Command:',
        '        true',
        '      Environment:  <none>',
        '      Mounts:       <none>',
        '  Volumes:          <none>',
        '  Node-Selectors:   <none>',
        'Events:             <none>',
        '',
      ].join('\n'),
    );
  });

  test('pod layout with container state', async () => {
    const result = await runCli(server, ['describe', 'pod', 'yearly-1-abcde']);
    assert.equal(
      result.stdout,
      [
        'Name:           yearly-1-abcde',
        'Namespace:      default',
        'Node:           worker-1',
        'Start Time:     Mon, 06 May 2024 07:08:09 +0000',
        'Labels:         <none>',
        'Annotations:    <none>',
        'Status:         Failed',
        'Controlled By:  Job/yearly-1',
        'Containers:',
        '  main:',
        '    Image:      busybox',
        '    Port:       <none>',
        '    Host Port:  <none>',
        '    Command:',
        '      true',
        '    State:          Terminated',
        '      Reason:       DeadlineExceeded',
        '      Exit Code:    137',
        '      Started:      Mon, 06 May 2024 07:08:09 +0000',
        '      Finished:     Mon, 06 May 2024 07:09:10 +0000',
        '    Ready:          False',
        '    Restart Count:  0',
        '    Environment:    <none>',
        '    Mounts:         <none>',
        'Volumes:            <none>',
        'Node-Selectors:     <none>',
        'Events:             <none>',
        '',
      ].join('\n'),
    );
  });

  test('describe rejects other kinds', async () => {
    const result = await runCli(server, ['describe', 'configmap', 'x']);
    assert.equal(
      result.stderr,
      'error: describe supports cronjobs, jobs and pods, not configmaps\n',
    );
    assert.equal(result.code, 1);
  });
});
