import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CronJob, Job } from '../../src/api/types.js';
import type { TestServer } from './harness.js';
import {
  cronJobManifest,
  cronJobsPath,
  jobsPath,
  request,
  runCli,
  startCliServer,
} from './harness.js';

describe('cronmesh delete', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startCliServer();
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-delete-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function ownedJob(owner: CronJob, name: string): Promise<void> {
    await request(server, 'POST', jobsPath, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: owner.metadata.name,
            uid: owner.metadata.uid,
            controller: true,
          },
        ],
      },
      spec: owner.spec.jobTemplate.spec,
    });
  }

  test('deletes by type and name', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('one'));
    await request(server, 'POST', cronJobsPath, cronJobManifest('two'));
    const result = await runCli(server, ['delete', 'cronjob', 'one', 'two']);
    assert.equal(result.stdout, 'cronjob.batch "one" deleted\ncronjob.batch "two" deleted\n');
    assert.equal(result.code, 0);
    assert.equal(await server.store.find('CronJob', 'default', 'one'), undefined);
  });

  test('missing object is reported and others still deleted', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('three'));
    const result = await runCli(server, ['delete', 'cronjob/missing', 'cronjob/three']);
    assert.equal(result.stdout, 'cronjob.batch "three" deleted\n');
    assert.equal(
      result.stderr,
      'Error from server (NotFound): cronjobs.batch "missing" not found\n',
    );
    assert.equal(result.code, 1);
  });

  test('ignore-not-found succeeds quietly', async () => {
    const result = await runCli(server, ['delete', 'cj', 'missing', '--ignore-not-found']);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });

  test('cascade orphan keeps jobs without owner', async () => {
    const owner = (await request<CronJob>(server, 'POST', cronJobsPath, cronJobManifest('parent')))
      .body;
    await ownedJob(owner, 'parent-1');
    const result = await runCli(server, ['delete', 'cronjob', 'parent', '--cascade=orphan']);
    assert.equal(result.stdout, 'cronjob.batch "parent" deleted\n');
    const job = await server.store.get<Job>('Job', 'default', 'parent-1');
    assert.equal(job.metadata.ownerReferences, undefined);
  });

  test('invalid cascade value', async () => {
    const result = await runCli(server, ['delete', 'cronjob', 'x', '--cascade=later']);
    assert.equal(
      result.stderr,
      'error: invalid cascade value (later). Must be "background", "foreground", or "orphan"\n',
    );
    assert.equal(result.code, 1);
  });

  test('deletes the objects of a manifest', async () => {
    await request(server, 'POST', cronJobsPath, cronJobManifest('from-file'));
    const file = join(dir, 'objects.yaml');
    await writeFile(
      file,
      'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: from-file\nspec:\n  schedule: "* * * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: a, command: ["true"]}]\n          restartPolicy: Never\n',
    );
    const result = await runCli(server, ['delete', '-f', file]);
    assert.equal(result.stdout, 'cronjob.batch "from-file" deleted\n');
    assert.equal(result.code, 0);
  });

  test('a type without names is an error', async () => {
    const result = await runCli(server, ['delete', 'cronjobs']);
    assert.equal(result.stderr, 'error: resource(s) were provided, but no name was specified\n');
    assert.equal(result.code, 1);
  });
});
