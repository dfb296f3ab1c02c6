import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BubblewrapConfiner,
  HostProcessConfiner,
  probeBubblewrap,
  probeSeccomp,
  selectSandbox,
} from '../../../src/runtime/sandbox/index.js';

void test('auto selects bubblewrap where bwrap works', async () => {
  const selected = await selectSandbox('auto');

  assert.equal(selected.mode, 'bubblewrap');
  assert.ok(selected.confiner instanceof BubblewrapConfiner);
  assert.equal(selected.fallbackReason, undefined);
});

void test('seccomp probe works here', async () => {
  const probe = await probeBubblewrap();
  assert.ok('tools' in probe, 'problem' in probe ? probe.problem : 'probe failed');

  assert.equal(await probeSeccomp(probe.tools), undefined);
});

void test('none selects host processes', async () => {
  const selected = await selectSandbox('none');

  assert.equal(selected.mode, 'none');
  assert.ok(selected.confiner instanceof HostProcessConfiner);
});
