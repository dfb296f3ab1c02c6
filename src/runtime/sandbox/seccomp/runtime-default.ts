/**
 * The seccomp filter of `seccompProfile: {type: RuntimeDefault}`. It follows containerd's
 * DefaultProfile (contrib/seccomp/seccomp_default.go) for kernels 4.8 and later: that profile
 * allows a list of system calls and returns EPERM for the rest, some of which it allows when the
 * container's bounding set has a capability. This filter denies, with EPERM, every call of
 * Linux 6.1 that the profile does not allow, and allows the rest:
 *
 * - always denied: kexec, swap, keyrings, userfaultfd, NUMA memory policy, protection keys,
 *   pivot_root, and calls the kernel no longer implements;
 * - denied unless the bounding set has the capability: mount and namespace calls (SYS_ADMIN),
 *   reboot (SYS_BOOT), modules (SYS_MODULE), acct (SYS_PACCT), kcmp and cross-process memory
 *   access (SYS_PTRACE), iopl and ioperm (SYS_RAWIO), setting the clock (SYS_TIME), and so on;
 * - clone with a namespace flag is denied and clone3 returns ENOSYS (so that glibc falls back
 *   to clone) unless the bounding set has SYS_ADMIN;
 * - personality is allowed only for the values the profile lists;
 * - calls newer than Linux 6.1 return ENOSYS, as in runc's filters;
 * - calls of another ABI (i386 through int 0x80, x32, 32-bit ARM) are denied, because the
 *   numbers above belong to the native ABI only.
 *
 * ptrace stays allowed, as in the profile on kernels 4.8 and later.
 */
import { BpfProgram } from './bpf.js';
import { newestKnownSyscall, syscallNumbers, type SyscallName } from './syscalls.js';

/** An architecture the filter supports, with its `AUDIT_ARCH_*` value (linux/audit.h). */
export interface SeccompArchitecture {
  name: 'x86_64' | 'aarch64';
  auditArch: number;
  /** Column of the architecture in `syscallNumbers`. */
  column: 0 | 1;
}

const x86_64: SeccompArchitecture = { name: 'x86_64', auditArch: 0xc000003e, column: 0 };
const aarch64: SeccompArchitecture = { name: 'aarch64', auditArch: 0xc00000b7, column: 1 };

/**
 * Returns the architecture of this host, or undefined when the filter does not support it.
 * NOTE: the aarch64 program is checked against the kernel headers and a BPF interpreter in the
 * tests, but it has not been loaded on an aarch64 kernel.
 */
export function hostSeccompArchitecture(): SeccompArchitecture | undefined {
  if (process.arch === 'x64') return x86_64;
  if (process.arch === 'arm64') return aarch64;
  return undefined;
}

/** Calls that no capability allows. */
const alwaysDenied: readonly SyscallName[] = [
  '_sysctl',
  'add_key',
  'afs_syscall',
  'create_module',
  'get_kernel_syms',
  'get_mempolicy',
  'getpmsg',
  'kexec_file_load',
  'kexec_load',
  'keyctl',
  'mbind',
  'migrate_pages',
  'move_pages',
  'nfsservctl',
  'pivot_root',
  'pkey_alloc',
  'pkey_free',
  'pkey_mprotect',
  'putpmsg',
  'query_module',
  'request_key',
  'security',
  'set_mempolicy',
  'set_mempolicy_home_node',
  'swapoff',
  'swapon',
  'sysfs',
  'tuxcall',
  'uselib',
  'userfaultfd',
  'ustat',
  'vserver',
];

/** Calls allowed only when the bounding set has one of the capabilities that list them. */
const capabilityGated: ReadonlyArray<readonly [string, readonly SyscallName[]]> = [
  ['CAP_DAC_READ_SEARCH', ['open_by_handle_at']],
  [
    'CAP_SYS_ADMIN',
    [
      'bpf',
      'fanotify_init',
      'fsconfig',
      'fsmount',
      'fsopen',
      'fspick',
      'lookup_dcookie',
      'mount',
      'mount_setattr',
      'move_mount',
      'name_to_handle_at',
      'open_tree',
      'perf_event_open',
      'quotactl',
      'quotactl_fd',
      'setdomainname',
      'sethostname',
      'setns',
      'syslog',
      'umount2',
      'unshare',
    ],
  ],
  ['CAP_SYS_BOOT', ['reboot']],
  ['CAP_SYS_CHROOT', ['chroot']],
  ['CAP_SYS_MODULE', ['delete_module', 'init_module', 'finit_module']],
  ['CAP_SYS_PACCT', ['acct']],
  [
    'CAP_SYS_PTRACE',
    ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev'],
  ],
  ['CAP_SYS_RAWIO', ['iopl', 'ioperm']],
  ['CAP_SYS_TIME', ['settimeofday', 'clock_settime']],
  ['CAP_SYS_TTY_CONFIG', ['vhangup']],
  ['CAP_SYSLOG', ['syslog']],
  ['CAP_BPF', ['bpf']],
  ['CAP_PERFMON', ['perf_event_open']],
];

/**
 * personality(2) values the profile allows: PER_LINUX (0) and PER_LINUX32 (0x8), each also with
 * UNAME26 (0x20000), and 0xffffffff, which only reads the current value.
 */
const allowedPersonalities = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

/** CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET. */
const namespaceCloneFlags = 0x7e020000;

/** System calls with this bit set use the x32 ABI on x86_64 (`__X32_SYSCALL_BIT`). */
const x32SyscallBit = 0x40000000;

// Return values of a filter (linux/seccomp.h) and errno values (asm-generic/errno-base.h, errno.h).
const SECCOMP_RET_ALLOW = 0x7fff0000;
const SECCOMP_RET_ERRNO = 0x00050000;
const EPERM = 1;
const ENOSYS = 38;

// Offsets in struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }.
// The low half of args[0] is at offset 16 because both supported architectures are little-endian.
const nrOffset = 0;
const archOffset = 4;
const firstArgumentLowOffset = 16;

/** Returns the names of the calls the filter denies for a container with these capabilities. */
export function deniedSyscalls(capabilities: readonly string[]): SyscallName[] {
  const bounding = new Set(capabilities);
  const allowed = new Set<SyscallName>();
  for (const [capability, names] of capabilityGated) {
    if (bounding.has(capability)) for (const name of names) allowed.add(name);
  }
  const denied = new Set<SyscallName>(alwaysDenied);
  for (const [, names] of capabilityGated) {
    for (const name of names) if (!allowed.has(name)) denied.add(name);
  }
  return [...denied].sort();
}

/**
 * Compiles the RuntimeDefault filter for `architecture` and a container whose bounding set is
 * `capabilities`, such as `CAP_CHOWN`, into the program bwrap's `--seccomp` loads.
 */
export function compileRuntimeDefault(
  architecture: SeccompArchitecture,
  capabilities: readonly string[],
): Buffer {
  const numberOf = (name: SyscallName): number | undefined =>
    syscallNumbers[name][architecture.column];
  const admin = capabilities.includes('CAP_SYS_ADMIN');
  const program = new BpfProgram();

  program.loadWord(archOffset).jumpIfEqual(architecture.auditArch, 'next', 'deny');
  program.loadWord(nrOffset);
  if (architecture.name === 'x86_64') program.jumpIfAtLeast(x32SyscallBit, 'deny');
  for (const name of deniedSyscalls(capabilities)) {
    const nr = numberOf(name);
    if (nr !== undefined) program.jumpIfEqual(nr, 'deny');
  }
  if (!admin) {
    program.jumpIfEqual(syscallNumbers.clone[architecture.column], 'clone');
    program.jumpIfEqual(syscallNumbers.clone3[architecture.column], 'no-such-call');
  }
  program.jumpIfEqual(syscallNumbers.personality[architecture.column], 'personality');
  program.jumpIfGreater(newestKnownSyscall, 'no-such-call', 'allow');

  // clone(2) takes its flags in the first argument; the kernel reads only the low 32 bits.
  program.label('clone').loadWord(firstArgumentLowOffset);
  program.jumpIfAnyBit(namespaceCloneFlags, 'deny', 'allow');

  // personality(2) takes an unsigned int, so the low 32 bits are the whole value.
  program.label('personality').loadWord(firstArgumentLowOffset);
  for (const value of allowedPersonalities) program.jumpIfEqual(value, 'allow');

  program.label('deny').returnValue(SECCOMP_RET_ERRNO | EPERM);
  program.label('allow').returnValue(SECCOMP_RET_ALLOW);
  program.label('no-such-call').returnValue(SECCOMP_RET_ERRNO | ENOSYS);
  return program.encode();
}
