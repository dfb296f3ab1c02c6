import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CliError } from '../../src/cli/errors.js';
import {
  describeListenError,
  isLoopbackHost,
  warnIfNotLoopback,
} from '../../src/cli/listen-address.js';
import type { Logger } from '../../src/util/logger.js';

const warning =
  'the API listens on a non-loopback address and has no authentication, so anyone who can reach this address can run commands as this user';

/** Creates a Logger that records each call as [level, fields, message]. */
function recordingLogger(): { logger: Logger; calls: [string, object, string][] } {
  const calls: [string, object, string][] = [];
  const record =
    (level: string) =>
    (fields: object, message: string): void => {
      calls.push([level, fields, message]);
    };
  const logger: Logger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  return { logger, calls };
}

describe('isLoopbackHost', () => {
  test('loopback names and addresses', () => {
    for (const host of [
      'localhost',
      'LOCALHOST',
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      assert.equal(isLoopbackHost(host), true, host);
    }
  });

  test('other names and addresses', () => {
    for (const host of [
      '0.0.0.0',
      '::',
      '[::]',
      '192.168.1.10',
      '10.0.0.1',
      '128.0.0.1',
      '::ffff:10.0.0.1',
      'fe80::1',
      'example.test',
      'localhost.example.test',
    ]) {
      assert.equal(isLoopbackHost(host), false, host);
    }
  });
});

describe('warnIfNotLoopback', () => {
  test('every IPv4 interface is warned about', () => {
    const { logger, calls } = recordingLogger();
    warnIfNotLoopback(logger, '0.0.0.0', 8080);
    assert.deepEqual(calls, [['warn', { address: '0.0.0.0:8080' }, warning]]);
  });

  test('IPv6 address is bracketed', () => {
    const { logger, calls } = recordingLogger();
    warnIfNotLoopback(logger, '::', 8080);
    assert.deepEqual(calls, [['warn', { address: '[::]:8080' }, warning]]);
  });

  test('loopback is not warned about', () => {
    const { logger, calls } = recordingLogger();
    warnIfNotLoopback(logger, '127.0.0.1', 8080);
    warnIfNotLoopback(logger, '::1', 8080);
    assert.deepEqual(calls, []);
  });
});

describe('describeListenError', () => {
  test('address in use gets a hint', () => {
    const error = Object.assign(new Error('listen EADDRINUSE: address already in use'), {
      code: 'EADDRINUSE',
    });
    const described = describeListenError(error, '127.0.0.1:8080');
    assert.equal(described instanceof CliError, true);
    assert.equal(
      (described as CliError).message,
      'cannot listen on 127.0.0.1:8080: the address is already in use, perhaps by another cronmesh serve. Pass --listen HOST:PORT to listen on another address, and point the CLI at it with --server or CRONMESH_SERVER.',
    );
  });

  test('other errors pass through', () => {
    const error = Object.assign(new Error('listen EACCES: permission denied'), { code: 'EACCES' });
    assert.equal(describeListenError(error, '127.0.0.1:80'), error);
  });
});
