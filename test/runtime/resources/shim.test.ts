import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { LaunchCommand } from '../../../src/runtime/confinement.js';
import {
  addressSpaceLimitCommand,
  joinCgroupsCommand,
  SHIM_FAILURE_EXIT_CODE,
} from '../../../src/runtime/resources/shim.js';
import { makeTempDir } from '../helpers.js';

/** File names a shell would run or split if the wrapper pasted them into its script. */
const hostileNames = [
  'a b\'"$(touch injected)`touch injected`;touch injected',
  'line\nbreak $HOME',
];

function run(command: LaunchCommand, cwd: string) {
  return spawnSync(command.file, command.args, { cwd, env: command.env, encoding: 'utf8' });
}

/** A command that prints its own pid and then each argument on its own line. */
const printer: LaunchCommand = {
  file: '/bin/sh',
  args: ['-c', 'echo $$; printf "%s\\n" "$@"', 'printer', '$(touch injected)', '; exit 3'],
  env: {},
};

describe('cgroup join wrapper', () => {
  it('passes paths and arguments as parameters', () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const procsFiles = hostileNames.map((name) => join(dir, name));
      for (const file of procsFiles) writeFileSync(file, '');

      const child = run(joinCgroupsCommand(printer, procsFiles), dir);
      const [pid, ...args] = child.stdout.split('\n');

      assert.equal(child.status, 0);
      assert.equal(child.stderr, '');
      assert.deepEqual(args, ['$(touch injected)', '; exit 3', '']);
      // exec keeps the pid, so the pid written is the command's own.
      assert.equal(readFileSync(procsFiles[0] ?? '', 'utf8'), `${pid}\n`);
      assert.equal(readFileSync(procsFiles[1] ?? '', 'utf8'), `${pid}\n`);
      assert.equal(existsSync(join(dir, 'injected')), false);
    } finally {
      cleanup();
    }
  });

  it('exits 125 when a group cannot be joined', () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const missing = join(dir, 'missing', 'cgroup.procs');

      const child = run(joinCgroupsCommand(printer, [missing]), dir);

      assert.equal(child.status, SHIM_FAILURE_EXIT_CODE);
      assert.equal(child.stdout, '');
      // The shell's own wording differs between dash and bash; both name the script and file.
      assert.equal(child.stderr.startsWith('cronmesh-cgroup: '), true, child.stderr);
      assert.equal(child.stderr.includes(missing), true, child.stderr);
    } finally {
      cleanup();
    }
  });
});

describe('address space wrapper', () => {
  it('sets the limit and passes arguments as parameters', () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const command: LaunchCommand = {
        file: '/bin/sh',
        args: ['-c', 'ulimit -v; printf "%s\\n" "$@"', 'printer', '$(touch injected)'],
        env: {},
      };

      const child = run(addressSpaceLimitCommand(command, 65_536), dir);

      assert.equal(child.status, 0);
      assert.equal(child.stdout, '65536\n$(touch injected)\n');
      assert.equal(existsSync(join(dir, 'injected')), false);
    } finally {
      cleanup();
    }
  });
});
