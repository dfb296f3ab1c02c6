import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ConfigMap, CronJob, Job } from '../../src/api/types.js';
import type { TestServer } from './harness.js';
import { runCli, startCliServer } from './harness.js';

function cronJobYaml(schedule: string, extraMetadata = ''): string {
  return `apiVersion: batch/v1
kind: CronJob
metadata:
  name: hello${extraMetadata}
spec:
  schedule: "${schedule}"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            command: ["/bin/sh", "-c", "date"]
          restartPolicy: OnFailure
`;
}

const jobYaml = `apiVersion: batch/v1
kind: Job
metadata:
  name: once
spec:
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ["true"]
      restartPolicy: Never
`;

describe('cronmesh apply', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startCliServer();
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-apply-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  test('create, unchanged, configured', async () => {
    const file = await write('hello.yaml', cronJobYaml('*/1 * * * *'));
    const created = await runCli(server, ['apply', '-f', file]);
    assert.equal(created.stdout, 'cronjob.batch/hello created\n');
    assert.equal(created.stderr, '');
    assert.equal(created.code, 0);

    const again = await runCli(server, ['apply', '-f', file]);
    assert.equal(again.stdout, 'cronjob.batch/hello unchanged\n');

    await write('hello.yaml', cronJobYaml('*/2 * * * *'));
    const changed = await runCli(server, ['apply', '-f', file]);
    assert.equal(changed.stdout, 'cronjob.batch/hello configured\n');
    const stored = await server.store.get<CronJob>('CronJob', 'default', 'hello');
    assert.equal(stored.spec.schedule, '*/2 * * * *');
    assert.equal(stored.metadata.generation, 2);
  });

  test('fields dropped from the manifest are removed', async () => {
    const labelled = await write(
      'labelled.yaml',
      cronJobYaml('0 1 * * *', '\n  labels:\n    team: a').replace('name: hello', 'name: labelled'),
    );
    assert.equal(
      (await runCli(server, ['apply', '-f', labelled])).stdout,
      'cronjob.batch/labelled created\n',
    );
    await write('labelled.yaml', cronJobYaml('0 1 * * *').replace('name: hello', 'name: labelled'));
    assert.equal(
      (await runCli(server, ['apply', '-f', labelled])).stdout,
      'cronjob.batch/labelled configured\n',
    );
    const stored = await server.store.get<CronJob>('CronJob', 'default', 'labelled');
    assert.equal(stored.metadata.labels, undefined);
    assert.equal(stored.spec.concurrencyPolicy, 'Allow');
  });

  test('job apply keeps the generated selector', async () => {
    const file = await write('job.yaml', jobYaml);
    assert.equal((await runCli(server, ['apply', '-f', file])).stdout, 'job.batch/once created\n');
    const again = await runCli(server, ['apply', '-f', file]);
    assert.equal(again.stdout, 'job.batch/once unchanged\n');
    assert.equal(again.stderr, '');
    const stored = await server.store.get<Job>('Job', 'default', 'once');
    assert.equal(
      stored.spec.selector?.matchLabels?.['batch.kubernetes.io/controller-uid'],
      stored.metadata.uid,
    );
  });

  test('directory files apply in name order', async () => {
    const manifests = await mkdtemp(join(dir, 'set-'));
    const configMap = (name: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  key: value\n`;
    await writeFile(join(manifests, 'b.yaml'), configMap('b'));
    await writeFile(join(manifests, 'a.yml'), configMap('a'));
    await writeFile(
      join(manifests, 'c.json'),
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'c' },
        stringData: { k: 'v' },
      }),
    );
    await writeFile(join(manifests, 'notes.txt'), 'not a manifest');
    const result = await runCli(server, ['apply', '-f', manifests]);
    assert.equal(result.stdout, 'configmap/a created\nconfigmap/b created\nsecret/c created\n');
  });

  test('invalid file in directory applies nothing', async () => {
    const manifests = await mkdtemp(join(dir, 'mixed-'));
    await writeFile(
      join(manifests, 'a.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mixed-a\n',
    );
    const bad = join(manifests, 'b.yaml');
    await writeFile(bad, cronJobYaml('* * *').replace('name: hello', 'name: mixed-b'));
    const typo = join(manifests, 'c.yaml');
    await writeFile(
      typo,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mixed-c\ndat:\n  k: v\n',
    );

    const result = await runCli(server, ['apply', '-f', manifests]);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      [
        `error: The CronJob "mixed-b" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *] (file ${bad}, line 6)`,
        `error: The ConfigMap "mixed-c" is invalid: unknown field "dat" (file ${typo}, line 5)`,
        'error: no objects were applied',
        '',
      ].join('\n'),
    );
    assert.equal(result.code, 1);
    assert.equal(await server.store.find('ConfigMap', 'default', 'mixed-a'), undefined);
  });

  test('standard input and several documents', async () => {
    const text = `apiVersion: v1
kind: ConfigMap
metadata:
  name: from-stdin-1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: from-stdin-2
  namespace: other
data:
  x: "1"
`;
    const result = await runCli(server, ['apply', '-f', '-'], { stdin: text });
    assert.equal(result.stdout, 'configmap/from-stdin-1 created\nconfigmap/from-stdin-2 created\n');
    const second = await server.store.get<ConfigMap>('ConfigMap', 'other', 'from-stdin-2');
    assert.deepEqual(second.data, { x: '1' });
  });

  test('unknown field is an error naming file and line', async () => {
    const file = await write(
      'typo.yaml',
      cronJobYaml('*/1 * * * *')
        .replace('name: hello', 'name: typo')
        .replace('  schedule:', '  schedul: x\n  schedule:'),
    );
    const result = await runCli(server, ['apply', '-f', file]);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `error: The CronJob "typo" is invalid: unknown field "spec.schedul" (file ${file}, line 6)\nerror: no objects were applied\n`,
    );
    assert.equal(result.code, 1);
    assert.equal(await server.store.find('CronJob', 'default', 'typo'), undefined);
  });

  test('warn mode prints a warning and applies', async () => {
    const file = await write(
      'warned.yaml',
      cronJobYaml('*/1 * * * *')
        .replace('name: hello', 'name: warned')
        .replace('  schedule:', '  schedul: x\n  schedule:'),
    );
    const result = await runCli(server, ['apply', '-f', file, '--validate=warn']);
    assert.equal(result.stderr, `Warning: unknown field "spec.schedul" (file ${file}, line 6)\n`);
    assert.equal(result.stdout, 'cronjob.batch/warned created\n');
  });

  test('invalid schedule names file and line', async () => {
    const file = await write('bad.yaml', cronJobYaml('* * *').replace('name: hello', 'name: bad'));
    const result = await runCli(server, ['apply', '-f', file]);
    assert.equal(
      result.stderr,
      `error: The CronJob "bad" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *] (file ${file}, line 6)\nerror: no objects were applied\n`,
    );
    assert.equal(result.code, 1);
  });

  test('explicit namespace must match the manifest', async () => {
    const file = await write(
      'ns.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: pinned\n  namespace: team-a\n',
    );
    const result = await runCli(server, ['apply', '-f', file, '-n', 'team-b']);
    assert.equal(
      result.stderr,
      `error: the namespace from the provided object "team-a" does not match the namespace "team-b". You must pass '--namespace=team-a' to perform this operation.\n`,
    );
    assert.equal(result.code, 1);
  });

  test('server rejection is printed like kubectl', async () => {
    const file = await write(
      'once-changed.yaml',
      jobYaml.replace('command: ["true"]', 'command: ["false"]'),
    );
    const result = await runCli(server, ['apply', '-f', file]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^The Job "once" is invalid: spec\.template: /);
  });

  test('missing file is reported', async () => {
    const result = await runCli(server, ['apply', '-f', join(dir, 'absent.yaml')]);
    assert.equal(result.stderr, `error: the path "${join(dir, 'absent.yaml')}" does not exist\n`);
    assert.equal(result.code, 1);
  });
});
