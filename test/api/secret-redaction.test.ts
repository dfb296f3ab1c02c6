import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, ValidationError } from '../../src/api/errors.js';
import { formatFieldError } from '../../src/api/field-error.js';
import { checkResource, parseManifests } from '../../src/api/manifests.js';
import type { Secret } from '../../src/api/types.js';
import { validateResource } from '../../src/api/validate.js';
import { catchError } from './helpers.js';

void describe('Secret type errors', () => {
  void it('hide a stringData value of the wrong type', () => {
    const error = catchError(() =>
      checkResource({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds' },
        stringData: { pin: 73519 },
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.errors.map(formatFieldError), [
      'stringData[pin]: Invalid value: "<secret contents redacted>": must be a string, not an integer',
    ]);
  });

  void it('hide a data value of the wrong type', () => {
    const error = catchError(() =>
      checkResource({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds' },
        data: { enabled: true },
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.errors.map(formatFieldError), [
      'data[enabled]: Invalid value: "<secret contents redacted>": must be a string, not a boolean',
    ]);
  });

  void it('hide a stringData that is not a map', () => {
    const error = catchError(() =>
      checkResource({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds' },
        stringData: 'hunter2',
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.errors.map(formatFieldError), [
      'stringData: Invalid value: "<secret contents redacted>": must be an object, not a string',
    ]);
  });

  void it('keep values outside data and stringData', () => {
    const error = catchError(() =>
      checkResource({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds' },
        type: 5,
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.errors.map(formatFieldError), [
      'type: Invalid value: 5: must be a string, not an integer',
    ]);
  });

  void it('hide the value in manifest errors', () => {
    const text =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  pin: 73519\n';
    const error = catchError(() => parseManifests(text, 'creds.yaml'));
    assert.ok(error instanceof ManifestError);
    assert.equal(
      error.message,
      'The Secret "creds" is invalid: stringData[pin]: Invalid value: "<secret contents redacted>": must be a string, not an integer (file creds.yaml, line 6)',
    );
  });

  void it('leave ConfigMap values visible', () => {
    const error = catchError(() =>
      checkResource({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings' },
        data: { port: 8080 },
      }),
    );
    assert.ok(error instanceof ValidationError);
    assert.deepEqual(error.errors.map(formatFieldError), [
      'data[port]: Invalid value: 8080: must be a string, not an integer',
    ]);
  });
});

void describe('docker config Secret errors', () => {
  void it('do not quote the decoded contents', () => {
    const encoded = Buffer.from('{"auths": hunter2}').toString('base64');
    assert.deepEqual(dockerConfigMessages(encoded), [
      'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": Unexpected token \'h\' in JSON',
    ]);
  });

  void it('do not quote an excerpt of long contents', () => {
    const config = `{"auths": {"registry.example": {"auth": "${'c'.repeat(40)}"}}, "x": hunter2}`;
    const encoded = Buffer.from(config).toString('base64');
    assert.deepEqual(dockerConfigMessages(encoded), [
      'data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": Unexpected token \'h\' in JSON',
    ]);
  });
});

function dockerConfigMessages(encoded: string): string[] {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'registry', namespace: 'default' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': encoded },
  } as const;
  return validateResource(structuredClone(secret) as Secret, { operation: 'create' }).map(
    formatFieldError,
  );
}
