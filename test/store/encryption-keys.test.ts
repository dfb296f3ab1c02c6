import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  InvalidEncryptionKeyError,
  derivedKeyId,
  parseEncryptionKeys,
} from '../../src/store/encryption/keys.js';

const first = randomBytes(32);
const second = randomBytes(32);
const firstText = first.toString('base64');
const secondText = second.toString('base64');

function parseError(text: string): InvalidEncryptionKeyError {
  try {
    parseEncryptionKeys(text, 'keys.txt');
  } catch (error) {
    assert.ok(error instanceof InvalidEncryptionKeyError, String(error));
    return error;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

describe('encryption key lists', () => {
  it('bare key gets a derived id', () => {
    const keys = parseEncryptionKeys(firstText, 'CRONMESH_ENCRYPTION_KEY');

    assert.equal(derivedKeyId(first), createHash('sha256').update(first).digest('hex').slice(0, 8));
    assert.deepEqual(keys.ids, [derivedKeyId(first)]);
    assert.deepEqual(keys.primary.key, first);
  });

  it('file lists keys in order', () => {
    const text = `# rotated in May, the old key still decrypts\r\nnew:${secondText}\r\n\r\n  old : ${firstText}  \n${randomBytes(32).toString('base64')}\n`;

    const keys = parseEncryptionKeys(text, 'keys.txt');

    assert.equal(keys.ids.length, 3);
    assert.deepEqual(keys.ids.slice(0, 2), ['new', 'old']);
    assert.equal(keys.primary.id, 'new');
    assert.deepEqual(keys.find('old')?.key, first);
    assert.equal(keys.find('absent'), undefined);
  });

  it('commas separate keys on one line', () => {
    const keys = parseEncryptionKeys(`b:${secondText},a:${firstText}`, 'CRONMESH_ENCRYPTION_KEY');

    assert.deepEqual(keys.ids, ['b', 'a']);
  });

  const rejected: Array<[string, string, string]> = [
    [
      'short key',
      `a:${randomBytes(16).toString('base64')}`,
      'invalid encryption key in keys.txt: the key "a" is not the base64 encoding of 32 bytes ' +
        '(found 24 characters); create one with: openssl rand -base64 32',
    ],
    [
      'text that is not base64',
      `# keys\nnot-base64-${'x'.repeat(33)}`,
      'invalid encryption key in keys.txt, line 2: the key is not the base64 encoding of 32 ' +
        'bytes (found 44 characters); create one with: openssl rand -base64 32',
    ],
    [
      'invalid id',
      `key one:${firstText}`,
      'invalid encryption key in keys.txt: invalid key id "key one": expected 1 to 64 letters, ' +
        "digits, '_', '.' or '-'",
    ],
    [
      'id given twice',
      `a:${firstText}\na:${secondText}`,
      'invalid encryption key in keys.txt, line 2: key id "a" is given twice; every key needs ' +
        'its own id',
    ],
    [
      'same bare key twice',
      `${firstText}\n${firstText}`,
      `invalid encryption key in keys.txt, line 2: key id "${derivedKeyId(first)}" is given ` +
        'twice; every key needs its own id',
    ],
    [
      'only comments',
      '# no key yet\n\n',
      'invalid encryption key in keys.txt: no key found; expected lines of ID:BASE64 or ' +
        'BASE64, where BASE64 encodes 32 random bytes',
    ],
  ];
  for (const [name, text, message] of rejected) {
    it(`rejects ${name}`, () => {
      const error = parseError(text);

      assert.equal(error.code, 'InvalidEncryptionKey');
      assert.equal(error.message, message);
    });
  }

  it('messages never quote a key', () => {
    const key = `${firstText.slice(0, -1)}!`;

    const error = parseError(`a:${key}`);

    assert.equal(error.message.includes(key), false);
    assert.equal(error.message.includes(firstText.slice(0, 20)), false);
  });
});
