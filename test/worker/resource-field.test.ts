import assert from 'node:assert/strict';
import { cpus, totalmem } from 'node:os';
import { describe, it } from 'node:test';
import type { Container, Pod } from '../../src/api/types.js';
import { resourceFieldValue } from '../../src/worker/resource-field.js';

const app: Container = {
  name: 'app',
  command: ['true'],
  resources: { limits: { cpu: '1500m', memory: '256Mi' }, requests: { cpu: '250m' } },
};
const sidecar: Container = { name: 'sidecar', command: ['true'] };
const pod: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [app, sidecar] },
};

describe('resourceFieldRef values', () => {
  const cases: Array<[string, Container, string, string | number | undefined, string | undefined]> =
    [
      ['cpu limit rounds up to cores', app, 'limits.cpu', undefined, '2'],
      ['cpu limit in millicores', app, 'limits.cpu', '1m', '1500'],
      ['memory limit in bytes', app, 'limits.memory', undefined, String(256 * 1024 * 1024)],
      ['memory limit in Mi', app, 'limits.memory', '1Mi', '256'],
      ['cpu request in millicores', app, 'requests.cpu', '1m', '250'],
      ['memory request falls back to limit', app, 'requests.memory', '1Mi', '256'],
      ['missing request and limit is 0', sidecar, 'requests.cpu', undefined, '0'],
      [
        'missing cpu limit is machine capacity',
        sidecar,
        'limits.cpu',
        undefined,
        String(cpus().length),
      ],
      [
        'missing memory limit is machine capacity',
        sidecar,
        'limits.memory',
        undefined,
        String(totalmem()),
      ],
      ['unknown resource kind', app, 'capacity.cpu', undefined, undefined],
      ['zero divisor', app, 'limits.cpu', '0', undefined],
    ];
  for (const [name, container, resource, divisor, expected] of cases) {
    it(name, () => {
      const ref = divisor === undefined ? { resource } : { resource, divisor };
      assert.equal(resourceFieldValue(pod, container, ref), expected);
    });
  }

  it('names another container', () => {
    const value = resourceFieldValue(pod, sidecar, {
      containerName: 'app',
      resource: 'limits.memory',
      divisor: '1Mi',
    });
    assert.equal(value, '256');
  });

  it('unknown container name', () => {
    const value = resourceFieldValue(pod, app, { containerName: 'absent', resource: 'limits.cpu' });
    assert.equal(value, undefined);
  });
});
