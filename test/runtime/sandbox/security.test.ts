import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { ProcessExecutor } from '../../../src/runtime/index.js';
import { HostProcessConfiner } from '../../../src/runtime/sandbox/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { attemptSpec, HookRecorder, PROCESS_TEST, shellContainer, START } from '../helpers.js';
import { runSandboxed, sandboxExecutor, sandboxSettings, security } from './helpers.js';

const pod = 'job-1-abcde_default(pod-uid)';

/** Reads one line of /proc/self/status, such as `CapEff:\t0000000000000000`. */
const statusLine = (field: string): string => `grep '^${field}:' /proc/self/status`;

void test('runAsNonRoot refuses implicit root', PROCESS_TEST, async () => {
  const settings = sandboxSettings({ security: security({ runAsNonRoot: true }) });

  const { result } = await runSandboxed('echo ran', settings);

  // cronmesh runs as root on this host, which plays the image's USER.
  assert.equal(process.getuid?.(), 0);
  assert.equal(result.phase, 'Failed');
  assert.equal(result.reason, 'CreateContainerConfigError');
  assert.equal(
    result.message,
    `container has runAsNonRoot and image will run as root (pod: ${JSON.stringify(pod)}, container: main)`,
  );
});

void test('runAsNonRoot refuses runAsUser 0', PROCESS_TEST, async () => {
  const settings = sandboxSettings({ security: security({ runAsNonRoot: true, runAsUser: 0 }) });

  const { result } = await runSandboxed('echo ran', settings);

  assert.equal(result.reason, 'CreateContainerConfigError');
  assert.equal(
    result.message,
    `container's runAsUser breaks non-root policy (pod: ${JSON.stringify(pod)}, container: main)`,
  );
});

void test('runAsNonRoot allows a non-root user', PROCESS_TEST, async () => {
  const settings = sandboxSettings({
    security: security({ runAsNonRoot: true, runAsUser: 1234 }),
  });

  const { result, stdout } = await runSandboxed('id -u', settings);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(stdout, '1234\n');
});

void test('default capabilities for root', PROCESS_TEST, async () => {
  const { result, stdout } = await runSandboxed(
    `${statusLine('CapEff')}; ${statusLine('CapBnd')}; ${statusLine('NoNewPrivs')}`,
    sandboxSettings(),
  );

  assert.equal(result.phase, 'Succeeded');
  // containerd's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP
  // NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP, bits 0-31 = 0xa80425fb.
  assert.equal(stdout, 'CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNoNewPrivs:\t1\n');
});

void test('capabilities drop ALL and add one', PROCESS_TEST, async () => {
  const settings = sandboxSettings({
    security: security({ capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } }),
  });

  const { stdout } = await runSandboxed(
    `${statusLine('CapEff')}; ${statusLine('CapBnd')}; chown 1:1 /proc/self/fd/1 2>/dev/null || echo chown-denied`,
    settings,
  );

  assert.equal(stdout, 'CapEff:\t0000000000000400\nCapBnd:\t0000000000000400\nchown-denied\n');
});

void test('non-root user has no effective capabilities', PROCESS_TEST, async () => {
  const settings = sandboxSettings({
    security: security({ runAsUser: 1000, capabilities: { add: ['NET_ADMIN'] } }),
  });

  const { stdout } = await runSandboxed(
    `${statusLine('CapEff')}; ${statusLine('CapBnd')}`,
    settings,
  );

  // Kubernetes has no ambient capabilities, so an added one reaches only the bounding set.
  assert.equal(stdout, 'CapEff:\t0000000000000000\nCapBnd:\t00000000a80435fb\n');
});

void test('allowPrivilegeEscalation true is refused', PROCESS_TEST, async () => {
  const settings = sandboxSettings({ security: security({ allowPrivilegeEscalation: true }) });

  const { result } = await runSandboxed('echo ran', settings);

  assert.equal(result.reason, 'CreateContainerConfigError');
  assert.equal(
    result.message,
    'spec.containers[0].securityContext.allowPrivilegeEscalation true cannot be honoured: bubblewrap always sets no_new_privs, so no process in the sandbox can gain privileges; remove the field',
  );
});

void test('RuntimeDefault AppArmor is refused', PROCESS_TEST, async () => {
  const settings = sandboxSettings({
    security: security(
      { appArmorProfile: { type: 'RuntimeDefault' } },
      { appArmorProfile: 'spec.containers[0].securityContext.appArmorProfile' },
    ),
  });

  const { result } = await runSandboxed('echo ran', settings);

  assert.equal(result.reason, 'CreateContainerConfigError');
  assert.equal(
    result.message,
    'spec.containers[0].securityContext.appArmorProfile.type "RuntimeDefault" cannot be honoured: cronmesh loads no AppArmor profile; set it to Unconfined or remove it',
  );
});

void test('host mode refuses RuntimeDefault seccomp', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, confiners: [new HostProcessConfiner()] });
  const container = shellContainer('main', 'echo ran', {
    sandbox: sandboxSettings({
      security: security(
        { seccompProfile: { type: 'RuntimeDefault' } },
        { seccompProfile: 'spec.securityContext.seccompProfile' },
      ),
    }),
  });

  const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);

  assert.equal(result.reason, 'CreateContainerConfigError');
  assert.equal(
    result.message,
    'spec.securityContext.seccompProfile.type needs the bubblewrap sandbox, but this worker runs containers without one (--sandbox=none, or bwrap did not work); install bubblewrap and start the worker with --sandbox=bubblewrap, or remove the field',
  );
  assert.equal(recorder.count('start'), 0);
});

void test('missing command keeps the spawn message', PROCESS_TEST, async () => {
  const { executor, recorder } = await sandboxExecutor();
  const container = {
    name: 'main',
    command: ['no-such-command-xyz'],
    args: [],
    env: { PATH: '/usr/bin:/bin' },
    sandbox: sandboxSettings(),
  };

  const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);

  assert.equal(result.reason, 'ContainerCannotRun');
  assert.equal(
    result.message,
    'container "main" cannot start: executable "no-such-command-xyz" not found in PATH "/usr/bin:/bin"',
  );
  assert.equal(recorder.count('start'), 0);
});

void test('arguments never reach a shell', PROCESS_TEST, async () => {
  const marker = '/tmp/hA-cronmesh-injected';
  rmSync(marker, { force: true });
  const hostile = `$(touch ${marker}); \`touch ${marker}\`; touch ${marker} | true`;
  const { executor, recorder } = await sandboxExecutor();
  const container = {
    name: 'main',
    command: ['/bin/echo'],
    args: [hostile, '--', '--bind', '/', '/'],
    env: { HOSTILE: hostile },
    sandbox: sandboxSettings({ hostname: 'job-1-abcde' }),
  };

  const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(recorder.text('main', 'stdout'), `${hostile} -- --bind / /\n`);
  assert.equal(existsSync(marker), false);
});

void test('SIGTERM reaches the command', PROCESS_TEST, async () => {
  const { executor, recorder } = await sandboxExecutor();
  const container = shellContainer(
    'main',
    'trap "echo graceful; exit 7" TERM; echo ready; while true; do sleep 0.05; done',
    { sandbox: sandboxSettings() },
  );
  const abort = new AbortController();
  const hooks = {
    ...recorder.hooks,
    onOutput: (name: string, stream: 'stdout' | 'stderr', chunk: string) => {
      recorder.hooks.onOutput(name, stream, chunk);
      if (chunk.includes('ready')) abort.abort('DeadlineExceeded');
    },
  };

  const result = await executor.run(attemptSpec({ containers: [container] }), hooks, abort.signal);

  assert.equal(result.reason, 'DeadlineExceeded');
  assert.equal(recorder.text('main', 'stdout'), 'ready\ngraceful\n');
  assert.equal(result.containers[0]?.exitCode, 7);
});

void test('host mode refuses sandbox-only fields', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, confiners: [new HostProcessConfiner()] });
  const container = shellContainer('main', 'echo ran', {
    sandbox: sandboxSettings({ security: security({ readOnlyRootFilesystem: true }) }),
  });

  const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);

  assert.equal(result.reason, 'CreateContainerConfigError');
  assert.equal(
    result.message,
    'spec.containers[0].securityContext.readOnlyRootFilesystem needs the bubblewrap sandbox, but this worker runs containers without one (--sandbox=none, or bwrap did not work); install bubblewrap and start the worker with --sandbox=bubblewrap, or remove the field',
  );
  assert.equal(recorder.count('start'), 0);
});

void test('host mode runs plain containers', PROCESS_TEST, async () => {
  const clock = new FakeClock(START);
  const recorder = new HookRecorder(clock);
  const executor = new ProcessExecutor({ clock, confiners: [new HostProcessConfiner()] });
  const container = shellContainer('main', 'echo ran', {
    sandbox: sandboxSettings({ security: security({ allowPrivilegeEscalation: true }) }),
  });

  const result = await executor.run(attemptSpec({ containers: [container] }), recorder.hooks);

  assert.equal(result.phase, 'Succeeded');
  assert.equal(recorder.text('main', 'stdout'), 'ran\n');
});
