import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, NoKindMatchError, ValidationError } from '../../src/api/errors.js';
import { parseManifests, prepareForCreate } from '../../src/api/manifests.js';
import { describeUnenforcedFields } from '../../src/api/unenforced.js';
import { catchError, cronJobManifest, readRepositoryFile } from './helpers.js';

const fixturePath = 'test/fixtures/real-cluster-cronjob.yaml';

void describe('real-cluster CronJob fixture', () => {
  const text = readRepositoryFile(fixturePath);

  void it('parses with no warnings in strict mode', () => {
    const parsed = parseManifests(text, fixturePath, { validate: 'strict' });
    assert.equal(parsed.resources.length, 1);
    assert.deepEqual(parsed.warnings, []);
  });

  void it('is accepted by prepareForCreate', () => {
    const [resource] = parseManifests(text, fixturePath).resources;
    assert.ok(resource !== undefined);
    const prepared = prepareForCreate(resource);
    assert.equal(prepared.metadata.namespace, 'billing');
  });

  void it('keeps the octal volume mode as Kubernetes reads it', () => {
    const [resource] = parseManifests(text, fixturePath).resources;
    assert.ok(resource?.kind === 'CronJob');
    const volumes = resource.spec.jobTemplate.spec.template.spec.volumes as {
      configMap?: { defaultMode?: number };
    }[];
    assert.equal(volumes[0]?.configMap?.defaultMode, 0o444);
  });

  void it('lists the fields cronmesh does not enforce', () => {
    const [resource] = parseManifests(text, fixturePath).resources;
    assert.ok(resource !== undefined);
    const pod = 'spec.jobTemplate.spec.template';
    assert.deepEqual(describeUnenforcedFields(resource), [
      `${pod}.metadata.annotations[sidecar.istio.io/inject]`,
      `${pod}.spec.priorityClassName`,
      `${pod}.spec.imagePullSecrets`,
      `${pod}.spec.tolerations`,
      `${pod}.spec.affinity`,
      `${pod}.spec.initContainers[0].image`,
      `${pod}.spec.containers[0].image`,
      `${pod}.spec.containers[0].imagePullPolicy`,
      `${pod}.spec.containers[0].ports`,
      `${pod}.spec.containers[0].resources.requests[ephemeral-storage]`,
      `${pod}.spec.containers[0].resources.limits[ephemeral-storage]`,
    ]);
  });
});

void describe('examples', () => {
  for (const path of ['examples/hello-cronjob.yaml', 'examples/example-cronjob.yaml']) {
    void it(`${path} parses without warnings`, () => {
      const parsed = parseManifests(readRepositoryFile(path), path);
      assert.equal(parsed.resources.length, 1);
      assert.deepEqual(parsed.warnings, []);
    });

    void it(`${path} is accepted by prepareForCreate`, () => {
      const [resource] = parseManifests(readRepositoryFile(path), path).resources;
      assert.ok(resource !== undefined);
      assert.equal(prepareForCreate(resource).kind, 'CronJob');
    });
  }

  void it('hello-cronjob.yaml is the Kubernetes docs example', () => {
    const [resource] = parseManifests(
      readRepositoryFile('examples/hello-cronjob.yaml'),
      'hello.yaml',
    ).resources;
    assert.ok(resource?.kind === 'CronJob');
    assert.equal(resource.metadata.name, 'hello');
    assert.equal(resource.spec.schedule, '*/1 * * * *');
    assert.deepEqual(resource.spec.jobTemplate.spec.template.spec.containers[0]?.command, [
      '/bin/sh',
      '-c',
      'date; echo Hello from the Kubernetes cluster',
    ]);
  });
});

void describe('parseManifests', () => {
  const secondDocument = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: settings',
    'data:',
    '  app.properties: x=1',
    '',
  ].join('\n');

  void it('returns every document with its source line', () => {
    const parsed = parseManifests(`${cronJobManifest()}---\n${secondDocument}`, 'both.yaml');
    assert.deepEqual(
      parsed.resources.map((resource) => resource.kind),
      ['CronJob', 'ConfigMap'],
    );
    assert.deepEqual(
      parsed.sources.map((source) => source.line),
      [1, 16],
    );
  });

  void it('returns the resources as written, without defaults', () => {
    const [resource] = parseManifests(cronJobManifest(), 'one.yaml').resources;
    assert.ok(resource?.kind === 'CronJob');
    assert.equal(resource.metadata.namespace, undefined);
  });

  void it('collects the errors of all documents in file order', () => {
    const broken = cronJobManifest().replace('"*/1 * * * *"', '"* * *"');
    const text = `${broken}---\n${secondDocument.replace('apiVersion: v1', 'apiVersion: apps/v1')}---\n${cronJobManifest([], 'a'.repeat(53))}`;
    const error = catchError(() => parseManifests(text, 'many.yaml'));
    assert.ok(error instanceof ManifestError);
    assert.equal(error.problems.length, 3);
    assert.ok(error.problems[0] instanceof ValidationError);
    assert.ok(error.problems[1] instanceof NoKindMatchError);
    assert.equal(
      error.message,
      [
        'The CronJob "hello" is invalid: spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *] (file many.yaml, line 6)',
        'no matches for kind "ConfigMap" in version "apps/v1": use apiVersion v1 (file many.yaml, line 16)',
        `The CronJob "${'a'.repeat(53)}" is invalid: metadata.name: Invalid value: "${'a'.repeat(53)}": must be no more than 52 characters (file many.yaml, line 26)`,
      ].join('\n'),
    );
  });

  void it('locates a missing field at its parent', () => {
    const text = cronJobManifest().replace('  schedule: "*/1 * * * *"\n', '');
    const error = catchError(() => parseManifests(text, 'noschedule.yaml'));
    assert.ok(error instanceof ManifestError);
    assert.equal(
      error.message,
      'The CronJob "hello" is invalid: spec.schedule: Required value (file noschedule.yaml, line 5)',
    );
  });

  void it('reports create rules by default and update rules on request', () => {
    const text = cronJobManifest([], 'a'.repeat(53));
    assert.ok(catchError(() => parseManifests(text, 'long.yaml')) instanceof ManifestError);
    assert.equal(parseManifests(text, 'long.yaml', { operation: 'update' }).resources.length, 1);
  });

  void it('returns API warnings with their line', () => {
    const parsed = parseManifests(cronJobManifest([], 'hello.v1'), 'dotted.yaml');
    assert.equal(parsed.warnings.length, 1);
    assert.equal(parsed.warnings[0]?.line, 4);
    assert.equal(parsed.warnings[0]?.field, 'metadata.name');
  });
});
