import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecodeError,
  ManifestError,
  NoKindMatchError,
  ValidationError,
} from '../../src/api/errors.js';
import {
  duplicate,
  forbidden,
  formatFieldError,
  formatWarning,
  invalid,
  invalidOmitValue,
  notFound,
  required,
  tooLong,
  tooMany,
  unknownField,
  unsupported,
} from '../../src/api/field-error.js';

void describe('formatFieldError', () => {
  const cases: [ReturnType<typeof invalid>, string][] = [
    [
      invalid('spec.schedule', '* * *', 'expected exactly 5 fields, found 3: [* * *]'),
      'spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]',
    ],
    [
      invalid('spec.backoffLimit', -1, 'must be greater than or equal to 0'),
      'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    ],
    [invalid('spec.suspend', null, 'bad'), 'spec.suspend: Invalid value: null: bad'],
    [
      invalidOmitValue('spec.rules[0]', 'specifying one is required'),
      'spec.rules[0]: Invalid value: specifying one is required',
    ],
    [required('spec.schedule'), 'spec.schedule: Required value'],
    [
      required('spec.completions', 'when completion mode is Indexed'),
      'spec.completions: Required value: when completion mode is Indexed',
    ],
    [
      unsupported('spec.concurrencyPolicy', 'x', ['Allow', 'Forbid']),
      'spec.concurrencyPolicy: Unsupported value: "x": supported values: "Allow", "Forbid"',
    ],
    [forbidden('data', 'field is immutable'), 'data: Forbidden: field is immutable'],
    [
      tooLong('metadata.annotations', 262144),
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ],
    [tooMany('spec.rules', 21, 20), 'spec.rules: Too many: 21: must have at most 20 items'],
    [
      duplicate('spec.containers[1].name', 'app'),
      'spec.containers[1].name: Duplicate value: "app"',
    ],
    [notFound('spec.volumeMounts[0].name', 'data'), 'spec.volumeMounts[0].name: Not found: "data"'],
    [unknownField('spec.foo'), 'unknown field "spec.foo"'],
  ];
  for (const [error, expected] of cases) {
    void it(`renders ${error.type} for ${error.field}`, () => {
      assert.equal(formatFieldError(error), expected);
    });
  }
});

void describe('error classes', () => {
  void it('ValidationError names kind, name and location', () => {
    const error = new ValidationError('CronJob', 'hello', [
      { ...required('spec.schedule'), file: 'hello.yaml', line: 7 },
    ]);
    assert.equal(error.code, 'Invalid');
    assert.equal(error.name, 'ValidationError');
    assert.equal(
      error.message,
      'The CronJob "hello" is invalid: spec.schedule: Required value (file hello.yaml, line 7)',
    );
  });

  void it('DecodeError without a line names only the file', () => {
    const error = new DecodeError('in.yaml', 'kind not set');
    assert.equal(error.message, 'error parsing in.yaml: kind not set');
  });

  void it('ManifestError lists every problem', () => {
    const problems = [
      new DecodeError('a.yaml', 'kind not set', 3),
      new NoKindMatchError('apps/v1', 'Deployment', 'use something else', 'a.yaml', 9),
    ];
    const error = new ManifestError('a.yaml', problems);
    assert.equal(error.code, 'InvalidManifest');
    assert.equal(
      error.message,
      'error parsing a.yaml: line 3: kind not set\nno matches for kind "Deployment" in version "apps/v1": use something else (file a.yaml, line 9)',
    );
  });

  void it('formatWarning appends the location', () => {
    assert.equal(
      formatWarning({ message: 'unknown field "spec.foo"', file: 'a.yaml', line: 4 }),
      'unknown field "spec.foo" (file a.yaml, line 4)',
    );
  });
});
