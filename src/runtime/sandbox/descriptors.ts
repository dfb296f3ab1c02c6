/**
 * File descriptors that bwrap receives from the executor: the volumes to bind and the seccomp
 * program. A descriptor pins the object it was opened on, so a path that a container replaces
 * with a symbolic link after the check can no longer redirect a mount.
 */
import { closeSync, mkdtempSync, openSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * O_PATH from the kernel's asm-generic/fcntl.h. Only alpha, parisc and sparc define another
 * value, and Node.js runs on none of them. Node.js does not export the constant.
 */
const O_PATH = 0o10000000;

/**
 * Opens `path` with O_PATH, which follows symbolic links but never opens the object itself, so
 * no device or FIFO a container planted is opened on the host. Returns the descriptor and the
 * path the kernel resolved it to.
 */
export function openPathDescriptor(path: string): { fd: number; resolved: string } {
  const fd = openSync(path, O_PATH);
  try {
    return { fd, resolved: readlinkSync(`/proc/self/fd/${fd}`) };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Returns a read-only descriptor of a file that contains `program`, positioned at its start. The
 * file is removed at once, so only the descriptor refers to it.
 */
export function openProgramDescriptor(program: Buffer): number {
  const directory = mkdtempSync(join(tmpdir(), 'cronmesh-seccomp-'));
  try {
    const path = join(directory, 'filter.bpf');
    writeFileSync(path, program, { mode: 0o600, flag: 'wx' });
    return openSync(path, 'r');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** Closes every descriptor of `fds` and empties the list. */
export function closeDescriptors(fds: number[]): void {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing else uses the number, because the list owns it.
    }
  }
}
