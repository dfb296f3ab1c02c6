import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeManifests } from '../../src/api/decode.js';
import { DecodeError } from '../../src/api/errors.js';

const multiDocument = [
  '# leading comment', // 1
  '---', // 2
  '---', // 3: an empty document
  'apiVersion: v1', // 4
  'kind: ConfigMap', // 5
  'metadata:', // 6
  '  name: first', // 7
  'data:', // 8
  '  app.properties: x=1', // 9
  '---', // 10
  '# only a comment', // 11
  '---', // 12
  'apiVersion: batch/v1', // 13
  'kind: CronJob', // 14
  'metadata:', // 15
  '  name: second', // 16
  'spec:', // 17
  '  jobTemplate:', // 18
  '    spec:', // 19
  '      template:', // 20
  '        spec:', // 21
  '          containers:', // 22
  '            - name: a', // 23
  '              image: busybox', // 24
  '            - name: b', // 25
  '              image: alpine', // 26
  '',
].join('\n');

void describe('decodeManifests', () => {
  void it('skips empty documents', () => {
    const result = decodeManifests(multiDocument, 'many.yaml');
    assert.equal(result.documents.length, 2);
    assert.equal(result.errors.length, 0);
  });

  void it('gives each document its start line', () => {
    const [first, second] = decodeManifests(multiDocument, 'many.yaml').documents;
    assert.equal(first?.line, 4);
    assert.equal(second?.line, 13);
    assert.equal(first?.file, 'many.yaml');
  });

  void it('finds the line of nested field paths', () => {
    const [first, second] = decodeManifests(multiDocument, 'many.yaml').documents;
    assert.equal(first?.lineOf('data[app.properties]'), 9);
    assert.equal(second?.lineOf('metadata.name'), 16);
    assert.equal(second?.lineOf('spec.jobTemplate.spec.template.spec.containers[0].image'), 24);
    assert.equal(second?.lineOf('spec.jobTemplate.spec.template.spec.containers[1]'), 25);
    assert.equal(second?.lineOf('spec.jobTemplate.spec.template.spec.containers[1].image'), 26);
  });

  void it('falls back to the closest present ancestor', () => {
    const [, second] = decodeManifests(multiDocument, 'many.yaml').documents;
    assert.equal(second?.lineOf('spec.schedule'), 17);
    assert.equal(second?.lineOf('spec.jobTemplate.spec.template.spec.containers[1].ports[0]'), 25);
    assert.equal(second?.lineOf(''), 13);
  });

  void it('decodes the plain objects', () => {
    const [first] = decodeManifests(multiDocument, 'many.yaml').documents;
    assert.deepEqual(first?.object, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'first' },
      data: { 'app.properties': 'x=1' },
    });
  });

  void it('reports a syntax error with file, line and column', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n   b: c\n';
    const [error] = decodeManifests(text, 'broken.yaml').errors;
    assert.ok(error instanceof DecodeError);
    assert.equal(error.code, 'DecodeFailed');
    assert.equal(error.line, 4);
    assert.equal(error.column, 9);
    assert.equal(
      error.message,
      'error parsing broken.yaml: line 4, column 9: Nested mappings are not allowed in compact mappings',
    );
  });

  void it('keeps valid documents beside a broken one', () => {
    const text =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nkey: "unterminated\n';
    const result = decodeManifests(text, 'mixed.yaml');
    assert.equal(result.documents.length, 1);
    assert.equal(result.errors.length, 1);
    assert.equal(
      result.errors[0]?.message,
      'error parsing mixed.yaml: line 7, column 1: Missing closing "quote',
    );
  });

  void it('rejects duplicate keys', () => {
    const [error] = decodeManifests('kind: Secret\nkind: ConfigMap\n', 'dup.yaml').errors;
    assert.equal(
      error?.message,
      'error parsing dup.yaml: line 2, column 1: Map keys must be unique',
    );
  });

  void it('decodes JSON with line numbers', () => {
    const text =
      '{\n\t"apiVersion": "v1",\n\t"kind": "Secret",\n\t"metadata": {\n\t\t"name": "token"\n\t}\n}\n';
    const [document] = decodeManifests(text, 'secret.json').documents;
    assert.deepEqual(document?.object, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'token' },
    });
    assert.equal(document?.lineOf('metadata.name'), 5);
  });

  void it('resolves scalars as YAML 1.1 like Kubernetes', () => {
    const text =
      'mode: 0644\nenabled: on\ncreated: 2024-01-01T00:00:00Z\nclock: 1:30\nversion: "1.0"\n';
    const [document] = decodeManifests(text, 'scalars.yaml').documents;
    assert.deepEqual(document?.object, {
      mode: 420,
      enabled: true,
      created: '2024-01-01T00:00:00Z',
      clock: '1:30',
      version: '1.0',
    });
  });

  void it('expands a v1 List into its items', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata:',
      '      name: one',
      '  - apiVersion: v1',
      '    kind: ConfigMap',
      '    metadata:',
      '      name: two',
      '',
    ].join('\n');
    const { documents } = decodeManifests(text, 'list.yaml');
    assert.equal(documents.length, 2);
    assert.equal(documents[1]?.line, 8);
    assert.equal(documents[1]?.lineOf('metadata.name'), 11);
  });

  void it('follows merge keys for lines', () => {
    const text = 'defaults: &defaults\n  a: 1\nthing:\n  <<: *defaults\n  b: 2\n';
    const [document] = decodeManifests(text, 'merge.yaml').documents;
    assert.deepEqual(document?.object, { defaults: { a: 1 }, thing: { a: 1, b: 2 } });
    assert.equal(document?.lineOf('thing.a'), 2);
    assert.equal(document?.lineOf('thing.b'), 5);
  });

  void it('rejects a document that is not an object', () => {
    const [error] = decodeManifests('---\n- a\n- b\n', 'list.yaml').errors;
    assert.equal(
      error?.message,
      'error parsing list.yaml: line 2: expected an object with apiVersion and kind, found a list',
    );
  });

  void it('rejects an alias expansion attack', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [previous, name] of [...'abcdefghi'].map((letter, index) => [
      letter,
      'bcdefghij'[index],
    ])) {
      const alias = `*${previous}`;
      levels.push(`${name}: &${name} [${Array(9).fill(alias).join(', ')}]`);
    }
    const result = decodeManifests(levels.join('\n'), 'bomb.yaml');
    assert.equal(result.documents.length, 0);
    assert.equal(
      result.errors[0]?.message,
      'error parsing bomb.yaml: line 1: YAML aliases copy their anchored nodes more than 100 ' +
        'times, the limit that stops alias expansion ("billion laughs") attacks',
    );
  });

  void it('returns nothing for an empty file', () => {
    const result = decodeManifests('', 'empty.yaml');
    assert.equal(result.documents.length, 0);
    assert.equal(result.errors.length, 0);
  });
});
