import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFieldError } from '../../src/api/field-error.js';
import type { Container, Job } from '../../src/api/types.js';
import { describeUnenforcedFields } from '../../src/api/unenforced.js';
import { validateResource } from '../../src/api/validate.js';
import { job } from './helpers.js';

const container0 = 'spec.template.spec.containers[0]';

function jobWithResources(resources: Container['resources']): Job {
  const resource = job();
  const [container] = resource.spec.template.spec.containers;
  assert.ok(container !== undefined);
  container.resources = resources;
  return resource;
}

function messagesFor(resources: Container['resources']): string[] {
  return validateResource(jobWithResources(resources), { operation: 'create' }).map(
    formatFieldError,
  );
}

describe('container resources validation', () => {
  it('accepts cpu and memory', () => {
    const messages = messagesFor({
      requests: { cpu: '250m', memory: '64Mi' },
      limits: { cpu: 1, memory: '128Mi' },
    });

    assert.deepEqual(messages, []);
  });

  it('rejects extended resources and huge pages', () => {
    const messages = messagesFor({
      limits: { 'nvidia.com/gpu': 1, 'hugepages-2Mi': '64Mi' },
      requests: { 'example.com/widget': 2, storage: '1Gi' },
    });

    assert.deepEqual(messages, [
      `${container0}.resources.limits[nvidia.com/gpu]: Invalid value: "nvidia.com/gpu": not supported: extended resources need a device plugin, which cronmesh lacks; cronmesh supports only cpu and memory`,
      `${container0}.resources.limits[hugepages-2Mi]: Invalid value: "hugepages-2Mi": not supported: cronmesh does not reserve huge pages; cronmesh supports only cpu and memory`,
      `${container0}.resources.requests[example.com/widget]: Invalid value: "example.com/widget": not supported: extended resources need a device plugin, which cronmesh lacks; cronmesh supports only cpu and memory`,
      `${container0}.resources.requests[storage]: Invalid value: "storage": must be a standard resource for containers; cronmesh supports only cpu and memory`,
    ]);
  });

  it('accepts ephemeral-storage and lists it as unenforced', () => {
    const resource = jobWithResources({
      requests: { cpu: '100m', 'ephemeral-storage': '1Gi' },
      limits: { memory: '64Mi', 'ephemeral-storage': '2Gi' },
    });

    assert.deepEqual(validateResource(resource, { operation: 'create' }), []);
    assert.deepEqual(describeUnenforcedFields(resource), [
      `${container0}.image`,
      `${container0}.resources.requests[ephemeral-storage]`,
      `${container0}.resources.limits[ephemeral-storage]`,
    ]);
  });

  it('rejects an unparsable quantity', () => {
    const messages = messagesFor({ limits: { memory: '1.2.3Gi' }, requests: { cpu: '5mm' } });

    assert.deepEqual(messages, [
      `${container0}.resources.limits[memory]: Invalid value: "1.2.3Gi": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
      `${container0}.resources.requests[cpu]: Invalid value: "5mm": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    ]);
  });

  it('rejects a negative quantity', () => {
    const messages = messagesFor({ limits: { memory: '-64Mi' } });

    assert.deepEqual(messages, [
      `${container0}.resources.limits[memory]: Invalid value: "-64Mi": must be greater than or equal to 0`,
    ]);
  });

  it('rejects resource claims', () => {
    const resources = { claims: [{ name: 'gpu' }] } as Container['resources'];
    const messages = messagesFor(resources);

    assert.deepEqual(messages, [
      `${container0}.resources.claims: Forbidden: resource claims are not supported: cronmesh has no dynamic resource allocation driver to prepare the devices they name`,
    ]);
  });
});

describe('pod-level resources validation', () => {
  it('rejects spec.resources with the field path', () => {
    const resource = job();
    resource.spec.template.spec.resources = { limits: { cpu: '1', memory: '1Gi' } };

    const messages = validateResource(resource, { operation: 'create' }).map(formatFieldError);

    assert.deepEqual(messages, [
      'spec.template.spec.resources: Forbidden: pod-level resources are not supported: cronmesh enforces resources per container; set resources.requests and resources.limits on each container instead',
    ]);
  });

  it('is not listed as unenforced', () => {
    const resource = job();
    resource.spec.template.spec.resources = { requests: { cpu: '1' } };

    assert.deepEqual(describeUnenforcedFields(resource), [`${container0}.image`]);
  });
});
