import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SelectorError } from '../../src/api/errors.js';
import {
  labelSelectorToRequirements,
  matchesSelector,
  parseLabelSelector,
  type LabelRequirement,
} from '../../src/api/selector.js';
import { catchError } from './helpers.js';

void describe('parseLabelSelector', () => {
  const cases: [string, LabelRequirement[]][] = [
    ['', []],
    ['app=web', [{ key: 'app', operator: 'In', values: ['web'] }]],
    ['app==web', [{ key: 'app', operator: 'In', values: ['web'] }]],
    ['app!=web', [{ key: 'app', operator: 'NotIn', values: ['web'] }]],
    ['app=', [{ key: 'app', operator: 'In', values: [''] }]],
    ['tier in (a, b)', [{ key: 'tier', operator: 'In', values: ['a', 'b'] }]],
    ['tier notin (a)', [{ key: 'tier', operator: 'NotIn', values: ['a'] }]],
    ['app.kubernetes.io/name', [{ key: 'app.kubernetes.io/name', operator: 'Exists', values: [] }]],
    ['!canary', [{ key: 'canary', operator: 'DoesNotExist', values: [] }]],
    [
      ' app = web , !canary,tier in (a,b) ',
      [
        { key: 'app', operator: 'In', values: ['web'] },
        { key: 'canary', operator: 'DoesNotExist', values: [] },
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
      ],
    ],
  ];
  for (const [text, expected] of cases) {
    void it(`parses ${JSON.stringify(text)}`, () => {
      assert.deepEqual(parseLabelSelector(text), expected);
    });
  }

  const failures: [string, string][] = [
    [
      'app in (a',
      'invalid label selector "app in (a": found the end of the selector at position 9, expected a value, "," or ")"',
    ],
    ['app in ()', 'invalid label selector "app in ()": the value set of "in" must not be empty'],
    [
      'tier in (a b)',
      'invalid label selector "tier in (a b)": found "b" at position 11, expected "," or ")"',
    ],
    [
      'app web',
      'invalid label selector "app web": found "web" at position 4, expected one of "=", "==", "!=", "in", "notin", "," or the end of the selector',
    ],
    [
      'a=b c',
      'invalid label selector "a=b c": found "c" at position 4, expected "," or the end of the selector',
    ],
    [
      'replicas>1',
      'invalid label selector "replicas>1": operator ">" at position 8 is not supported: use =, ==, !=, in, notin, a bare key or !key',
    ],
    [',app', 'invalid label selector ",app": found "," at position 0, expected a label key'],
    [
      'app=a b',
      'invalid label selector "app=a b": found "b" at position 6, expected "," or the end of the selector',
    ],
  ];
  for (const [text, message] of failures) {
    void it(`rejects ${JSON.stringify(text)}`, () => {
      const error = catchError(() => parseLabelSelector(text));
      assert.ok(error instanceof SelectorError);
      assert.equal(error.code, 'InvalidSelector');
      assert.equal(error.message, message);
    });
  }

  void it('rejects an invalid label value', () => {
    const error = catchError(() => parseLabelSelector('app=a/b'));
    assert.ok(error instanceof SelectorError);
    assert.equal(
      error.detail,
      "value \"a/b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  });
});

void describe('matchesSelector', () => {
  const labels = { app: 'web', tier: 'frontend' };
  const cases: [string, boolean][] = [
    ['', true],
    ['app=web', true],
    ['app=api', false],
    ['app!=api', true],
    ['missing!=x', true],
    ['tier in (frontend,backend)', true],
    ['tier notin (frontend)', false],
    ['missing notin (x)', true],
    ['app', true],
    ['missing', false],
    ['!missing', true],
    ['!app', false],
    ['app=web,tier=backend', false],
  ];
  for (const [text, expected] of cases) {
    void it(`evaluates ${JSON.stringify(text)}`, () => {
      assert.equal(matchesSelector(labels, parseLabelSelector(text)), expected);
    });
  }

  void it('treats absent labels as empty', () => {
    assert.equal(matchesSelector(undefined, parseLabelSelector('!app')), true);
  });
});

void describe('labelSelectorToRequirements', () => {
  void it('converts matchLabels and matchExpressions', () => {
    assert.deepEqual(
      labelSelectorToRequirements({
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'Exists' }],
      }),
      [
        { key: 'app', operator: 'In', values: ['web'] },
        { key: 'tier', operator: 'Exists', values: [] },
      ],
    );
  });

  void it('rejects an unknown operator', () => {
    const error = catchError(() =>
      labelSelectorToRequirements({
        matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }],
      }),
    );
    assert.ok(error instanceof SelectorError);
    assert.equal(error.detail, '"Gt" is not a valid selector operator');
  });
});
