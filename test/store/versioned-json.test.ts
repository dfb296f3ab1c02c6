import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConfigMap } from '../../src/api/types.js';
import { joinVersionedJson, splitAtResourceVersion } from '../../src/store/postgres/writes.js';

function settings(metadata: ConfigMap['metadata'], data: Record<string, string> = {}): ConfigMap {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

void describe('splitAtResourceVersion', () => {
  void it('keeps the key in its place', () => {
    const object = settings({ name: 'a', resourceVersion: '7', namespace: 'default' });

    const json = joinVersionedJson(splitAtResourceVersion(object), '12');

    assert.equal(
      json,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","resourceVersion":"12",' +
        '"namespace":"default"},"data":{}}',
    );
  });

  void it('appends a missing key to metadata', () => {
    const object = settings({ name: 'a', namespace: 'default' });

    const json = joinVersionedJson(splitAtResourceVersion(object), '3');

    assert.equal(
      json,
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","namespace":"default",' +
        '"resourceVersion":"3"},"data":{}}',
    );
  });

  void it('leaves look-alike data alone', () => {
    const object = settings({ name: 'a' }, { resourceVersion: '', note: '"resourceVersion":""' });

    const parsed = JSON.parse(joinVersionedJson(splitAtResourceVersion(object), '5')) as ConfigMap;

    assert.equal(parsed.metadata.resourceVersion, '5');
    assert.deepEqual(parsed.data, { resourceVersion: '', note: '"resourceVersion":""' });
  });

  void it('does not change its argument', () => {
    const object = settings({ name: 'a', resourceVersion: '7' });

    splitAtResourceVersion(object);

    assert.equal(object.metadata.resourceVersion, '7');
  });
});
