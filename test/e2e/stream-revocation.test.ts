import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, spawnCli } from '../cli/harness.js';
import { freePort, startServe, type ServeProcess } from '../support/serve-process.js';
import { stopChild } from './worker-cluster.js';

function idOf(bearer: string): string {
  return bearer.slice('cmt_'.length, 'cmt_'.length + 12);
}

/** Resolves as `promise` does, or rejects when it takes longer than `timeoutMs`. */
async function within<T>(timeoutMs: number, description: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function configMapManifest(name: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'team-a' },
    data: { mode: 'fast' },
  });
}

describe('cronmesh serve --auth with a revoked token', () => {
  let dir: string;
  let serve: ServeProcess;
  let admin: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-revoke-'));
    const dataDir = join(dir, 'data');
    serve = await startServe(dataDir, await freePort(), ['--auth']);
    admin = ['--token-file', join(dataDir, 'admin.token')];
  });
  after(async () => {
    await stopChild(serve.child, serve.exited);
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI against the server, as the admin unless `env` sets CRONMESH_TOKEN. */
  function run(args: string[], env: Record<string, string> = {}, stdin?: string) {
    const asAdmin = env['CRONMESH_TOKEN'] === undefined ? admin : [];
    return runCli(serve, [...args, ...asAdmin], { env, stdin });
  }

  it('ends get --watch when token delete runs', { timeout: 60_000 }, async () => {
    const created = await run(['token', 'create', '--role', 'editor', '-n', 'team-a']);
    assert.equal(created.code, 0, created.stderr);
    const editor = created.stdout.trim();
    const first = await run(['apply', '-f', '-'], {}, configMapManifest('first'));
    assert.equal(first.code, 0, first.stderr);

    const watchArgs = ['get', 'configmaps', '-n', 'team-a', '--watch', '-o', 'name'];
    const watcher = spawnCli(serve, watchArgs, { CRONMESH_TOKEN: editor });
    try {
      await watcher.waitForOutput('configmap/first\n');
      // The watch prints `second` only once its stream is open, whether the object was created
      // before or after the watch request.
      const second = await run(['apply', '-f', '-'], {}, configMapManifest('second'));
      assert.equal(second.code, 0, second.stderr);
      await watcher.waitForOutput('configmap/second\n');

      const deleted = await run(['token', 'delete', idOf(editor), '-n', 'team-a']);
      assert.equal(deleted.code, 0, deleted.stderr);
      const watched = await within(15_000, 'the watch to end after token delete', watcher.exited);
      assert.equal(watched.stdout, 'configmap/first\nconfigmap/second\n');
      assert.equal(
        watched.stderr,
        'error: invalid bearer token: it is malformed, unknown or deleted\n',
      );
      assert.equal(watched.code, 1);
    } finally {
      // Stops the watch when an assertion above failed before it ended.
      if (watcher.child.exitCode === null) watcher.child.kill('SIGTERM');
    }

    const again = await run(['get', 'configmaps', '-n', 'team-a'], { CRONMESH_TOKEN: editor });
    assert.equal(again.code, 1);
    assert.equal(
      again.stderr,
      'Error from server (Unauthorized): invalid bearer token: it is malformed, unknown or deleted\n',
    );

    const ended = serve
      .output()
      .split('\n')
      .filter((line) => line.includes('"msg":"stream ended because its token is no longer valid"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.['token'], idOf(editor));
    assert.equal(ended[0]?.['reason'], 'TokenDeleted');
    assert.equal(serve.output().includes(editor), false, 'the log shows the token');
  });
});
