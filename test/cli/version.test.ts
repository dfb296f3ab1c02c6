import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { readPackageVersion } from '../../src/cli/version.js';
import { runCli } from './harness.js';

// This test runs as dist/test/cli/version.test.js, three folders below the package root.
const packageJson = new URL('../../../package.json', import.meta.url);
const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

describe('cronmesh --version', () => {
  test('reads package.json', () => {
    assert.equal(readPackageVersion(), version);
  });

  test('prints the version', async () => {
    const result = await runCli({ url: 'http://127.0.0.1:1' }, ['--version']);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });

  test('short flag prints the version', async () => {
    const result = await runCli({ url: 'http://127.0.0.1:1' }, ['-V']);
    assert.equal(result.stdout, `${version}\n`);
    assert.equal(result.code, 0);
  });
});
