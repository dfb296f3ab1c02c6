import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROCESS_TEST } from '../helpers.js';
import { makeVolume, mount, runSandboxed, sandboxSettings, security } from './helpers.js';

const runtimeDefault = { seccompProfile: { type: 'RuntimeDefault' } };
const fromPod = { seccompProfile: 'spec.securityContext.seccompProfile' };

/**
 * Prints the filter mode, then tries calls that RuntimeDefault denies but that an unprivileged
 * root process may make: a user namespace through unshare(2) and through clone(2), a key in
 * the process keyring through add_key(2), and personality(2) with ADDR_NO_RANDOMIZE. perl is
 * part of Debian's essential set, and its syscall() makes the raw calls.
 */
const script = [
  "grep '^Seccomp:' /proc/self/status",
  'unshare -U true 2>&1 && echo unshare-ran',
  `perl -e '$p = syscall(56, 0x10000000 | 17, 0, 0, 0, 0); if ($p == 0) { exit 0 } if ($p > 0) { waitpid($p, 0); print "clone-ran\\n" } else { print "clone: $!\\n" }'`,
  `perl -e 'my ($t, $d, $v) = ("user", "cronmesh-test", "v"); $k = syscall(248, $t, $d, $v, 1, -2); print $k > 0 ? "add_key-ran\\n" : "add_key: $!\\n"'`,
  'setarch x86_64 -R true 2>&1 && echo setarch-ran',
  'echo done',
].join('; ');

void test('RuntimeDefault denies namespaces and keyrings', PROCESS_TEST, async () => {
  const settings = sandboxSettings({ security: security(runtimeDefault, fromPod) });

  const { result, stdout, stderr } = await runSandboxed(script, settings);

  assert.equal(result.phase, 'Succeeded', stderr);
  assert.equal(
    stdout,
    [
      'Seccomp:\t2',
      'unshare: unshare failed: Operation not permitted',
      'clone: Operation not permitted',
      'add_key: Operation not permitted',
      'setarch: failed to set personality to x86_64: Operation not permitted',
      'done',
      '',
    ].join('\n'),
  );
});

void test('Unconfined loads no filter', PROCESS_TEST, async () => {
  const settings = sandboxSettings({
    security: security({ seccompProfile: { type: 'Unconfined' } }, fromPod),
  });

  const { result, stdout, stderr } = await runSandboxed(script, settings);

  assert.equal(result.phase, 'Succeeded', stderr);
  assert.equal(
    stdout,
    ['Seccomp:\t0', 'unshare-ran', 'clone-ran', 'add_key-ran', 'setarch-ran', 'done', ''].join(
      '\n',
    ),
  );
});

void test('RuntimeDefault with SYS_ADMIN allows namespaces', PROCESS_TEST, async () => {
  const settings = sandboxSettings({
    security: security({ ...runtimeDefault, capabilities: { add: ['SYS_ADMIN'] } }, fromPod),
  });

  const { result, stdout, stderr } = await runSandboxed(
    "unshare -U true && echo unshare-ran; mount -t tmpfs cronmesh-test /mnt && grep -c '^cronmesh-test ' /proc/self/mounts",
    settings,
  );

  assert.equal(result.phase, 'Succeeded', stderr);
  assert.equal(stdout, 'unshare-ran\n1\n');
});

void test('descriptors for bwrap stay outside', PROCESS_TEST, async () => {
  const first = makeVolume();
  const second = makeVolume();
  try {
    // bwrap receives descriptors 3 and 4 for the volumes and 5 for the seccomp program.
    const settings = sandboxSettings({
      security: security(runtimeDefault, fromPod),
      mounts: [mount(first.root, '/first'), mount(second.root, '/second', { readOnly: true })],
    });

    const { result, stdout, stderr } = await runSandboxed(
      'ls /proc/self/fd | sort -n | head -5 | tr "\\n" " "',
      settings,
    );

    assert.equal(result.phase, 'Succeeded', stderr);
    // ls opens descriptor 3 itself to read the directory. A descriptor that the test runner
    // inherited from its own parent has a number far above these, so the pattern allows one.
    assert.match(stdout, /^0 1 2 3 ([1-9][0-9]+ )?$/);
  } finally {
    first.cleanup();
    second.cleanup();
  }
});
