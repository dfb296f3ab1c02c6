import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { WorkerCommandOptions } from '../../src/cli/commands/worker.js';
import { parseWorkerOptions } from '../../src/cli/commands/worker.js';
import { CliError } from '../../src/cli/errors.js';
import { localApiUrl, parseAuthFlags } from '../../src/cli/serve-auth.js';
import { runCli, spawnCli } from './harness.js';

/** Sends GET `path` to 127.0.0.1:`port` with the Host header `host` and returns the status code. */
function statusWithHost(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path, headers: { Host: host } }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    sent.on('error', reject);
    sent.end();
  });
}

/** Starts `cronmesh serve` with `args` and returns it with the port of its API. */
async function startServeCli(args: string[]) {
  const serve = spawnCli({ url: 'http://127.0.0.1:1' }, args);
  await serve.waitForOutput('"msg":"scheduler started"');
  const lines = serve
    .output()
    .stdout.split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const listening = lines.find((line) => line['msg'] === 'cronmesh API listening');
  const port = Number(/:(\d+)$/.exec(String(listening?.['url']))?.[1]);
  return { serve, lines, listening, port };
}

const configMapsPath = '/api/v1/namespaces/default/configmaps';

const refusal = (listen: string): string =>
  `cannot listen on ${listen} without authentication: anyone who can reach a non-loopback ` +
  'address could run commands as this user. Pass --auth to require bearer tokens, or ' +
  '--insecure-allow-anonymous to serve anonymous requests anyway.';

describe('parseAuthFlags', () => {
  test('loopback without flags serves anonymously', () => {
    assert.equal(parseAuthFlags({}, '127.0.0.1', '127.0.0.1:8080'), false);
    assert.equal(parseAuthFlags({}, '::1', '[::1]:8080'), false);
    assert.equal(parseAuthFlags({}, 'localhost', 'localhost:8080'), false);
  });

  test('auth requires tokens anywhere', () => {
    assert.equal(parseAuthFlags({ auth: true }, '127.0.0.1', '127.0.0.1:8080'), true);
    assert.equal(parseAuthFlags({ auth: true }, '0.0.0.0', '0.0.0.0:8080'), true);
  });

  test('non-loopback without auth is rejected', () => {
    for (const [host, listen] of [
      ['0.0.0.0', '0.0.0.0:8080'],
      ['::', '[::]:8080'],
      ['192.168.1.10', '192.168.1.10:8080'],
      ['cronmesh.example.test', 'cronmesh.example.test:8080'],
    ] as const) {
      assert.throws(
        () => parseAuthFlags({}, host, listen),
        (error: unknown) => error instanceof CliError && error.message === refusal(listen),
        listen,
      );
    }
  });

  test('insecure flag accepts anonymous requests', () => {
    assert.equal(
      parseAuthFlags({ insecureAllowAnonymous: true }, '0.0.0.0', '0.0.0.0:8080'),
      false,
    );
  });

  test('both flags are rejected', () => {
    assert.throws(
      () => parseAuthFlags({ auth: true, insecureAllowAnonymous: true }, '0.0.0.0', '0.0.0.0:1'),
      (error: unknown) =>
        error instanceof CliError &&
        error.message ===
          '--auth and --insecure-allow-anonymous contradict each other: pass only one of them',
    );
  });
});

describe('localApiUrl', () => {
  test('wildcard addresses become loopback', () => {
    assert.equal(
      localApiUrl({ address: '0.0.0.0', family: 'IPv4', port: 8080 }),
      'http://127.0.0.1:8080',
    );
    assert.equal(localApiUrl({ address: '::', family: 'IPv6', port: 8080 }), 'http://[::1]:8080');
  });

  test('other addresses are kept', () => {
    assert.equal(
      localApiUrl({ address: '127.0.0.1', family: 'IPv4', port: 9090 }),
      'http://127.0.0.1:9090',
    );
    assert.equal(localApiUrl({ address: '::1', family: 'IPv6', port: 9090 }), 'http://[::1]:9090');
  });
});

describe('cronmesh worker --api-server', () => {
  const workerFlags = (apiServer?: string): WorkerCommandOptions => ({
    store: 'postgres://app@127.0.0.1:5432/jobs?schema=cronmesh',
    concurrency: '4',
    labels: '',
    listen: '127.0.0.1:9090',
    leaseDuration: '40s',
    heartbeatInterval: '10s',
    logLevel: 'info',
    logFormat: 'json',
    ...(apiServer === undefined ? {} : { apiServer }),
  });

  test('URL is normalized', () => {
    assert.equal(
      parseWorkerOptions(workerFlags('http://10.0.0.5:8080/')).apiServerUrl,
      'http://10.0.0.5:8080',
    );
    assert.equal(
      parseWorkerOptions(workerFlags('cronmesh.example.test:8080')).apiServerUrl,
      'http://cronmesh.example.test:8080',
    );
  });

  test('absent flag sets no URL', () => {
    assert.equal('apiServerUrl' in parseWorkerOptions(workerFlags()), false);
  });

  test('invalid URL names the flag', () => {
    for (const value of ['ftp://10.0.0.5', 'http://user:pw@10.0.0.5:8080', 'not a url']) {
      assert.throws(
        () => parseWorkerOptions(workerFlags(value)),
        (error: unknown) =>
          error instanceof CliError &&
          error.message ===
            `invalid --api-server value ${JSON.stringify(value)}: expected the URL of cronmesh ` +
              'serve as the attempts on this host reach it, such as http://10.0.0.5:8080',
        value,
      );
    }
  });
});

describe('cronmesh serve on a non-loopback address', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'd2-serve-auth-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('exits without --auth', async () => {
    const dataDir = join(dir, 'refused');

    const result = await runCli({ url: 'http://127.0.0.1:1' }, [
      'serve',
      '--data-dir',
      dataDir,
      '--listen',
      '0.0.0.0:0',
    ]);

    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, `error: ${refusal('0.0.0.0:0')}\n`);
    assert.equal(existsSync(dataDir), false, 'the data directory was created');
  });

  test('starts with --insecure-allow-anonymous and warns', async () => {
    const args = [
      'serve',
      '--data-dir',
      join(dir, 'anonymous'),
      '--listen',
      '0.0.0.0:0',
      '--insecure-allow-anonymous',
    ];
    const { serve, lines, listening, port } = await startServeCli(args);
    try {
      const warnings = lines.filter((line) => line['level'] === 40).map((line) => line['msg']);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      const foreignHost = await statusWithHost(port, configMapsPath, 'rebind.example:8080');

      assert.match(String(listening?.['url']), /^http:\/\/0\.0\.0\.0:\d+$/);
      assert.equal(
        warnings.includes(
          'the API listens on a non-loopback address and has no authentication, so anyone who can reach this address can run commands as this user',
        ),
        true,
        JSON.stringify(warnings),
      );
      assert.equal(health.status, 200);
      assert.equal(foreignHost, 200);
    } finally {
      serve.child.kill('SIGTERM');
    }
    assert.equal((await serve.exited).code, 0);
  });
});

describe('cronmesh serve on loopback without --auth', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rD2-serve-loopback-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('rejects anonymous requests to a foreign host', async () => {
    const { serve, port } = await startServeCli([
      'serve',
      '--data-dir',
      join(dir, 'data'),
      '--listen',
      '127.0.0.1:0',
    ]);
    try {
      const loopback = await statusWithHost(port, configMapsPath, `127.0.0.1:${port}`);
      const localhost = await statusWithHost(port, configMapsPath, `localhost:${port}`);
      const rebound = await statusWithHost(port, configMapsPath, `rebind.example:${port}`);
      const probe = await statusWithHost(port, '/healthz', `rebind.example:${port}`);

      assert.equal(loopback, 200);
      assert.equal(localhost, 200);
      assert.equal(rebound, 403);
      assert.equal(probe, 200);
    } finally {
      serve.child.kill('SIGTERM');
    }
    assert.equal((await serve.exited).code, 0);
  });
});
