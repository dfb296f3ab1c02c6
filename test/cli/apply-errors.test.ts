import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Status } from '../../src/server/status.js';
import { ServerError } from '../../src/cli/client.js';
import { formatError } from '../../src/cli/errors.js';
import type { TestServer } from './harness.js';
import { runCli, startCliServer } from './harness.js';

const jobYaml = (command: string): string => `apiVersion: batch/v1
kind: Job
metadata:
  name: fixed
spec:
  template:
    spec:
      containers:
      - name: main
        image: busybox
        command: ["${command}"]
      restartPolicy: Never
`;

const secretYaml = (type: string): string => `apiVersion: v1
kind: Secret
metadata:
  name: login
type: ${type}
stringData:
  username: admin
  password: pw
`;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('apply server rejections', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startCliServer();
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-apply-errors-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('name the file and line of the field', async () => {
    const file = join(dir, 'job.yaml');
    await writeFile(file, jobYaml('true'));
    assert.equal((await runCli(server, ['apply', '-f', file])).code, 0);

    await writeFile(file, jobYaml('false'));
    const result = await runCli(server, ['apply', '-f', file]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^The Job "fixed" is invalid: spec\\.template: Invalid value: \\{.*\\}: field is immutable \\(file ${escapeRegExp(file)}, line 6\\)\\n$`,
      ),
    );
  });

  test('name the document within a file', async () => {
    const file = join(dir, 'two.yaml');
    const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\n';
    await writeFile(file, `${configMap}---\n${secretYaml('kubernetes.io/basic-auth')}`);
    assert.equal((await runCli(server, ['apply', '-f', file])).code, 0);

    await writeFile(file, `${configMap}---\n${secretYaml('Opaque')}`);
    const result = await runCli(server, ['apply', '-f', file]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'configmap/first unchanged\n');
    assert.equal(
      result.stderr,
      `The Secret "login" is invalid: type: Invalid value: "Opaque": field is immutable (file ${file}, line 10)\n`,
    );
  });
});

describe('formatError with a manifest source', () => {
  const source = { file: 'hello.yaml', line: 3, lineOf: () => 5 };

  test('adds the document line to other server errors', () => {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on cronjobs.batch "hello": the object has been modified',
      reason: 'Conflict',
      code: 409,
    };
    assert.equal(
      formatError(new ServerError(status, 409), source),
      'Error from server (Conflict): Operation cannot be fulfilled on cronjobs.batch "hello": the object has been modified (file hello.yaml, line 3)\n',
    );
  });

  test('adds the field line to each cause', () => {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'CronJob.batch "hello" is invalid: [a: Required value, b: Required value]',
      reason: 'Invalid',
      details: {
        name: 'hello',
        kind: 'CronJob',
        causes: [
          { reason: 'FieldValueRequired', message: 'Required value', field: 'a' },
          { reason: 'FieldValueRequired', message: 'Required value', field: 'b' },
        ],
      },
      code: 422,
    };
    assert.equal(
      formatError(new ServerError(status, 422), source),
      'The CronJob "hello" is invalid: \n* a: Required value (file hello.yaml, line 5)\n* b: Required value (file hello.yaml, line 5)\n',
    );
  });
});
