import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import { parseServerUrl } from '../../src/cli/server-url.js';
import type { TestServer } from './harness.js';
import { runCli, startCliServer } from './harness.js';

const expectedUrl = 'expected a URL such as http://127.0.0.1:8080';

describe('parseServerUrl', () => {
  test('accepts http and https URLs', () => {
    assert.equal(parseServerUrl('http://127.0.0.1:8080', '--server'), 'http://127.0.0.1:8080');
    assert.equal(parseServerUrl('http://127.0.0.1:8080/', '--server'), 'http://127.0.0.1:8080');
    assert.equal(parseServerUrl('HTTPS://Example.test', '--server'), 'https://example.test');
    assert.equal(parseServerUrl('http://[::1]:8080', '--server'), 'http://[::1]:8080');
    assert.equal(parseServerUrl('http://host:8080/prefix/', '--server'), 'http://host:8080/prefix');
  });

  test('reads HOST:PORT as http', () => {
    assert.equal(parseServerUrl('127.0.0.1:8080', '--server'), 'http://127.0.0.1:8080');
    assert.equal(parseServerUrl('localhost:9000', '--server'), 'http://localhost:9000');
    assert.equal(parseServerUrl('[::1]:8080', '--server'), 'http://[::1]:8080');
  });

  test('rejects other values naming the flag', () => {
    for (const value of [
      'notaurl',
      '',
      '127.0.0.1',
      '127.0.0.1:',
      '127.0.0.1:99999',
      ':8080',
      'ftp://127.0.0.1:8080',
      'http://',
      'http://user:secret@127.0.0.1:8080',
      'http://127.0.0.1:8080/?watch=1',
      'http://127.0.0.1:8080/#top',
      'http//127.0.0.1:8080',
    ]) {
      assert.throws(
        () => parseServerUrl(value, '--server'),
        (error: unknown) => error instanceof CliError,
        value,
      );
      assert.throws(
        () => parseServerUrl(value, '--server'),
        { message: `invalid --server value ${JSON.stringify(value)}: ${expectedUrl}` },
        value,
      );
    }
  });

  test('names the environment variable', () => {
    assert.throws(() => parseServerUrl('notaurl', 'CRONMESH_SERVER'), {
      code: 'CliError',
      message: `invalid CRONMESH_SERVER value "notaurl": ${expectedUrl}`,
    });
  });
});

describe('cronmesh --server', () => {
  let server: TestServer;
  let hostAndPort: string;

  before(async () => {
    server = await startCliServer();
    hostAndPort = server.url.replace(/^http:\/\//, '');
  });
  after(async () => {
    await server.close();
  });

  test('flag without scheme reaches the server', async () => {
    const result = await runCli(server, ['get', 'configmaps', '--server', hostAndPort]);
    assert.equal(result.stderr, 'No resources found in default namespace.\n');
    assert.equal(result.code, 0);
  });

  test('variable without scheme reaches the server', async () => {
    const result = await runCli(server, ['get', 'configmaps'], {
      env: { CRONMESH_SERVER: hostAndPort },
    });
    assert.equal(result.stderr, 'No resources found in default namespace.\n');
    assert.equal(result.code, 0);
  });

  test('invalid flag names flag and value', async () => {
    const result = await runCli(server, ['get', 'configmaps', '--server', 'notaurl']);
    assert.equal(result.stderr, `error: invalid --server value "notaurl": ${expectedUrl}\n`);
    assert.equal(result.stdout, '');
    assert.equal(result.code, 1);
  });

  test('invalid variable names variable and value', async () => {
    const result = await runCli(server, ['get', 'configmaps'], {
      env: { CRONMESH_SERVER: 'notaurl' },
    });
    assert.equal(result.stderr, `error: invalid CRONMESH_SERVER value "notaurl": ${expectedUrl}\n`);
    assert.equal(result.code, 1);
  });

  test('flag wins over the variable', async () => {
    const result = await runCli(server, ['get', 'configmaps', '--server', hostAndPort], {
      env: { CRONMESH_SERVER: 'notaurl' },
    });
    assert.equal(result.stderr, 'No resources found in default namespace.\n');
    assert.equal(result.code, 0);
  });
});
