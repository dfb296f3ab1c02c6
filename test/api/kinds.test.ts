import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError, ManifestError, NoKindMatchError } from '../../src/api/errors.js';
import { parseManifests } from '../../src/api/manifests.js';
import { catchError, cronJobManifest } from './helpers.js';

function onlyProblem(error: unknown): unknown {
  assert.ok(error instanceof ManifestError);
  assert.equal(error.problems.length, 1);
  return error.problems[0];
}

void describe('kind routing', () => {
  void it('points batch/v1beta1 CronJobs to batch/v1', () => {
    const text = cronJobManifest().replace('batch/v1', 'batch/v1beta1');
    const problem = onlyProblem(catchError(() => parseManifests(text, 'old.yaml')));
    assert.ok(problem instanceof NoKindMatchError);
    assert.equal(problem.code, 'NoKindMatch');
    assert.equal(problem.hint, 'use apiVersion batch/v1');
    assert.equal(
      problem.message,
      'no matches for kind "CronJob" in version "batch/v1beta1": use apiVersion batch/v1 (file old.yaml, line 1)',
    );
  });

  void it('points batch/v2alpha1 CronJobs to batch/v1', () => {
    const text = cronJobManifest().replace('batch/v1', 'batch/v2alpha1');
    const problem = onlyProblem(catchError(() => parseManifests(text, 'alpha.yaml')));
    assert.ok(problem instanceof NoKindMatchError);
    assert.equal(problem.hint, 'use apiVersion batch/v1');
  });

  void it('points ConfigMaps in a group to v1', () => {
    const text = 'apiVersion: apps/v1\nkind: ConfigMap\nmetadata:\n  name: a\n';
    const problem = onlyProblem(catchError(() => parseManifests(text, 'cm.yaml')));
    assert.ok(problem instanceof NoKindMatchError);
    assert.equal(problem.hint, 'use apiVersion v1');
  });

  void it('lists the served kinds for an unknown kind', () => {
    const text = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n';
    const problem = onlyProblem(catchError(() => parseManifests(text, 'deploy.yaml')));
    assert.ok(problem instanceof NoKindMatchError);
    assert.equal(
      problem.message,
      'no matches for kind "Deployment" in version "apps/v1": cronmesh serves CronJob and Job in apiVersion batch/v1, ConfigMap and Secret in apiVersion v1 (file deploy.yaml, line 1)',
    );
  });

  void it('explains that kinds are case-sensitive', () => {
    const text = cronJobManifest().replace('kind: CronJob', 'kind: cronjob');
    const problem = onlyProblem(catchError(() => parseManifests(text, 'case.yaml')));
    assert.ok(problem instanceof NoKindMatchError);
    assert.equal(
      problem.hint,
      'kinds are case-sensitive: use kind CronJob with apiVersion batch/v1',
    );
  });

  void it('reports a missing kind', () => {
    const text = '---\napiVersion: v1\nmetadata:\n  name: a\n';
    const problem = onlyProblem(catchError(() => parseManifests(text, 'nokind.yaml')));
    assert.ok(problem instanceof DecodeError);
    assert.equal(problem.message, 'error parsing nokind.yaml: line 2: kind not set');
  });

  void it('reports a missing apiVersion and kind together', () => {
    const problem = onlyProblem(
      catchError(() => parseManifests('metadata:\n  name: a\n', 'bare.yaml')),
    );
    assert.ok(problem instanceof DecodeError);
    assert.equal(problem.detail, 'apiVersion not set, kind not set');
  });
});
