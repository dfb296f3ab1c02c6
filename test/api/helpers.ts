import { readFileSync } from 'node:fs';
import type { CronJob, Job } from '../../src/api/types.js';

/** Repository root, from `dist/test/api/` where the compiled tests run. */
const repositoryRoot = new URL('../../../', import.meta.url);

export function readRepositoryFile(path: string): string {
  return readFileSync(new URL(path, repositoryRoot), 'utf8');
}

/** Runs `action` and returns what it threw. Fails the test when nothing is thrown. */
export function catchError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, but it returned normally');
}

export function cronJob(name = 'hello', schedule = '*/1 * * * *'): CronJob {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule,
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [{ name: 'hello', image: 'busybox:1.28', command: ['date'] }],
            },
          },
        },
      },
    },
  };
}

export function job(name = 'pi'): Job {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'pi', image: 'perl:5.34', command: ['perl', '-e', 'print 1'] }],
        },
      },
    },
  };
}

/** Builds the manifest text of one CronJob and appends `containerLines` to its container. */
export function cronJobManifest(containerLines: string[] = [], name = 'hello'): string {
  return [
    'apiVersion: batch/v1',
    'kind: CronJob',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  schedule: "*/1 * * * *"',
    '  jobTemplate:',
    '    spec:',
    '      template:',
    '        spec:',
    '          restartPolicy: OnFailure',
    '          containers:',
    '            - name: hello',
    '              image: busybox:1.28',
    ...containerLines.map((line) => `              ${line}`),
    '',
  ].join('\n');
}
