import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeChannelOf, clientConfigOf } from '../../src/store/postgres/connection.js';
import {
  InvalidStoreUrlError,
  parsePostgresUrl,
  redactPassword,
} from '../../src/store/postgres/url.js';

/** Returns the error that `parsePostgresUrl(url)` throws. */
function parseError(url: string): InvalidStoreUrlError {
  try {
    parsePostgresUrl(url);
  } catch (error) {
    assert.ok(error instanceof InvalidStoreUrlError, String(error));
    return error;
  }
  throw new Error(`expected ${url} to be rejected`);
}

void describe('PostgreSQL store URL', () => {
  void it('schema parameter selects the schema', () => {
    const target = parsePostgresUrl(
      'postgresql://app:s3cret@db.internal:6432/cronmesh?schema=team_a&sslmode=disable',
    );

    assert.equal(target.schema, 'team_a');
    assert.equal(
      target.connectionString,
      'postgresql://app:s3cret@db.internal:6432/cronmesh?sslmode=disable',
    );
    assert.equal(
      target.displayUrl,
      'postgresql://app:***@db.internal:6432/cronmesh?sslmode=disable',
    );
    assert.equal(target.serverOptions, undefined);
  });

  void it('schema defaults to cronmesh', () => {
    const target = parsePostgresUrl('postgres://postgres@127.0.0.1:5432/test');

    assert.equal(target.schema, 'cronmesh');
    assert.equal(target.connectionString, 'postgres://postgres@127.0.0.1:5432/test');
    assert.equal(target.displayUrl, 'postgres://postgres@127.0.0.1:5432/test');
  });

  void it('options are kept beside search_path', () => {
    const target = parsePostgresUrl(
      'postgres://postgres@127.0.0.1:5432/test?schema=jobs&options=-c%20statement_timeout%3D5000',
    );
    const config = clientConfigOf(target, 'cronmesh-test');

    assert.equal(target.connectionString, 'postgres://postgres@127.0.0.1:5432/test');
    assert.equal(config.options, '-c statement_timeout=5000 -c search_path=jobs');
    assert.equal(config.application_name, 'cronmesh-test');
  });

  void it('other schemes are rejected', () => {
    const error = parseError('mysql://root:hunter2@127.0.0.1/test');

    assert.equal(error.code, 'InvalidStoreUrl');
    assert.equal(error.url, 'mysql://root:***@127.0.0.1/test');
    assert.equal(
      error.message,
      'invalid store URL "mysql://root:***@127.0.0.1/test": expected a postgres:// or postgresql:// URL',
    );
  });

  void it('invalid schema names are rejected', () => {
    const cases: [string, string][] = [
      ['Team', 'invalid schema "Team"'],
      ['team-a', 'invalid schema "team-a"'],
      ['pg_temp', 'invalid schema "pg_temp"'],
      ['', 'invalid schema ""'],
      ['a'.repeat(64), `invalid schema "${'a'.repeat(64)}"`],
    ];
    for (const [schema, start] of cases) {
      const error = parseError(`postgres://u:pw@h/db?schema=${schema}`);
      assert.equal(
        error.message,
        `invalid store URL "postgres://u:***@h/db?schema=${schema}": ${start}: expected a ` +
          'lowercase letter or underscore, then up to 62 lowercase letters, digits or ' +
          'underscores, not starting with pg_',
      );
    }
  });

  void it('application_name is rejected', () => {
    const error = parseError('postgres://h/db?application_name=mine');

    assert.equal(
      error.message,
      'invalid store URL "postgres://h/db?application_name=mine": remove the application_name ' +
        'parameter: cronmesh names its connections itself',
    );
  });

  void it('unparsable URL hides its password', () => {
    const error = parseError('postgres://admin:p@ss word@[bad/db');

    assert.equal(error.url, 'postgres://admin:***@[bad/db');
  });

  void it('redactPassword keeps URLs without password', () => {
    assert.equal(redactPassword('postgres://u@h:1/d'), 'postgres://u@h:1/d');
    assert.equal(redactPassword('postgres://u:%40x@h/d'), 'postgres://u:***@h/d');
  });

  void it('long schema names get a hashed channel', () => {
    const long = 'a'.repeat(63);

    assert.equal(changeChannelOf('team_a'), 'cronmesh_changes_team_a');
    assert.equal(changeChannelOf(long).length, 63);
    assert.match(changeChannelOf(long), /^cronmesh_changes_[0-9a-f]{46}$/);
  });
});
