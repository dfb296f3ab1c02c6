import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Job } from '../../src/api/types.js';
import { cli, freePort, getJson, startServe, type ServeProcess } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe('the README main job', () => {
  let dir: string;
  let serve: ServeProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-main-'));
  });

  after(async () => {
    if (serve?.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the hello output in cronmesh logs within a minute', async () => {
    serve = await startServe(join(dir, 'data'), await freePort(), ['-f', examples]);
    const url = serve.url;

    const listed = await cli(url, ['get', 'cronjobs', '-o', 'name']);
    const hello = await waitFor(
      'the first hello Job to complete',
      async () => {
        const jobs = await getJson<{ items: Job[] }>(
          `${url}/apis/batch/v1/namespaces/default/jobs`,
        );
        return jobs.items.find(
          (job) => job.metadata.name.startsWith('hello-') && job.status?.succeeded === 1,
        );
      },
      75_000,
      250,
    );
    const logs = await cli(url, ['logs', 'cronjob/hello']);
    const scheduled =
      hello.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'];

    assert.equal(listed.stdout, 'cronjob.batch/example-cronjob\ncronjob.batch/hello\n');
    assert.equal(scheduled?.endsWith(':00Z'), true, `scheduled on a whole minute: ${scheduled}`);
    assert.equal(hello.metadata.name, `hello-${Date.parse(scheduled ?? '') / 60_000}`);
    assert.equal(logs.stderr, '');
    assert.match(
      logs.stdout,
      /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}\nHello from the Kubernetes cluster\n$/,
    );
  });
});
