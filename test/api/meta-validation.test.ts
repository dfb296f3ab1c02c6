import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../src/api/field-error.js';
import { checkConfigMapKey, checkQualifiedName } from '../../src/api/names.js';
import {
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
} from '../../src/api/validate-meta.js';

const qualifiedNameRule =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

void describe('label validation', () => {
  void it('accepts prefixed keys and empty values', () => {
    assert.deepEqual(
      validateLabels({ 'app.kubernetes.io/name': 'web', empty: '' }, 'metadata.labels'),
      [],
    );
  });

  void it('rejects a key with a space', () => {
    assert.deepEqual(validateLabels({ 'bad key': 'x' }, 'metadata.labels').map(formatFieldError), [
      `metadata.labels: Invalid value: "bad key": name part ${qualifiedNameRule}`,
    ]);
  });

  void it('rejects a value longer than 63 characters', () => {
    const value = 'v'.repeat(64);
    assert.deepEqual(validateLabels({ app: value }, 'metadata.labels').map(formatFieldError), [
      `metadata.labels: Invalid value: "${value}": must be no more than 63 characters`,
    ]);
  });

  void it('rejects a value with a slash', () => {
    assert.deepEqual(validateLabels({ app: 'a/b' }, 'metadata.labels').map(formatFieldError), [
      "metadata.labels: Invalid value: \"a/b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
  });
});

void describe('checkQualifiedName', () => {
  void it('rejects two slashes', () => {
    assert.deepEqual(checkQualifiedName('a/b/c'), [
      `a qualified name ${qualifiedNameRule} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
  });

  void it('rejects an empty prefix', () => {
    assert.deepEqual(checkQualifiedName('/name'), ['prefix part must be non-empty']);
  });

  void it('rejects an upper-case prefix', () => {
    assert.deepEqual(checkQualifiedName('Example.com/name'), [
      "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  void it('rejects an empty name', () => {
    assert.deepEqual(checkQualifiedName('example.com/'), [
      'name part must be non-empty',
      `name part ${qualifiedNameRule}`,
    ]);
  });
});

void describe('annotation validation', () => {
  void it('ignores the case of keys', () => {
    assert.deepEqual(validateAnnotations({ 'Example.com/Owner': 'x' }, 'metadata.annotations'), []);
  });

  void it('rejects more than 256 KiB in total', () => {
    const annotations = { a: 'x'.repeat(256 * 1024) };
    assert.deepEqual(
      validateAnnotations(annotations, 'metadata.annotations').map(formatFieldError),
      ['metadata.annotations: Too long: may not be more than 262144 bytes'],
    );
  });
});

void describe('validateObjectMeta', () => {
  void it('rejects a namespace that is not a DNS label', () => {
    assert.deepEqual(
      validateObjectMeta({ name: 'a', namespace: 'team.a' }, 'metadata').map(formatFieldError),
      [
        "metadata.namespace: Invalid value: \"team.a\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      ],
    );
  });

  void it('requires a namespace', () => {
    assert.deepEqual(validateObjectMeta({ name: 'a' }, 'metadata').map(formatFieldError), [
      'metadata.namespace: Required value',
    ]);
  });

  void it('accepts a generateName ending in a dash', () => {
    assert.deepEqual(
      validateObjectMeta({ generateName: 'run-', namespace: 'default' } as never, 'metadata'),
      [],
    );
  });

  void it('rejects a name longer than 253 characters', () => {
    const name = 'a'.repeat(254);
    assert.deepEqual(
      validateObjectMeta({ name, namespace: 'default' }, 'metadata').map(formatFieldError),
      [`metadata.name: Invalid value: "${name}": must be no more than 253 characters`],
    );
  });
});

void describe('checkConfigMapKey', () => {
  void it('accepts dotted names', () => {
    assert.deepEqual(checkConfigMapKey('app.properties'), []);
  });

  void it('rejects ..', () => {
    assert.deepEqual(checkConfigMapKey('..'), ["must not be '..'"]);
  });

  void it('rejects a leading ..', () => {
    assert.deepEqual(checkConfigMapKey('..data'), ["must not start with '..'"]);
  });
});
