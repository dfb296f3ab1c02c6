import assert from 'node:assert/strict';
import { it } from 'node:test';
import { AlreadyExistsError } from '../../../src/store/errors.js';
import type { TokenRecord } from '../../../src/store/tokens.js';
import { createdAt, rejectionOf } from '../fixtures.js';
import type { OpenTestStore } from './harness.js';
import { withStore } from './harness.js';

const HOUR = 3_600_000;

function token(id: string, fields: Partial<TokenRecord> = {}): TokenRecord {
  return { id, secretHash: 'ab'.repeat(32), role: 'viewer', createdAt, ...fields };
}

/** API bearer tokens. */
export function defineTokenTests(open: OpenTestStore): void {
  void it('token round-trips every field', () =>
    withStore(open, async (store) => {
      const full: TokenRecord = {
        id: '0123456789ab',
        secretHash: 'cd'.repeat(32),
        namespace: 'team-a',
        serviceAccount: 'deployer',
        boundPod: { name: 'export-29012345-x7k2p', uid: '6f1d2c3a-0000-4000-8000-000000000001' },
        createdAt,
        expiresAt: createdAt + HOUR,
      };
      const cluster = token('ba9876543210', { role: 'admin' });

      await store.createToken(full);
      await store.createToken(cluster);

      assert.deepEqual(await store.findToken('0123456789ab'), full);
      assert.deepEqual(await store.findToken('ba9876543210'), cluster);
    }));

  void it('missing token is undefined', () =>
    withStore(open, async (store) => {
      assert.equal(await store.findToken('000000000000'), undefined);
    }));

  void it('duplicate token id is rejected', () =>
    withStore(open, async (store) => {
      await store.createToken(token('aaaaaaaaaaaa', { namespace: 'team-a' }));

      const error = await rejectionOf(store.createToken(token('aaaaaaaaaaaa')));

      assert.ok(error instanceof AlreadyExistsError);
      assert.equal(error.code, 'AlreadyExists');
      assert.equal(error.message, 'Token "aaaaaaaaaaaa" already exists');
      assert.deepEqual(await store.findToken('aaaaaaaaaaaa'), {
        ...token('aaaaaaaaaaaa'),
        namespace: 'team-a',
      });
    }));

  void it('tokens list oldest first and filter', () =>
    withStore(open, async (store) => {
      await store.createToken(token('000000000003', { namespace: 'team-a', createdAt: 30 }));
      await store.createToken(
        token('000000000001', { namespace: 'team-a', serviceAccount: 'ci', createdAt: 10 }),
      );
      await store.createToken(token('000000000002', { createdAt: 20 }));
      await store.createToken(
        token('000000000004', { namespace: 'team-b', serviceAccount: 'ci', createdAt: 10 }),
      );

      const ids = (tokens: TokenRecord[]) => tokens.map((listed) => listed.id);
      assert.deepEqual(ids(await store.listTokens()), [
        '000000000001',
        '000000000004',
        '000000000002',
        '000000000003',
      ]);
      assert.deepEqual(ids(await store.listTokens({ namespace: 'team-a' })), [
        '000000000001',
        '000000000003',
      ]);
      assert.deepEqual(ids(await store.listTokens({ serviceAccount: 'ci' })), [
        '000000000001',
        '000000000004',
      ]);
      assert.deepEqual(ids(await store.listTokens({ namespace: 'team-b', serviceAccount: 'ci' })), [
        '000000000004',
      ]);
      assert.deepEqual(ids(await store.listTokens({ namespace: 'team-c' })), []);
    }));

  void it('deleted token is gone', () =>
    withStore(open, async (store) => {
      await store.createToken(token('aaaaaaaaaaaa'));

      assert.equal(await store.deleteToken('aaaaaaaaaaaa'), true);
      assert.equal(await store.deleteToken('aaaaaaaaaaaa'), false);
      assert.equal(await store.findToken('aaaaaaaaaaaa'), undefined);
    }));

  void it('expired tokens are deleted', () =>
    withStore(open, async (store) => {
      await store.createToken(token('000000000001', { expiresAt: createdAt + HOUR }));
      await store.createToken(token('000000000002', { expiresAt: createdAt + 2 * HOUR }));
      await store.createToken(token('000000000003'));

      assert.equal(await store.deleteExpiredTokens(createdAt + HOUR - 1), 0);
      assert.equal(await store.deleteExpiredTokens(createdAt + HOUR), 1);

      const remaining = (await store.listTokens()).map((listed) => listed.id);
      assert.deepEqual(remaining, ['000000000002', '000000000003']);
    }));
}
