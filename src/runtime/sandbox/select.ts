import { execFile, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { Confiner } from '../confinement.js';
import { DEFAULT_PATH } from '../environment.js';
import { defaultContainerCapabilities } from '../../api/capabilities.js';
import { BubblewrapConfiner, type SandboxTools } from './bubblewrap.js';
import { closeDescriptors, openProgramDescriptor } from './descriptors.js';
import { compileRuntimeDefault, hostSeccompArchitecture } from './seccomp/runtime-default.js';
import { HostProcessConfiner } from './host-process.js';
import type { SandboxMode } from './types.js';

/** The `--sandbox` flag: bubblewrap when it works on this host (`auto`), or one mode. */
export type SandboxSelection = 'auto' | SandboxMode;

export const sandboxSelections: readonly SandboxSelection[] = ['auto', 'bubblewrap', 'none'];

/** The mode a worker runs containers in, the confiner that applies it, and why. */
export interface SelectedSandbox {
  mode: SandboxMode;
  confiner: Confiner;
  /** Reason `auto` chose `none`, unset for any other outcome. */
  fallbackReason?: string;
}

/** `--sandbox=bubblewrap` on a host where a probe run of bwrap failed. */
export class SandboxUnavailableError extends Error {
  readonly code = 'SandboxUnavailable';

  constructor(readonly detail: string) {
    super(`the bubblewrap sandbox does not work on this host: ${detail}`);
    this.name = 'SandboxUnavailableError';
  }
}

const probeTimeoutMs = 10_000;

/**
 * Chooses the sandbox mode. `bubblewrap` and `auto` first run a probe: bwrap with the
 * namespaces and mounts a container gets, and setpriv switching to uid 65534 inside it.
 * Rejects with SandboxUnavailableError when `bubblewrap` was asked for and the probe failed.
 */
export async function selectSandbox(selection: SandboxSelection): Promise<SelectedSandbox> {
  if (selection === 'none') return { mode: 'none', confiner: new HostProcessConfiner() };
  const probe = await probeBubblewrap();
  if ('tools' in probe) {
    const seccompUnavailable = await probeSeccomp(probe.tools);
    const confiner = new BubblewrapConfiner(
      probe.tools,
      seccompUnavailable === undefined ? {} : { seccompUnavailable },
    );
    return { mode: 'bubblewrap', confiner };
  }
  if (selection === 'bubblewrap') throw new SandboxUnavailableError(probe.problem);
  return { mode: 'none', confiner: new HostProcessConfiner(), fallbackReason: probe.problem };
}

/** Finds bwrap, setpriv and env, and runs one sandboxed process with them. */
export async function probeBubblewrap(): Promise<{ tools: SandboxTools } | { problem: string }> {
  const bwrap = findExecutable('bwrap');
  const setpriv = findExecutable('setpriv');
  const env = findExecutable('env');
  if (bwrap === undefined) return { problem: 'bwrap was not found; install bubblewrap' };
  if (setpriv === undefined) return { problem: 'setpriv was not found; install util-linux' };
  if (env === undefined) return { problem: 'env was not found; install coreutils' };

  const args = [
    '--ro-bind', '/', '/',
    '--proc', '/proc',
    '--dev', '/dev',
    '--unshare-pid',
    '--unshare-ipc',
    '--die-with-parent',
    '--',
    env, '--default-signal=TERM',
    setpriv, '--reuid', '65534', '--regid', '65534', '--clear-groups',
    '--bounding-set', '-all',
    '--', env,
  ]; // prettier-ignore
  return new Promise((resolve) => {
    execFile(bwrap, args, { env: {}, timeout: probeTimeoutMs }, (error, _stdout, stderr) => {
      if (error === null) {
        resolve({ tools: { bwrap, setpriv, env } });
        return;
      }
      const output = stderr.trim();
      resolve({
        problem: `probe run of ${bwrap} failed: ${output === '' ? error.message : output}`,
      });
    });
  });
}

/**
 * Runs `true` in bwrap with the RuntimeDefault filter of containerd's default capability set,
 * so that a kernel without seccomp filters, or one that rejects the program, is found before
 * a container needs it. Returns why the run failed, or undefined when it worked.
 */
export async function probeSeccomp(tools: SandboxTools): Promise<string | undefined> {
  const architecture = hostSeccompArchitecture();
  if (architecture === undefined) return `no RuntimeDefault filter for ${process.arch}`;
  const program = compileRuntimeDefault(architecture, defaultContainerCapabilities);
  const fd = openProgramDescriptor(program);
  const args = ['--ro-bind', '/', '/', '--seccomp', '3', '--', tools.env, 'true'];
  try {
    return await new Promise<string | undefined>((resolve) => {
      const child = spawn(tools.bwrap, args, { env: {}, stdio: ['ignore', 'ignore', 'pipe', fd] });
      const timer = setTimeout(() => child.kill('SIGKILL'), probeTimeoutMs);
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', (error) => {
        clearTimeout(timer);
        resolve(`probe run of ${tools.bwrap} with a seccomp filter failed: ${error.message}`);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) {
          resolve(undefined);
          return;
        }
        const output = stderr.trim();
        const status = signal === null ? `exit code ${code}` : `signal ${signal}`;
        resolve(
          `probe run of ${tools.bwrap} with a seccomp filter failed: ${output === '' ? status : output}`,
        );
      });
    });
  } finally {
    closeDescriptors([fd]);
  }
}

/** Returns the absolute path of `name` in cronmesh's PATH or the default PATH. */
function findExecutable(name: string): string | undefined {
  const directories = `${process.env.PATH ?? ''}:${DEFAULT_PATH}`.split(':');
  for (const directory of directories) {
    if (!directory.startsWith('/')) continue;
    const path = join(directory, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}
