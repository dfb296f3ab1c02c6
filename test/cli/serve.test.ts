import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CliProcess } from './harness.js';
import { runCli, spawnCli } from './harness.js';

const manifest = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 2 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: main
            command: ["/bin/sh", "-c", "echo nightly"]
          restartPolicy: OnFailure
`;

/** Returns the API URL from the server's `cronmesh API listening` log line. */
function listeningUrl(output: string): string {
  for (const line of output.split('\n')) {
    if (!line.includes('cronmesh API listening')) continue;
    return (JSON.parse(line) as { url: string }).url;
  }
  throw new Error(`no listening line in ${JSON.stringify(output)}`);
}

describe('cronmesh serve', () => {
  let dir: string;
  let file: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-serve-'));
    file = join(dir, 'nightly.yaml');
    await writeFile(file, manifest);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function serve(): CliProcess {
    const args = ['serve', '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '-f', file];
    return spawnCli({ url: 'http://127.0.0.1:1' }, args);
  }

  test('applies manifests, serves, stops on SIGTERM', async () => {
    const cli = serve();
    try {
      await cli.waitForOutput('cronjob.batch/nightly created\n');
      const url = listeningUrl(cli.output().stdout);
      const listed = await runCli({ url }, ['get', 'cronjobs', '-o', 'name']);
      assert.equal(listed.stdout, 'cronjob.batch/nightly\n');
    } finally {
      cli.child.kill('SIGTERM');
    }
    const result = await cli.exited;
    assert.equal(result.code, 0);
    assert.equal(result.stdout.includes('"msg":"stopping cronmesh"'), true);
    assert.equal(result.stdout.includes('no authentication'), false);
  });

  test('stops on a SIGTERM received while it starts', async () => {
    // The API listens before the sandbox probe and the controllers start, so the signal
    // usually arrives during the start, and serve must not run on after it.
    const args = ['serve', '--data-dir', join(dir, 'early'), '--listen', '127.0.0.1:0'];
    const cli = spawnCli({ url: 'http://127.0.0.1:1' }, [...args, '--sandbox=bubblewrap']);
    await cli.waitForOutput('cronmesh API listening');
    cli.child.kill('SIGTERM');
    const timeout = setTimeout(() => cli.child.kill('SIGKILL'), 15_000);
    const result = await cli.exited;
    clearTimeout(timeout);

    // A null code means serve ignored SIGTERM and the SIGKILL above ended it.
    assert.equal(result.code, 0);
    assert.match(result.stdout, /"signal":"SIGTERM","msg":"stopping cronmesh"/);
  });

  test('port in use is reported with a hint', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const listen = `127.0.0.1:${port}`;
      const args = ['serve', '--data-dir', join(dir, 'data-in-use'), '--listen', listen];
      const result = await runCli({ url: 'http://127.0.0.1:1' }, args);
      assert.equal(
        result.stderr,
        `error: cannot listen on ${listen}: the address is already in use, perhaps by another cronmesh serve. Pass --listen HOST:PORT to listen on another address, and point the CLI at it with --server or CRONMESH_SERVER.\n`,
      );
      assert.equal(result.code, 1);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('restart keeps the data', async () => {
    const cli = serve();
    try {
      await cli.waitForOutput('cronjob.batch/nightly unchanged\n');
    } finally {
      cli.child.kill('SIGINT');
    }
    assert.equal((await cli.exited).code, 0);
  });

  test('invalid flags are rejected', async () => {
    const listen = await runCli({ url: 'http://127.0.0.1:1' }, ['serve', '--listen', 'localhost']);
    assert.equal(
      listen.stderr,
      'error: invalid --listen value "localhost": expected HOST:PORT, e.g. 127.0.0.1:8080\n',
    );
    assert.equal(listen.code, 1);
    const policy = await runCli({ url: 'http://127.0.0.1:1' }, ['serve', '--dst-policy', 'vixie']);
    assert.equal(
      policy.stderr,
      'error: invalid --dst-policy value "vixie": expected cron or kubernetes\n',
    );
    const workers = await runCli({ url: 'http://127.0.0.1:1' }, [
      'serve',
      '--worker-concurrency',
      '-1',
    ]);
    assert.equal(
      workers.stderr,
      'error: invalid --worker-concurrency value "-1": expected an integer of at least 0, where 0 runs no embedded worker\n',
    );
    const timing = await runCli({ url: 'http://127.0.0.1:1' }, [
      'serve',
      '--leader-elect',
      'true',
      '--leader-elect-renew-deadline',
      '20s',
    ]);
    assert.equal(
      timing.stderr,
      'error: invalid leader election timing: --leader-elect-lease-duration (15s) must exceed ' +
        '--leader-elect-renew-deadline (20s), which must exceed --leader-elect-retry-period (2s)\n',
    );
    const duration = await runCli({ url: 'http://127.0.0.1:1' }, [
      'serve',
      '--leader-elect',
      'true',
      '--leader-elect-retry-period',
      'soon',
    ]);
    assert.equal(
      duration.stderr,
      'error: invalid --leader-elect-retry-period value "soon": expected a positive duration such as 15s, 500ms or 1m30s\n',
    );
  });
});
