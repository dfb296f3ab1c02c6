/**
 * Numbers of the system calls that the RuntimeDefault filter names, per architecture. The x86_64
 * column comes from the kernel's arch/x86/entry/syscalls/syscall_64.tbl and the aarch64 column
 * from include/uapi/asm-generic/unistd.h, as Linux 6.1's UAPI headers install them
 * (asm/unistd_64.h and asm-generic/unistd.h). `undefined` marks a call the architecture lacks.
 * test/runtime/sandbox/seccomp.test.ts compares both columns with the installed headers.
 */

/** System call numbers: x86_64, then aarch64. */
export const syscallNumbers = {
  _sysctl: [156, undefined],
  acct: [163, 89],
  add_key: [248, 217],
  afs_syscall: [183, undefined],
  bpf: [321, 280],
  chroot: [161, 51],
  clock_settime: [227, 112],
  clone: [56, 220],
  clone3: [435, 435],
  create_module: [174, undefined],
  delete_module: [176, 106],
  fanotify_init: [300, 262],
  finit_module: [313, 273],
  fsconfig: [431, 431],
  fsmount: [432, 432],
  fsopen: [430, 430],
  fspick: [433, 433],
  get_kernel_syms: [177, undefined],
  get_mempolicy: [239, 236],
  getpmsg: [181, undefined],
  init_module: [175, 105],
  ioperm: [173, undefined],
  iopl: [172, undefined],
  kcmp: [312, 272],
  kexec_file_load: [320, 294],
  kexec_load: [246, 104],
  keyctl: [250, 219],
  lookup_dcookie: [212, 18],
  mbind: [237, 235],
  migrate_pages: [256, 238],
  mount: [165, 40],
  mount_setattr: [442, 442],
  move_mount: [429, 429],
  move_pages: [279, 239],
  name_to_handle_at: [303, 264],
  nfsservctl: [180, 42],
  open_by_handle_at: [304, 265],
  open_tree: [428, 428],
  perf_event_open: [298, 241],
  personality: [135, 92],
  pidfd_getfd: [438, 438],
  pivot_root: [155, 41],
  pkey_alloc: [330, 289],
  pkey_free: [331, 290],
  pkey_mprotect: [329, 288],
  process_madvise: [440, 440],
  process_vm_readv: [310, 270],
  process_vm_writev: [311, 271],
  putpmsg: [182, undefined],
  query_module: [178, undefined],
  quotactl: [179, 60],
  quotactl_fd: [443, 443],
  reboot: [169, 142],
  request_key: [249, 218],
  security: [185, undefined],
  set_mempolicy: [238, 237],
  set_mempolicy_home_node: [450, 450],
  setdomainname: [171, 162],
  sethostname: [170, 161],
  setns: [308, 268],
  settimeofday: [164, 170],
  swapoff: [168, 225],
  swapon: [167, 224],
  sysfs: [139, undefined],
  syslog: [103, 116],
  tuxcall: [184, undefined],
  umount2: [166, 39],
  unshare: [272, 97],
  uselib: [134, undefined],
  userfaultfd: [323, 282],
  ustat: [136, undefined],
  vhangup: [153, 58],
  vserver: [236, undefined],
} as const satisfies Record<string, readonly [number | undefined, number | undefined]>;

export type SyscallName = keyof typeof syscallNumbers;

/**
 * Highest system call number in Linux 6.1 on both architectures (set_mempolicy_home_node).
 * The filter returns ENOSYS above it, as runc does for calls newer than its profile, so that a
 * program falls back to an older call it supports.
 */
export const newestKnownSyscall = 450;
