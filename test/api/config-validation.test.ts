import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkBase64 } from '../../src/api/base64.js';
import { applyDefaults } from '../../src/api/defaults.js';
import { formatFieldError } from '../../src/api/field-error.js';
import { validateResource } from '../../src/api/validate.js';
import type { ConfigMap, Secret } from '../../src/api/types.js';

function secret(data: Record<string, string>, type?: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'default' },
    data,
    ...(type ? { type } : {}),
  };
}

function configMap(data: Record<string, string>): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace: 'default' },
    data,
  };
}

function messagesOnCreate(resource: Secret | ConfigMap): string[] {
  return validateResource(resource, { operation: 'create' }).map(formatFieldError);
}

void describe('checkBase64', () => {
  const cases: [string, ReturnType<typeof checkBase64>][] = [
    ['', { ok: true, byteLength: 0 }],
    ['YWJj', { ok: true, byteLength: 3 }],
    ['YWJjZA==', { ok: true, byteLength: 4 }],
    ['YWJjZGU=', { ok: true, byteLength: 5 }],
    ['YWJj\nZGVm\r\n', { ok: true, byteLength: 6 }],
    ['YWJ', { ok: false, offset: 0, message: 'illegal base64 data at input byte 0' }],
    ['YWJjZA', { ok: false, offset: 4, message: 'illegal base64 data at input byte 4' }],
    ['YW!j', { ok: false, offset: 2, message: 'illegal base64 data at input byte 2' }],
    ['YWJjZA=', { ok: false, offset: 7, message: 'illegal base64 data at input byte 7' }],
    ['YWJjZA==YWJj', { ok: false, offset: 8, message: 'illegal base64 data at input byte 8' }],
    ['=YWJ', { ok: false, offset: 0, message: 'illegal base64 data at input byte 0' }],
  ];
  for (const [input, expected] of cases) {
    void it(`handles ${JSON.stringify(input)}`, () => {
      assert.deepEqual(checkBase64(input), expected);
    });
  }
});

void describe('Secret validation', () => {
  void it('accepts base64 data', () => {
    assert.deepEqual(messagesOnCreate(secret({ password: 'czNjcjN0' })), []);
  });

  void it('rejects data that is not base64 without echoing it', () => {
    assert.deepEqual(messagesOnCreate(secret({ password: 's3cr3t!' })), [
      'data[password]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 6',
    ]);
  });

  void it('rejects an invalid key', () => {
    assert.deepEqual(messagesOnCreate(secret({ 'pass word': 'czNjcjN0' })), [
      "data[pass word]: Invalid value: \"pass word\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });

  void it('requires the keys of a TLS Secret', () => {
    assert.deepEqual(messagesOnCreate(secret({}, 'kubernetes.io/tls')), [
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
  });

  void it('requires username or password for basic auth', () => {
    assert.deepEqual(messagesOnCreate(secret({ password: '' }, 'kubernetes.io/basic-auth')), []);
  });

  void it('merges stringData into data', () => {
    const stored = applyDefaults({ ...secret({ a: 'eA==' }), stringData: { b: 'hello', a: 'y' } });
    assert.deepEqual(stored.data, { a: 'eQ==', b: 'aGVsbG8=' });
    assert.equal('stringData' in stored, false);
    assert.equal(stored.type, 'Opaque');
  });

  void it('forbids changing an immutable Secret', () => {
    const old = { ...secret({ a: 'eA==' }), immutable: true };
    const changed = { ...secret({ a: 'eQ==' }), immutable: true };
    assert.deepEqual(
      validateResource(changed, { operation: 'update', old }).map(formatFieldError),
      ['data: Forbidden: field is immutable when `immutable` is set'],
    );
  });

  void it('forbids changing the type', () => {
    const old = secret({}, 'Opaque');
    const changed = secret({ 'tls.crt': 'eA==', 'tls.key': 'eA==' }, 'kubernetes.io/tls');
    assert.deepEqual(
      validateResource(changed, { operation: 'update', old }).map(formatFieldError),
      ['type: Invalid value: "kubernetes.io/tls": field is immutable'],
    );
  });
});

void describe('ConfigMap validation', () => {
  void it('accepts file-like keys', () => {
    assert.deepEqual(messagesOnCreate(configMap({ 'app.properties': 'a=1', KEY_NAME: 'x' })), []);
  });

  void it('rejects a key with a slash', () => {
    assert.deepEqual(messagesOnCreate(configMap({ 'conf/app': 'x' })), [
      "data[conf/app]: Invalid value: \"conf/app\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });

  void it('rejects a key present in data and binaryData', () => {
    const resource = { ...configMap({ a: 'x' }), binaryData: { a: 'eA==' } };
    assert.deepEqual(messagesOnCreate(resource), [
      'data[a]: Invalid value: "a": duplicate of key present in binaryData',
      'binaryData[a]: Invalid value: "a": duplicate of key present in data',
    ]);
  });

  void it('rejects more than 1 MiB of data', () => {
    assert.deepEqual(messagesOnCreate(configMap({ big: 'x'.repeat(1024 * 1024 + 1) })), [
      'data: Too long: may not be more than 1048576 bytes',
    ]);
  });

  void it('forbids making an immutable ConfigMap mutable', () => {
    const old = { ...configMap({ a: 'x' }), immutable: true };
    assert.deepEqual(
      validateResource(configMap({ a: 'x' }), { operation: 'update', old }).map(formatFieldError),
      ['immutable: Forbidden: field is immutable when `immutable` is set'],
    );
  });
});
