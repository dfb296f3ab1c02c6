import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeManifests } from '../../src/api/decode.js';
import { maxManifestDepth } from '../../src/api/limits.js';

const configMapHeader = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n';

/** Returns flow YAML of `levels` sequences nested in each other: `[[[]]]` for 3. */
function nestedSequences(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

function messagesOf(text: string): string[] {
  return decodeManifests(text, 'deep.yaml').errors.map((error) => error.message);
}

describe('manifest nesting limit', () => {
  it('accepts nesting up to the limit', () => {
    // The document is level 1, so the extra field may nest 255 levels.
    const result = decodeManifests(
      `${configMapHeader}extra: ${nestedSequences(maxManifestDepth - 1)}\n`,
      'deep.yaml',
    );

    assert.deepEqual(result.errors, []);
    assert.equal(result.documents.length, 1);
  });

  it('rejects flow nesting past the limit', () => {
    const messages = messagesOf(`${configMapHeader}extra: ${nestedSequences(maxManifestDepth)}\n`);

    assert.deepEqual(messages, [
      'error parsing deep.yaml: line 5: mappings and sequences are nested 257 levels deep, ' +
        'more than the limit of 256 levels',
    ]);
  });

  it('rejects deep block sequences without exhausting the stack', () => {
    const text = `extra:\n  ${'- '.repeat(100_000)}x\n`;

    const messages = messagesOf(text);

    assert.deepEqual(messages, [
      'error parsing deep.yaml: line 2: mappings and sequences are nested 100001 levels deep, ' +
        'more than the limit of 256 levels',
    ]);
  });

  it('rejects deep indentation at the first level past the limit', () => {
    const lines = Array.from({ length: 300 }, (_, index) => `${' '.repeat(index)}a:`);

    const messages = messagesOf(`${lines.join('\n')} 1\n`);

    assert.deepEqual(messages, [
      'error parsing deep.yaml: line 257: mappings and sequences are nested 300 levels deep, ' +
        'more than the limit of 256 levels',
    ]);
  });

  it('keeps the other documents of the file', () => {
    const text = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\n',
      `extra: ${nestedSequences(300)}\n`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: after\n',
    ].join('---\n');

    const result = decodeManifests(text, 'deep.yaml');

    assert.deepEqual(
      result.documents.map((document) => (document.object.metadata as { name: string }).name),
      ['before', 'after'],
    );
    assert.deepEqual(
      result.errors.map((error) => error.message),
      [
        'error parsing deep.yaml: line 6: mappings and sequences are nested 301 levels deep, ' +
          'more than the limit of 256 levels',
      ],
    );
  });

  it('counts the depth that aliases add', () => {
    const text = `anchor: &deep ${nestedSequences(200)}\nuse: ${'['.repeat(200)}*deep${']'.repeat(200)}\n`;

    assert.deepEqual(messagesOf(text), [
      'error parsing deep.yaml: line 1: mappings and sequences are nested 401 levels deep, ' +
        'more than the limit of 256 levels once the YAML aliases are expanded',
    ]);
  });

  it('rejects an alias inside its own anchor', () => {
    const text = `${configMapHeader}extra: &loop\n  - *loop\n`;

    assert.deepEqual(messagesOf(text), [
      'error parsing deep.yaml: line 1: a YAML alias refers to a node that contains the alias, ' +
        'so the value would be infinite',
    ]);
  });

  it('accepts an alias used many times below the limit', () => {
    const uses = Array.from({ length: 50 }, (_, index) => `  k${index}: *labels`).join('\n');
    const text = `${configMapHeader}  labels: &labels\n    app: web\ndata:\n${uses}\n`;

    const result = decodeManifests(text, 'deep.yaml');

    assert.deepEqual(result.errors, []);
    assert.deepEqual((result.documents[0]?.object.data as Record<string, unknown>)['k49'], {
      app: 'web',
    });
  });
});
