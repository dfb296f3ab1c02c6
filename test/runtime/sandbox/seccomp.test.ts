import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defaultContainerCapabilities } from '../../../src/api/capabilities.js';
import { BpfProgram } from '../../../src/runtime/sandbox/seccomp/bpf.js';
import {
  compileRuntimeDefault,
  deniedSyscalls,
  type SeccompArchitecture,
} from '../../../src/runtime/sandbox/seccomp/runtime-default.js';
import { syscallNumbers, type SyscallName } from '../../../src/runtime/sandbox/seccomp/syscalls.js';
import { runSeccompProgram } from './bpf-interpreter.js';

const x86_64: SeccompArchitecture = { name: 'x86_64', auditArch: 0xc000003e, column: 0 };
const aarch64: SeccompArchitecture = { name: 'aarch64', auditArch: 0xc00000b7, column: 1 };
const AUDIT_ARCH_I386 = 0x40000003;
const AUDIT_ARCH_ARM = 0x40000028;

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;

const CLONE_NEWUSER = 0x10000000;
const SIGCHLD = 17;

/** Reads `#define __NR_name number` lines of a kernel UAPI header. */
function headerNumbers(path: string): Map<string, number> {
  const numbers = new Map<string, number>();
  for (const match of readFileSync(path, 'utf8').matchAll(
    /^#define __NR(?:3264)?_(\w+)\s+(\d+)/gm,
  )) {
    numbers.set(match[1] ?? '', Number(match[2]));
  }
  return numbers;
}

describe('seccomp syscall table', () => {
  const names = Object.keys(syscallNumbers) as SyscallName[];

  it('matches the x86_64 UAPI header', () => {
    const header = headerNumbers('/usr/include/x86_64-linux-gnu/asm/unistd_64.h');
    for (const name of names) {
      assert.equal(syscallNumbers[name][0], header.get(name), name);
    }
  });

  it('matches the asm-generic header for aarch64', () => {
    const header = headerNumbers('/usr/include/asm-generic/unistd.h');
    for (const name of names) {
      assert.equal(syscallNumbers[name][1], header.get(name), name);
    }
  });
});

describe('RuntimeDefault denied syscalls', () => {
  it('lists the calls denied with default capabilities', () => {
    assert.deepEqual(deniedSyscalls(defaultContainerCapabilities), [
      '_sysctl',
      'acct',
      'add_key',
      'afs_syscall',
      'bpf',
      'clock_settime',
      'create_module',
      'delete_module',
      'fanotify_init',
      'finit_module',
      'fsconfig',
      'fsmount',
      'fsopen',
      'fspick',
      'get_kernel_syms',
      'get_mempolicy',
      'getpmsg',
      'init_module',
      'ioperm',
      'iopl',
      'kcmp',
      'kexec_file_load',
      'kexec_load',
      'keyctl',
      'lookup_dcookie',
      'mbind',
      'migrate_pages',
      'mount',
      'mount_setattr',
      'move_mount',
      'move_pages',
      'name_to_handle_at',
      'nfsservctl',
      'open_by_handle_at',
      'open_tree',
      'perf_event_open',
      'pidfd_getfd',
      'pivot_root',
      'pkey_alloc',
      'pkey_free',
      'pkey_mprotect',
      'process_madvise',
      'process_vm_readv',
      'process_vm_writev',
      'putpmsg',
      'query_module',
      'quotactl',
      'quotactl_fd',
      'reboot',
      'request_key',
      'security',
      'set_mempolicy',
      'set_mempolicy_home_node',
      'setdomainname',
      'sethostname',
      'setns',
      'settimeofday',
      'swapoff',
      'swapon',
      'sysfs',
      'syslog',
      'tuxcall',
      'umount2',
      'unshare',
      'uselib',
      'userfaultfd',
      'ustat',
      'vhangup',
      'vserver',
    ]);
  });

  it('allows calls of an added capability only', () => {
    const denied = deniedSyscalls(['CAP_SYS_TIME', 'CAP_BPF']);

    assert.equal(denied.includes('settimeofday'), false);
    assert.equal(denied.includes('clock_settime'), false);
    assert.equal(denied.includes('bpf'), false);
    assert.equal(denied.includes('chroot'), true);
    assert.equal(denied.includes('mount'), true);
  });
});

describe('RuntimeDefault program on x86_64', () => {
  const defaults = compileRuntimeDefault(x86_64, defaultContainerCapabilities);
  const run = (nr: number, firstArgument = 0, program = defaults): number =>
    runSeccompProgram(program, { nr, arch: x86_64.auditArch, firstArgument });

  it('allows ordinary calls', () => {
    assert.equal(run(0), ALLOW); // read
    assert.equal(run(59), ALLOW); // execve
    assert.equal(run(101), ALLOW); // ptrace, allowed on kernels 4.8 and later
    assert.equal(run(161), ALLOW); // chroot, with CAP_SYS_CHROOT in the default set
    assert.equal(run(449), ALLOW); // futex_waitv
  });

  it('denies the listed calls with EPERM', () => {
    assert.equal(run(165), EPERM); // mount
    assert.equal(run(166), EPERM); // umount2
    assert.equal(run(272), EPERM); // unshare
    assert.equal(run(308), EPERM); // setns
    assert.equal(run(246), EPERM); // kexec_load
    assert.equal(run(250), EPERM); // keyctl
    assert.equal(run(321), EPERM); // bpf
    assert.equal(run(323), EPERM); // userfaultfd
    assert.equal(run(450), EPERM); // set_mempolicy_home_node
  });

  it('denies clone with a namespace flag', () => {
    assert.equal(run(56, SIGCHLD), ALLOW);
    assert.equal(run(56, 0x003d0f00), ALLOW); // pthread_create's flags
    assert.equal(run(56, CLONE_NEWUSER | SIGCHLD), EPERM);
    assert.equal(run(56, 0x00020000), EPERM); // CLONE_NEWNS
    assert.equal(run(56, 0x40000000), EPERM); // CLONE_NEWNET
  });

  it('answers ENOSYS to clone3', () => {
    assert.equal(run(435), ENOSYS);
  });

  it('allows only the listed personalities', () => {
    assert.equal(run(135, 0xffffffff), ALLOW);
    assert.equal(run(135, 0), ALLOW);
    assert.equal(run(135, 0x20008), ALLOW);
    assert.equal(run(135, 0x0040000), EPERM); // ADDR_NO_RANDOMIZE
  });

  it('answers ENOSYS to calls newer than Linux 6.1', () => {
    assert.equal(run(451), ENOSYS);
    assert.equal(run(0x3fffffff), ENOSYS);
  });

  it('denies x32 and i386 calls', () => {
    assert.equal(run(0x40000000), EPERM); // x32 read
    assert.equal(run(0x40000000 + 165), EPERM); // x32 mount
    assert.equal(runSeccompProgram(defaults, { nr: 3, arch: AUDIT_ARCH_I386 }), EPERM);
    assert.equal(runSeccompProgram(defaults, { nr: 21, arch: AUDIT_ARCH_I386 }), EPERM);
  });

  it('follows the capabilities', () => {
    const admin = compileRuntimeDefault(x86_64, [...defaultContainerCapabilities, 'CAP_SYS_ADMIN']);
    const none = compileRuntimeDefault(x86_64, []);

    assert.equal(run(165, 0, admin), ALLOW); // mount
    assert.equal(run(272, 0, admin), ALLOW); // unshare
    assert.equal(run(56, CLONE_NEWUSER | SIGCHLD, admin), ALLOW);
    assert.equal(run(435, 0, admin), ALLOW); // clone3
    assert.equal(run(250, 0, admin), EPERM); // keyctl
    assert.equal(run(161, 0, none), EPERM); // chroot
  });
});

describe('RuntimeDefault program on aarch64', () => {
  const program = compileRuntimeDefault(aarch64, defaultContainerCapabilities);
  const run = (nr: number, arch = aarch64.auditArch): number =>
    runSeccompProgram(program, { nr, arch });

  it('uses the generic numbers', () => {
    assert.equal(run(63), ALLOW); // read
    assert.equal(run(40), EPERM); // mount
    assert.equal(run(97), EPERM); // unshare
    assert.equal(run(435), ENOSYS); // clone3
  });

  it('denies 32-bit ARM and foreign calls', () => {
    assert.equal(run(3, AUDIT_ARCH_ARM), EPERM);
    assert.equal(run(0, x86_64.auditArch), EPERM);
  });
});

describe('BPF assembler', () => {
  it('encodes sock_filter entries', () => {
    const program = new BpfProgram()
      .loadWord(0)
      .jumpIfEqual(7, 'yes', 'no')
      .label('yes')
      .returnValue(ALLOW)
      .label('no')
      .returnValue(EPERM)
      .encode();

    assert.equal(
      program.toString('hex'),
      ['2000000000000000', '1500000107000000', '060000000000ff7f', '0600000001000500'].join(''),
    );
  });

  it('rejects an undefined label', () => {
    const program = new BpfProgram().loadWord(0).jumpIfEqual(1, 'nowhere');

    assert.throws(() => program.encode(), { message: 'BPF label "nowhere" is not defined' });
  });

  it('rejects a jump beyond 255 instructions', () => {
    const program = new BpfProgram().loadWord(0).jumpIfEqual(1, 'end');
    for (let index = 0; index < 256; index += 1) program.loadWord(0);
    program.label('end').returnValue(ALLOW);

    assert.throws(() => program.encode(), {
      message: 'BPF jump from instruction 1 to "end" is out of range',
    });
  });

  it('rejects a backward jump', () => {
    const program = new BpfProgram().label('start').loadWord(0).jumpIfEqual(1, 'start');

    assert.throws(() => program.encode(), {
      message: 'BPF jump from instruction 1 to "start" is out of range',
    });
  });
});
