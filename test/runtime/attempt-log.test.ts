import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AttemptLog } from '../../src/runtime/attempt-log.js';
import type { OutputStream } from '../../src/runtime/index.js';

function recordingLog(capBytes: number): {
  log: AttemptLog;
  chunks: Array<[string, OutputStream, string]>;
} {
  const chunks: Array<[string, OutputStream, string]> = [];
  const log = new AttemptLog(capBytes, (container, stream, chunk) =>
    chunks.push([container, stream, chunk]),
  );
  return { log, chunks };
}

void test('log passes output under the cap', () => {
  const { log, chunks } = recordingLog(100);
  const stdout = log.openStream('main', 'stdout');
  const stderr = log.openStream('main', 'stderr');

  stdout.write(Buffer.from('one\n'));
  stderr.write(Buffer.from('two\n'));

  assert.deepEqual(chunks, [
    ['main', 'stdout', 'one\n'],
    ['main', 'stderr', 'two\n'],
  ]);
});

void test('log truncates at cap with one notice', () => {
  const { log, chunks } = recordingLog(10);
  const first = log.openStream('a', 'stdout');
  const second = log.openStream('b', 'stderr');

  first.write(Buffer.from('123456'));
  first.write(Buffer.from('7890abc'));
  first.write(Buffer.from('dropped'));
  second.write(Buffer.from('dropped too'));
  first.end();
  second.end();

  assert.deepEqual(chunks, [
    ['a', 'stdout', '123456'],
    ['a', 'stdout', '7890'],
    ['a', 'stdout', '\n[cronmesh] log truncated after 10 bytes\n'],
  ]);
});

void test('log notice follows a complete line', () => {
  const { log, chunks } = recordingLog(4);
  const stdout = log.openStream('main', 'stdout');

  stdout.write(Buffer.from('abc\nmore'));

  assert.deepEqual(chunks, [
    ['main', 'stdout', 'abc\n'],
    ['main', 'stdout', '[cronmesh] log truncated after 4 bytes\n'],
  ]);
});

void test('log with zero cap emits only notice', () => {
  const { log, chunks } = recordingLog(0);
  log.openStream('main', 'stderr').write(Buffer.from('x'));

  assert.deepEqual(chunks, [['main', 'stderr', '[cronmesh] log truncated after 0 bytes\n']]);
});

void test('log decodes UTF-8 split across chunks', () => {
  const { log, chunks } = recordingLog(100);
  const stdout = log.openStream('main', 'stdout');
  const bytes = Buffer.from('é€\n');

  stdout.write(bytes.subarray(0, 1));
  stdout.write(bytes.subarray(1, 3));
  stdout.write(bytes.subarray(3));
  stdout.end();

  assert.equal(chunks.map(([, , chunk]) => chunk).join(''), 'é€\n');
});

void test('log flushes incomplete UTF-8 at end', () => {
  const { log, chunks } = recordingLog(100);
  const stdout = log.openStream('main', 'stdout');

  stdout.write(Buffer.from([0x61, 0xe2, 0x82]));
  stdout.end();

  assert.deepEqual(chunks, [
    ['main', 'stdout', 'a'],
    ['main', 'stdout', '\ufffd'],
  ]);
});
