import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from './harness.js';
import { runCli, startCliServer } from './harness.js';

const configMapsPath = '/api/v1/namespaces/default/configmaps';

describe('apply of hostile manifests', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startCliServer();
    dir = await mkdtemp(join(tmpdir(), 'cronmesh-apply-limits-'));
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('deep nesting is rejected before sending', async () => {
    const file = join(dir, 'deep.yaml');
    const extra = `${'- '.repeat(50_000)}x`;
    await writeFile(
      file,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shallow\n---\n` +
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nextra:\n  ${extra}\n`,
    );

    const result = await runCli(server, ['apply', '-f', file]);
    const listed = (await (await fetch(server.url + configMapsPath)).json()) as {
      items: unknown[];
    };

    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(
      result.stderr,
      `error: error parsing ${file}: line 11: mappings and sequences are nested 50001 levels ` +
        'deep, more than the limit of 256 levels\nerror: no objects were applied\n',
    );
    assert.deepEqual(listed.items, []);
  });

  test('alias expansion is rejected before sending', async () => {
    const file = join(dir, 'laughs.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [previous, name] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
    ]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    await writeFile(
      file,
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: laughs\n${levels.join('\n')}\n`,
    );

    const result = await runCli(server, ['apply', '-f', file]);

    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `error: error parsing ${file}: line 1: YAML aliases copy their anchored nodes more than ` +
        '100 times, the limit that stops alias expansion ("billion laughs") attacks\n' +
        'error: no objects were applied\n',
    );
  });
});
