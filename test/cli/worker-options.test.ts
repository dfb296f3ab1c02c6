import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WorkerCommandOptions } from '../../src/cli/commands/worker.js';
import { parseLabelsFlag, parseWorkerOptions } from '../../src/cli/commands/worker.js';
import { CliError } from '../../src/cli/errors.js';

const storeUrl = 'postgres://app:hunter2@127.0.0.1:5432/jobs?schema=cronmesh';

/** The flags as commander returns them with every default, plus `overrides`. */
function flags(overrides: Partial<WorkerCommandOptions> = {}): WorkerCommandOptions {
  return {
    store: storeUrl,
    concurrency: '4',
    labels: '',
    listen: '127.0.0.1:9090',
    leaseDuration: '40s',
    heartbeatInterval: '10s',
    logLevel: 'info',
    logFormat: 'json',
    ...overrides,
  };
}

/** Returns the message of the CliError that parsing `overrides` throws. */
function rejection(overrides: Partial<WorkerCommandOptions>): string {
  try {
    parseWorkerOptions(flags(overrides));
  } catch (error) {
    assert.ok(error instanceof CliError, `expected a CliError, got ${String(error)}`);
    return error.message;
  }
  throw new Error(`flags ${JSON.stringify(overrides)} were accepted`);
}

const storeExample = 'postgres://USER@HOST:5432/DATABASE?schema=NAME';
const labelKeyRule =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end " +
  "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for " +
  "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('cronmesh worker flags', () => {
  it('parses every flag', () => {
    const settings = parseWorkerOptions(
      flags({
        concurrency: '16',
        capacityCpu: '1500m',
        capacityMemory: '4Gi',
        labels: 'pool=east,example.com/zone=a-1,empty=',
        listen: '[::1]:0',
        leaseDuration: '3s',
        heartbeatInterval: '500ms',
      }),
    );

    assert.deepEqual(settings, {
      url: storeUrl,
      storeLogFields: { store: 'postgres://app:***@127.0.0.1:5432/jobs', schema: 'cronmesh' },
      host: '::1',
      port: 0,
      concurrency: 16,
      capacity: { cpu: 1.5, memory: 4 * 2 ** 30 },
      labels: { pool: 'east', 'example.com/zone': 'a-1', empty: '' },
      leaseDurationMs: 3_000,
      heartbeatIntervalMs: 500,
      sandbox: 'auto',
    });
  });

  it('rejects invalid values by name', () => {
    const cases: Array<[Partial<WorkerCommandOptions>, string]> = [
      [{ sandbox: 'docker' }, 'invalid --sandbox value "docker": expected auto, bubblewrap, none'],
      [
        { store: undefined },
        'missing --store: a worker claims attempts from the PostgreSQL store that cronmesh ' +
          `serve uses. Pass --store ${storeExample} or set CRONMESH_STORE`,
      ],
      [
        { store: 'mysql://root:hunter2@127.0.0.1/jobs' },
        'unsupported --store value "mysql://root:***@127.0.0.1/jobs": expected a postgres:// ' +
          `or postgresql:// URL such as ${storeExample}`,
      ],
      [
        { store: 'postgres://app:hunter2@127.0.0.1/jobs?schema=Jobs', storeFromEnvironment: true },
        'invalid CRONMESH_STORE value "postgres://app:***@127.0.0.1/jobs?schema=Jobs": invalid ' +
          'schema "Jobs": expected a lowercase letter or underscore, then up to 62 lowercase ' +
          'letters, digits or underscores, not starting with pg_',
      ],
      [{ concurrency: '0' }, 'invalid --concurrency value "0": expected an integer of at least 1'],
      [
        { concurrency: '1.5' },
        'invalid --concurrency value "1.5": expected an integer of at least 1',
      ],
      [{ concurrency: '' }, 'invalid --concurrency value "": expected an integer of at least 1'],
      [
        { capacityCpu: '0' },
        'invalid --capacity-cpu value "0": expected a Kubernetes quantity greater than 0, such as 2 or 1500m',
      ],
      [
        { capacityMemory: '4GB' },
        'invalid --capacity-memory value "4GB": expected a Kubernetes quantity greater than 0, such as 4Gi or 512Mi',
      ],
      [
        { leaseDuration: '40' },
        'invalid --lease-duration value "40": expected a positive duration such as 15s, 500ms or 1m30s',
      ],
      [
        { heartbeatInterval: '-1s' },
        'invalid --heartbeat-interval value "-1s": expected a positive duration such as 15s, 500ms or 1m30s',
      ],
      [
        { leaseDuration: '10s', heartbeatInterval: '10s' },
        'invalid --heartbeat-interval value "10s": expected less than --lease-duration (10s), so ' +
          'the lease is renewed before it expires',
      ],
      [
        { listen: '9090' },
        'invalid --listen value "9090": expected HOST:PORT, e.g. 127.0.0.1:9090',
      ],
      [
        { listen: '127.0.0.1:65536' },
        'invalid --listen value "127.0.0.1:65536": expected HOST:PORT, e.g. 127.0.0.1:9090',
      ],
    ];

    for (const [overrides, message] of cases) {
      assert.equal(rejection(overrides), message, JSON.stringify(overrides));
    }
  });

  it('rejects invalid labels', () => {
    const cases: Array<[string, string]> = [
      [
        'pool',
        'invalid --labels value "pool": expected KEY=VALUE pairs separated by commas, e.g. ' +
          'pool=east,zone=a; got "pool"',
      ],
      [
        'pool=east,',
        'invalid --labels value "pool=east,": expected KEY=VALUE pairs separated by commas, e.g. ' +
          'pool=east,zone=a; got ""',
      ],
      ['bad key=1', `invalid --labels value "bad key=1": label key "bad key": ${labelKeyRule}`],
      [
        'pool=-east',
        'invalid --labels value "pool=-east": value "-east" of label pool: a valid label must be ' +
          "an empty string or consist of alphanumeric characters, '-', '_' or '.', and must " +
          "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or " +
          "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
      ],
      ['pool=a,pool=b', 'invalid --labels value "pool=a,pool=b": label pool is given twice'],
    ];

    for (const [text, message] of cases) {
      assert.throws(() => parseLabelsFlag(text), { name: 'CliError', message }, text);
    }
  });

  it('reads no labels from an empty value', () => {
    assert.deepEqual(parseLabelsFlag(''), {});
  });
});
