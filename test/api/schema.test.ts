import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManifestError, ValidationError } from '../../src/api/errors.js';
import { parseManifests } from '../../src/api/manifests.js';
import { checkSchema, int32, struct } from '../../src/api/schema.js';
import { catchError, cronJobManifest } from './helpers.js';

const containerPath = 'spec.jobTemplate.spec.template.spec.containers[0]';

function firstValidationError(error: unknown): ValidationError {
  assert.ok(error instanceof ManifestError);
  const [problem] = error.problems;
  assert.ok(problem instanceof ValidationError);
  return problem;
}

void describe('unknown fields', () => {
  const typo = cronJobManifest(['imagee: busybox:1.29']);

  void it('are errors with path and line in strict mode', () => {
    const problem = firstValidationError(
      catchError(() => parseManifests(typo, 'typo.yaml', { validate: 'strict' })),
    );
    assert.deepEqual(problem.errors, [
      {
        type: 'Unknown',
        field: `${containerPath}.imagee`,
        detail: '',
        file: 'typo.yaml',
        line: 15,
      },
    ]);
  });

  void it('read like the API server in strict mode', () => {
    const error = catchError(() => parseManifests(typo, 'typo.yaml'));
    assert.ok(error instanceof ManifestError);
    assert.equal(error.code, 'InvalidManifest');
    assert.equal(
      error.message,
      `The CronJob "hello" is invalid: unknown field "${containerPath}.imagee" (file typo.yaml, line 15)`,
    );
  });

  void it('become warnings in warn mode', () => {
    const parsed = parseManifests(typo, 'typo.yaml', { validate: 'warn' });
    assert.deepEqual(parsed.warnings, [
      {
        message: `unknown field "${containerPath}.imagee"`,
        field: `${containerPath}.imagee`,
        file: 'typo.yaml',
        line: 15,
      },
    ]);
  });

  void it('are dropped from the resource in warn mode', () => {
    const [resource] = parseManifests(typo, 'typo.yaml', { validate: 'warn' }).resources;
    assert.ok(resource?.kind === 'CronJob');
    const container = resource.spec.jobTemplate.spec.template.spec.containers[0];
    assert.deepEqual(container, { name: 'hello', image: 'busybox:1.28' });
  });

  void it('are dropped silently in ignore mode', () => {
    const parsed = parseManifests(typo, 'typo.yaml', { validate: 'ignore' });
    assert.equal(parsed.resources.length, 1);
    assert.equal(parsed.warnings.length, 0);
  });

  void it('are reported beside other errors', () => {
    const text = cronJobManifest(['imagee: busybox:1.29']).replace('"*/1 * * * *"', '"* * *"');
    const problem = firstValidationError(catchError(() => parseManifests(text, 'both.yaml')));
    assert.deepEqual(
      problem.errors.map((error) => `${error.line ?? 0} ${error.field}`),
      [`15 ${containerPath}.imagee`, '6 spec.schedule'],
    );
  });

  void it('are found at the top level', () => {
    const text = cronJobManifest().replace('spec:\n  schedule', 'sepc: {}\nspec:\n  schedule');
    const problem = firstValidationError(catchError(() => parseManifests(text, 'top.yaml')));
    assert.equal(problem.errors[0]?.field, 'sepc');
    assert.equal(problem.errors[0]?.line, 5);
  });
});

void describe('field types', () => {
  void it('reject a string where an integer is expected', () => {
    const text = cronJobManifest().replace(
      '  schedule:',
      '  startingDeadlineSeconds: "60"\n  schedule:',
    );
    const problem = firstValidationError(catchError(() => parseManifests(text, 'types.yaml')));
    assert.equal(
      problem.message,
      'The CronJob "hello" is invalid: spec.startingDeadlineSeconds: Invalid value: "60": must be an integer, not a string (file types.yaml, line 6)',
    );
  });

  void it('are checked in ignore mode too', () => {
    const text = cronJobManifest(['command: date']);
    const problem = firstValidationError(
      catchError(() => parseManifests(text, 'types.yaml', { validate: 'ignore' })),
    );
    assert.equal(problem.errors[0]?.field, `${containerPath}.command`);
    assert.equal(problem.errors[0]?.detail, 'must be a list, not a string');
  });

  void it('reject an unquoted boolean annotation value', () => {
    const text = cronJobManifest().replace(
      '  name: hello\n',
      '  name: hello\n  annotations:\n    sidecar.istio.io/inject: false\n',
    );
    const problem = firstValidationError(catchError(() => parseManifests(text, 'istio.yaml')));
    assert.equal(
      problem.message,
      'The CronJob "hello" is invalid: metadata.annotations[sidecar.istio.io/inject]: Invalid value: false: must be a string, not a boolean (file istio.yaml, line 6)',
    );
  });

  void it('reject a malformed quantity', () => {
    const text = cronJobManifest(['resources:', '  limits:', '    memory: 1 GB']);
    const problem = firstValidationError(catchError(() => parseManifests(text, 'quantity.yaml')));
    assert.equal(
      problem.errors[0]?.detail,
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    );
    assert.equal(problem.errors[0]?.field, `${containerPath}.resources.limits[memory]`);
  });

  void it('accept a port given by name or number', () => {
    const text = cronJobManifest([
      'ports:',
      '  - name: http',
      '    containerPort: 8080',
      'livenessProbe:',
      '  httpGet:',
      '    port: http',
    ]);
    assert.equal(parseManifests(text, 'ports.yaml').resources.length, 1);
  });

  void it('reject int32 values out of range', () => {
    const result = checkSchema({ count: 2_147_483_648 }, struct({ count: int32 }), 'strict');
    assert.deepEqual(result.errors, [
      {
        type: 'Invalid',
        field: 'count',
        value: 2_147_483_648,
        detail: 'must be an integer between -2147483648 and 2147483647',
      },
    ]);
  });

  void it('treat null fields as unset', () => {
    const result = checkSchema({ count: null }, struct({ count: int32 }), 'strict');
    assert.deepEqual(result.value, {});
    assert.equal(result.errors.length, 0);
  });

  void it('do not echo objects in type errors', () => {
    const result = checkSchema({ count: { a: 1 } }, struct({ count: int32 }), 'strict');
    assert.deepEqual(result.errors, [
      { type: 'Invalid', field: 'count', detail: 'must be an integer, not an object' },
    ]);
  });
});
