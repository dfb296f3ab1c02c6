import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerStatus, Pod, PodPhase } from '../../src/api/types.js';
import { describePod } from '../../src/cli/format/describe.js';
import { summarizePod } from '../../src/cli/format/status.js';

const startedAt = '2024-05-06T07:08:09Z';
const deletedAt = '2024-05-06T07:10:00Z';

/** Builds a one-container pod as the worker writes it, with `ready` false because nothing probes. */
function pod(phase: PodPhase, state: ContainerStatus['state'], reason?: string): Pod {
  const result: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'nightly-1-abcde', namespace: 'default' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', command: ['true'] }] },
    status: {
      phase,
      containerStatuses: [{ name: 'main', restartCount: 0, ready: false, state }],
    },
  };
  if (reason !== undefined && result.status !== undefined) result.status.reason = reason;
  return result;
}

function deleted(target: Pod): Pod {
  target.metadata.deletionTimestamp = deletedAt;
  return target;
}

const running = { running: { startedAt } };
const succeeded = { terminated: { exitCode: 0, reason: 'Completed' } };
const failed = { terminated: { exitCode: 1, reason: 'Error' } };
const overDeadline = { terminated: { exitCode: 137, reason: 'DeadlineExceeded' } };

describe('get pods READY column', () => {
  test('running container without probe is ready', () => {
    const summary = summarizePod(pod('Running', running));
    assert.equal(summary.ready, '1/1');
    assert.equal(summary.status, 'Running');
  });

  test('readiness probe keeps container unready', () => {
    const probed = pod('Running', running);
    const container = probed.spec.containers[0];
    if (container === undefined) throw new Error('the pod has no container');
    container.readinessProbe = { exec: { command: ['true'] } };
    assert.equal(summarizePod(probed).ready, '0/1');
  });

  test('ready status counts with a probe', () => {
    const probed = pod('Running', running);
    const container = probed.spec.containers[0];
    const status = probed.status?.containerStatuses?.[0];
    if (container === undefined || status === undefined)
      throw new Error('the pod has no container');
    container.readinessProbe = { exec: { command: ['true'] } };
    status.ready = true;
    assert.equal(summarizePod(probed).ready, '1/1');
  });

  test('startup probe gates readiness', () => {
    const probed = pod('Running', running);
    const container = probed.spec.containers[0];
    const status = probed.status?.containerStatuses?.[0];
    if (container === undefined || status === undefined)
      throw new Error('the pod has no container');
    container.startupProbe = { tcpSocket: { port: 8080 } };
    assert.equal(summarizePod(probed).ready, '0/1');
    status.started = true;
    assert.equal(summarizePod(probed).ready, '1/1');
  });

  test('waiting container is not ready', () => {
    const summary = summarizePod(pod('Pending', { waiting: { reason: 'PodInitializing' } }));
    assert.equal(summary.ready, '0/1');
    assert.equal(summary.status, 'PodInitializing');
  });

  test('terminated container is not ready', () => {
    assert.equal(summarizePod(pod('Succeeded', succeeded)).ready, '0/1');
  });
});

describe('get pods STATUS of deleted pods', () => {
  test('succeeded pod shows Completed', () => {
    assert.equal(summarizePod(deleted(pod('Succeeded', succeeded))).status, 'Completed');
  });

  test('failed pod shows Error', () => {
    assert.equal(summarizePod(deleted(pod('Failed', failed))).status, 'Error');
  });

  test('pod over deadline shows its reason', () => {
    const target = deleted(pod('Failed', overDeadline, 'DeadlineExceeded'));
    assert.equal(summarizePod(target).status, 'DeadlineExceeded');
  });

  test('failed pod without containers shows pod reason', () => {
    const target = deleted(pod('Failed', undefined, 'DeadlineExceeded'));
    if (target.status !== undefined) delete target.status.containerStatuses;
    assert.equal(summarizePod(target).status, 'DeadlineExceeded');
  });

  test('running pod shows Terminating', () => {
    assert.equal(summarizePod(deleted(pod('Running', running))).status, 'Terminating');
  });

  test('pending pod shows Terminating', () => {
    const target = deleted(pod('Pending', { waiting: { reason: 'PodInitializing' } }));
    assert.equal(summarizePod(target).status, 'Terminating');
  });
});

describe('describe pod of a deleted attempt', () => {
  test('failed pod shows its phase', () => {
    const text = describePod(deleted(pod('Failed', failed)), [], Date.parse(deletedAt));
    assert.equal(
      text,
      [
        'Name:         nightly-1-abcde',
        'Namespace:    default',
        'Node:         <none>',
        'Labels:       <none>',
        'Annotations:  <none>',
        'Status:       Failed',
        'Containers:',
        '  main:',
        '    Image:      ',
        '    Port:       <none>',
        '    Host Port:  <none>',
        '    Command:',
        '      true',
        '    State:          Terminated',
        '      Reason:       Error',
        '      Exit Code:    1',
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

  test('running pod shows Terminating', () => {
    const text = describePod(deleted(pod('Running', running)), [], Date.parse(deletedAt));
    const statusLine = text.split('\n').find((line) => line.startsWith('Status:'));
    assert.equal(statusLine, 'Status:       Terminating');
  });

  test('running container without probe is ready', () => {
    const text = describePod(pod('Running', running), [], Date.parse(deletedAt));
    const readyLine = text.split('\n').find((line) => line.trimStart().startsWith('Ready:'));
    assert.equal(readyLine, '    Ready:          True');
  });
});
