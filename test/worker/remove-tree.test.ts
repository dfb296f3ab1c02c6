import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { removeTree } from '../../src/worker/remove-tree.js';

const run = promisify(execFile);

/** Mount points below `root` in this process's mount namespace. */
function mountPointsBelow(root: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((mountPoint) => mountPoint.startsWith(`${root}/`));
}

describe('tree removal', () => {
  let root: string;
  let tree: string;
  let outside: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hA-remove-tree-'));
    tree = join(root, 'tree');
    outside = join(root, 'outside');
    mkdirSync(join(tree, 'volume', 'nested'), { recursive: true });
    writeFileSync(join(tree, 'volume', 'nested', 'file'), 'job data\n');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'host file\n');
  });

  afterEach(async () => {
    for (const mountPoint of mountPointsBelow(root).reverse()) {
      await run('umount', ['--lazy', mountPoint]);
    }
    await rm(root, { recursive: true, force: true });
  });

  it('removes a nested tree', async () => {
    await removeTree(tree);

    assert.equal(existsSync(tree), false);
  });

  it('removes links without following them', async () => {
    symlinkSync(outside, join(tree, 'volume', 'directory-link'));
    symlinkSync(join(outside, 'keep'), join(tree, 'volume', 'nested', 'file-link'));

    await removeTree(tree);

    assert.equal(existsSync(tree), false);
    assert.deepEqual(readdirSync(outside), ['keep']);
    assert.equal(readFileSync(join(outside, 'keep'), 'utf8'), 'host file\n');
  });

  it('removes a subdirectory replaced by a link', async () => {
    // The state a job process leaves when it swaps a directory for a link to a host directory.
    await rm(join(tree, 'volume'), { recursive: true });
    symlinkSync(outside, join(tree, 'volume'));

    await removeTree(tree);

    assert.equal(existsSync(tree), false);
    assert.deepEqual(readdirSync(outside), ['keep']);
  });

  it('removes a link given as the path', async () => {
    const link = join(root, 'link');
    symlinkSync(outside, link);

    await removeTree(link);

    assert.equal(existsSync(link), false);
    assert.deepEqual(readdirSync(outside), ['keep']);
  });

  it('accepts a missing path', async () => {
    await removeTree(join(root, 'missing'));

    assert.equal(existsSync(join(root, 'missing')), false);
  });

  it('stops at a mount of another file system', async () => {
    const mountPoint = join(tree, 'volume', 'mounted');
    mkdirSync(mountPoint);
    await run('mount', ['-t', 'tmpfs', '-o', 'mode=0700', 'tmpfs', mountPoint]);
    writeFileSync(join(mountPoint, 'secret'), 's3cret');

    await assert.rejects(removeTree(tree), {
      message: `removing ${tree} failed: rm: skipping '${mountPoint}', since it's on a different device`,
    });

    assert.equal(readFileSync(join(mountPoint, 'secret'), 'utf8'), 's3cret');
    assert.deepEqual(mountPointsBelow(root), [mountPoint]);
  });
});
