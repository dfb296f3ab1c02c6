import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EffectiveSecurityContext } from '../../../src/api/security-context.js';
import { ProcessExecutor, type AttemptResult } from '../../../src/runtime/index.js';
import {
  probeBubblewrap,
  volumesParentDirectory,
  type SandboxMount,
  type SandboxSettings,
  type SandboxTools,
} from '../../../src/runtime/sandbox/index.js';
import { BubblewrapConfiner } from '../../../src/runtime/sandbox/bubblewrap.js';
import { FakeClock } from '../../../src/util/clock.js';
import { attemptSpec, HookRecorder, shellContainer, START } from '../helpers.js';

let tools: SandboxTools | undefined;

/**
 * Returns the sandbox tools of this host. The sandbox tests need a working bwrap, which the
 * CI script installs, so a failed probe fails the test with the probe's explanation.
 */
export async function sandboxTools(): Promise<SandboxTools> {
  if (tools !== undefined) return tools;
  const probe = await probeBubblewrap();
  assert.ok('tools' in probe, 'problem' in probe ? probe.problem : 'probe failed');
  tools = probe.tools;
  return tools;
}

export function sandboxSettings(partial: Partial<SandboxSettings> = {}): SandboxSettings {
  return {
    podField: 'spec',
    field: 'spec.containers[0]',
    podDescription: 'job-1-abcde_default(pod-uid)',
    security: { sources: {} },
    mounts: [],
    hostPID: false,
    hostIPC: false,
    shareProcessNamespace: false,
    ...partial,
  };
}

export function security(
  fields: Omit<EffectiveSecurityContext, 'sources'>,
  sources: EffectiveSecurityContext['sources'] = {},
): EffectiveSecurityContext {
  return { ...fields, sources };
}

/** Returns an executor whose only layer is the bubblewrap sandbox, and a hook recorder. */
export async function sandboxExecutor(): Promise<{
  executor: ProcessExecutor;
  recorder: HookRecorder;
}> {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({
    clock,
    confiners: [new BubblewrapConfiner(await sandboxTools())],
  });
  return { executor, recorder };
}

/** Runs one container with `script` under /bin/sh inside the sandbox. */
export async function runSandboxed(
  script: string,
  settings: SandboxSettings,
  env: Record<string, string> = {},
): Promise<{ result: AttemptResult; stdout: string; stderr: string }> {
  const { executor, recorder } = await sandboxExecutor();
  const container = shellContainer('main', script, { env, sandbox: settings });
  const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);
  return {
    result,
    stdout: recorder.text('main', 'stdout'),
    stderr: recorder.text('main', 'stderr'),
  };
}

/** Creates a volume directory under the hidden volumes parent, as the worker does. */
export function makeVolume(mode = 0o777): { root: string; cleanup: () => void } {
  const parent = volumesParentDirectory();
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const attempt = realpathSync(mkdtempSync(join(parent, 'test-')));
  const root = join(attempt, 'volume');
  mkdirSync(root);
  chmodSync(root, mode);
  return { root, cleanup: () => rmSync(attempt, { recursive: true, force: true }) };
}

export function mount(
  source: string,
  target: string,
  extra: Partial<SandboxMount> = {},
): SandboxMount {
  return {
    source,
    volumeRoot: source,
    target,
    readOnly: false,
    field: 'spec.containers[0].volumeMounts[0]',
    ...extra,
  };
}
