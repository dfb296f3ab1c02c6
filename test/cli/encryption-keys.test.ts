import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadEncryptionKeys } from '../../src/cli/encryption-keys.js';
import { CliError } from '../../src/cli/errors.js';
import { derivedKeyId } from '../../src/store/encryption/keys.js';
import type { Logger } from '../../src/util/logger.js';
import { silentLogger } from '../../src/util/logger.js';

/** Returns a logger that records each info line as `message fields-json`. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    ...silentLogger,
    lines,
    info: (fields, message) => lines.push(`${message} ${JSON.stringify(fields)}`),
  };
}

async function rejection(promise: Promise<unknown>): Promise<CliError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CliError, String(error));
    return error;
  }
  assert.fail('expected a CliError');
}

describe('loading encryption keys', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-keys-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a private key file in the data directory', async () => {
    const dataDir = join(dir, 'fresh', 'data');
    const logger = recordingLogger();

    const created = await loadEncryptionKeys({ dataDir }, logger);
    const reloaded = await loadEncryptionKeys({ dataDir }, logger);
    const path = join(dataDir, 'encryption.key');
    const info = await stat(path);
    const text = await readFile(path, 'utf8');

    assert.equal(info.mode & 0o777, 0o600);
    assert.deepEqual(reloaded.primary.key, created.primary.key);
    assert.equal(created.primary.id, derivedKeyId(created.primary.key));
    assert.equal(text.endsWith(`\n${created.primary.key.toString('base64')}\n`), true, text);
    assert.deepEqual(logger.lines, [
      `Secret encryption key created {"source":"data-dir","path":"${path}","keyIds":["${created.primary.id}"]}`,
      `Secret encryption keys loaded {"source":"data-dir","path":"${path}","keyIds":["${created.primary.id}"]}`,
    ]);
  });

  it('key file wins over the environment', async () => {
    const path = join(dir, 'keys.txt');
    await writeFile(
      path,
      `new:${randomBytes(32).toString('base64')}\nold:${randomBytes(32).toString('base64')}\n`,
    );
    const logger = recordingLogger();

    const keys = await loadEncryptionKeys(
      { keyFile: path, environmentValue: randomBytes(32).toString('base64'), dataDir: dir },
      logger,
    );

    assert.deepEqual(keys.ids, ['new', 'old']);
    assert.deepEqual(logger.lines, [
      `Secret encryption keys loaded {"source":"key-file","path":"${path}","keyIds":["new","old"]}`,
    ]);
  });

  it('environment wins over the data directory', async () => {
    const key = randomBytes(32);
    const dataDir = join(dir, 'unused');

    const keys = await loadEncryptionKeys(
      { environmentValue: key.toString('base64'), dataDir },
      recordingLogger(),
    );

    assert.deepEqual(keys.primary.key, key);
    await assert.rejects(stat(dataDir), { code: 'ENOENT' });
  });

  it('PostgreSQL needs a configured key', async () => {
    const error = await rejection(loadEncryptionKeys({ environmentValue: '' }, recordingLogger()));

    assert.equal(
      error.message,
      'missing encryption key: with a PostgreSQL store, every cronmesh serve replica and worker ' +
        'must encrypt Secrets with the same key. Pass --encryption-key-file PATH or set ' +
        'CRONMESH_ENCRYPTION_KEY, for example to the output of: openssl rand -base64 32',
    );
  });

  it('missing key file is an error', async () => {
    const path = join(dir, 'absent.key');

    const error = await rejection(loadEncryptionKeys({ keyFile: path }, recordingLogger()));

    assert.equal(error.message, `the encryption key file "${path}" does not exist`);
  });

  it('invalid environment key is an error', async () => {
    const error = await rejection(
      loadEncryptionKeys({ environmentValue: 'c2hvcnQ=' }, recordingLogger()),
    );

    assert.equal(
      error.message,
      'invalid encryption key in CRONMESH_ENCRYPTION_KEY: the key is not the base64 encoding ' +
        'of 32 bytes (found 8 characters); create one with: openssl rand -base64 32',
    );
  });
});
