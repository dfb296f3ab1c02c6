import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConfigMap, CronJob, Pod } from '../../../src/api/types.js';
import {
  AlreadyExistsError,
  ConflictError,
  InvalidObjectError,
  NotFoundError,
} from '../../../src/store/errors.js';
import { configMap, createdAt, cronJob, job, pod, rejectionOf } from '../fixtures.js';
import type { OpenTestStore } from './harness.js';
import { withStore } from './harness.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Create, get, find, update and delete of single objects, with their errors. */
export function defineObjectTests(open: OpenTestStore): void {
  void it('create assigns uid, version, timestamp', () =>
    withStore(open, async (store) => {
      const stored = await store.create(cronJob('hello'), Date.parse('2024-01-01T00:00:00.750Z'));

      assert.match(stored.metadata.uid ?? '', uuidPattern);
      assert.equal(stored.metadata.resourceVersion, '1');
      assert.equal(stored.metadata.creationTimestamp, '2024-01-01T00:00:00Z');
      assert.deepEqual(stored.spec, cronJob('hello').spec);
      assert.deepEqual(await store.get('CronJob', 'default', 'hello'), stored);
    }));

  void it('create keeps given uid and timestamp', () =>
    withStore(open, async (store) => {
      const input = cronJob('hello');
      input.metadata.uid = 'c0ffee00-0000-4000-8000-000000000001';
      input.metadata.creationTimestamp = '2023-06-01T12:00:00Z';

      const stored = await store.create(input, createdAt);

      assert.equal(stored.metadata.uid, 'c0ffee00-0000-4000-8000-000000000001');
      assert.equal(stored.metadata.creationTimestamp, '2023-06-01T12:00:00Z');
    }));

  void it('create gives each object its own uid', () =>
    withStore(open, async (store) => {
      const first = await store.create(cronJob('first'), createdAt);
      const second = await store.create(cronJob('second'), createdAt);

      assert.notEqual(first.metadata.uid, second.metadata.uid);
    }));

  void it('create rejects a set resourceVersion', () =>
    withStore(open, async (store) => {
      const input = cronJob('hello');
      input.metadata.resourceVersion = '7';

      const error = await rejectionOf(store.create(input, createdAt));

      assert.ok(error instanceof InvalidObjectError);
      assert.equal(error.code, 'Invalid');
      assert.equal(error.field, 'metadata.resourceVersion');
      assert.equal(error.value, '7');
      assert.equal(
        error.message,
        'CronJob.batch "hello" is invalid: metadata.resourceVersion: Invalid value: "7": ' +
          'must be empty when creating an object, because the store assigns it',
      );
      assert.equal(await store.find('CronJob', 'default', 'hello'), undefined);
    }));

  void it('create rejects a missing namespace', () =>
    withStore(open, async (store) => {
      const input = configMap('settings', {});
      delete input.metadata.namespace;

      const error = await rejectionOf(store.create(input, createdAt));

      assert.ok(error instanceof InvalidObjectError);
      assert.equal(error.field, 'metadata.namespace');
      assert.equal(
        error.message,
        'ConfigMap "settings" is invalid: metadata.namespace: Required value: ' +
          'the store needs an explicit namespace, such as "default"',
      );
    }));

  void it('create rejects an owner without uid', () =>
    withStore(open, async (store) => {
      const input = job('hello-29012345', {
        owners: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'hello', uid: '' }],
      });

      const error = await rejectionOf(store.create(input, createdAt));

      assert.ok(error instanceof InvalidObjectError);
      assert.equal(error.field, 'metadata.ownerReferences[0].uid');
      assert.equal(
        error.message,
        'Job.batch "hello-29012345" is invalid: metadata.ownerReferences[0].uid: ' +
          'Invalid value: "": an owner reference needs the uid of its owner',
      );
    }));

  void it('create rejects a duplicate name', () =>
    withStore(open, async (store) => {
      const first = await store.create(job('hello-29012345'), createdAt);
      const duplicate = job('hello-29012345');
      duplicate.spec.backoffLimit = 2;

      const error = await rejectionOf(store.create(duplicate, createdAt + 1000));

      assert.ok(error instanceof AlreadyExistsError);
      assert.equal(error.code, 'AlreadyExists');
      assert.equal(error.kind, 'Job');
      assert.equal(error.namespace, 'default');
      assert.equal(error.name, 'hello-29012345');
      assert.equal(error.field, 'metadata.name');
      assert.equal(error.message, 'jobs.batch "hello-29012345" already exists');
      assert.deepEqual(await store.get('Job', 'default', 'hello-29012345'), first);
    }));

  void it('create rejects a duplicate uid', () =>
    withStore(open, async (store) => {
      const first = await store.create(configMap('first', {}), createdAt);
      const second = configMap('second', {});
      second.metadata.uid = first.metadata.uid ?? '';

      const error = await rejectionOf(store.create(second, createdAt));

      assert.ok(error instanceof AlreadyExistsError);
      assert.equal(error.field, 'metadata.uid');
      assert.equal(error.value, first.metadata.uid);
      assert.equal(
        error.message,
        `configmaps "second" already exists: uid "${first.metadata.uid ?? ''}" belongs to ` +
          'another stored object',
      );
      assert.equal(await store.find('ConfigMap', 'default', 'second'), undefined);
    }));

  void it('create allows a name in other scopes', () =>
    withStore(open, async (store) => {
      await store.create(cronJob('hello'), createdAt);
      await store.create(cronJob('hello', { namespace: 'team-a' }), createdAt);
      await store.create(job('hello'), createdAt);

      const cronJobs = await store.list<CronJob>('CronJob');
      const jobs = await store.list('Job');

      assert.equal(cronJobs.length, 2);
      assert.equal(jobs.length, 1);
    }));

  void it('get missing object throws NotFound', () =>
    withStore(open, async (store) => {
      const error = await rejectionOf(store.get('CronJob', 'default', 'missing'));

      assert.ok(error instanceof NotFoundError);
      assert.equal(error.code, 'NotFound');
      assert.equal(error.kind, 'CronJob');
      assert.equal(error.namespace, 'default');
      assert.equal(error.name, 'missing');
      assert.equal(error.message, 'cronjobs.batch "missing" not found');
      assert.equal(String(error), 'NotFoundError: cronjobs.batch "missing" not found');
    }));

  void it('get names core kinds without group', () =>
    withStore(open, async (store) => {
      const error = await rejectionOf(store.get<Pod>('Pod', 'default', 'hello-abcde'));

      assert.ok(error instanceof NotFoundError);
      assert.equal(error.message, 'pods "hello-abcde" not found');
    }));

  void it('find missing object returns undefined', () =>
    withStore(open, async (store) => {
      await store.create(cronJob('hello'), createdAt);

      assert.equal(await store.find('CronJob', 'other', 'hello'), undefined);
      assert.equal(await store.find('Job', 'default', 'hello'), undefined);
    }));

  void it('returned objects are copies', () =>
    withStore(open, async (store) => {
      const input = configMap('settings', { mode: 'fast' });
      const created = await store.create(input, createdAt);
      input.data = { mode: 'changed-input' };
      created.data = { mode: 'changed-result' };
      const fetched = await store.get<ConfigMap>('ConfigMap', 'default', 'settings');
      fetched.data = { mode: 'changed-get' };
      const listed = await store.list<ConfigMap>('ConfigMap');
      const first = listed[0];
      if (first) first.data = { mode: 'changed-list' };

      const again = await store.get<ConfigMap>('ConfigMap', 'default', 'settings');

      assert.deepEqual(again.data, { mode: 'fast' });
      assert.equal(input.metadata.uid, undefined);
    }));

  void it('update bumps version, keeps identity', () =>
    withStore(open, async (store) => {
      const created = await store.create(cronJob('hello'), createdAt);
      const changed = structuredClone(created);
      changed.spec.suspend = true;
      changed.metadata.creationTimestamp = '2030-01-01T00:00:00Z';

      const updated = await store.update(changed);

      assert.equal(updated.metadata.resourceVersion, '2');
      assert.equal(updated.metadata.uid, created.metadata.uid);
      assert.equal(updated.metadata.creationTimestamp, '2024-01-01T00:00:00Z');
      assert.equal(updated.spec.suspend, true);
      assert.deepEqual(await store.get('CronJob', 'default', 'hello'), updated);
    }));

  void it('update without version is unconditional', () =>
    withStore(open, async (store) => {
      await store.create(configMap('settings', { mode: 'fast' }), createdAt);
      const replacement = configMap('settings', { mode: 'slow' });

      const updated = await store.update(replacement);

      assert.deepEqual(updated.data, { mode: 'slow' });
      assert.equal(updated.metadata.resourceVersion, '2');
    }));

  void it('update with stale version conflicts', () =>
    withStore(open, async (store) => {
      const created = await store.create(cronJob('hello'), createdAt);
      const first = structuredClone(created);
      first.spec.schedule = '0 * * * *';
      const stored = await store.update(first);
      const stale = structuredClone(created);
      stale.spec.schedule = '0 0 * * *';

      const error = await rejectionOf(store.update(stale));

      assert.ok(error instanceof ConflictError);
      assert.equal(error.code, 'Conflict');
      assert.equal(error.field, 'metadata.resourceVersion');
      assert.equal(error.value, '1');
      assert.equal(error.current, '2');
      assert.equal(
        error.message,
        'Operation cannot be fulfilled on cronjobs.batch "hello": the object has been modified; ' +
          'please apply your changes to the latest version and try again',
      );
      assert.deepEqual(await store.get('CronJob', 'default', 'hello'), stored);
    }));

  void it('update with other uid conflicts', () =>
    withStore(open, async (store) => {
      const created = await store.create(cronJob('hello'), createdAt);
      const other = structuredClone(created);
      other.metadata.uid = 'c0ffee00-0000-4000-8000-000000000002';
      delete other.metadata.resourceVersion;

      const error = await rejectionOf(store.update(other));

      assert.ok(error instanceof ConflictError);
      assert.equal(error.field, 'metadata.uid');
      assert.equal(error.current, created.metadata.uid);
      assert.equal(
        error.message,
        'Operation cannot be fulfilled on cronjobs.batch "hello": Precondition failed: ' +
          `UID in precondition: c0ffee00-0000-4000-8000-000000000002, UID in object meta: ${created.metadata.uid ?? ''}`,
      );
    }));

  void it('update of missing object throws NotFound', () =>
    withStore(open, async (store) => {
      const error = await rejectionOf(store.update(cronJob('missing')));

      assert.ok(error instanceof NotFoundError);
      assert.equal(error.message, 'cronjobs.batch "missing" not found');
      assert.equal(await store.find('CronJob', 'default', 'missing'), undefined);
    }));

  void it('update without changes keeps version', () =>
    withStore(open, async (store) => {
      const created = await store.create(configMap('settings', { a: '1', b: '2' }), createdAt);
      const same = structuredClone(created);
      // The same content with keys in another order is no change.
      same.data = { b: '2', a: '1' };

      const updated = await store.update(same);
      const next = await store.create(configMap('next', {}), createdAt);

      assert.equal(updated.metadata.resourceVersion, '1');
      assert.deepEqual(updated, created);
      assert.equal(next.metadata.resourceVersion, '2');
    }));

  void it('delete returns object and removes it', () =>
    withStore(open, async (store) => {
      const created = await store.create(cronJob('hello'), createdAt);

      const deleted = await store.delete<CronJob>('CronJob', 'default', 'hello');

      assert.equal(deleted.metadata.uid, created.metadata.uid);
      assert.deepEqual(deleted.spec, created.spec);
      assert.equal(deleted.metadata.resourceVersion, '2');
      assert.equal(await store.find('CronJob', 'default', 'hello'), undefined);
    }));

  void it('delete of missing object throws NotFound', () =>
    withStore(open, async (store) => {
      const error = await rejectionOf(store.delete('Job', 'default', 'hello-29012345'));

      assert.ok(error instanceof NotFoundError);
      assert.equal(error.message, 'jobs.batch "hello-29012345" not found');
    }));

  void it('delete with other uid conflicts', () =>
    withStore(open, async (store) => {
      const created = await store.create(job('hello-29012345'), createdAt);
      const uid = 'c0ffee00-0000-4000-8000-000000000003';

      const error = await rejectionOf(store.delete('Job', 'default', 'hello-29012345', { uid }));

      assert.ok(error instanceof ConflictError);
      assert.equal(error.field, 'metadata.uid');
      assert.equal(error.value, uid);
      assert.equal(error.current, created.metadata.uid);
      assert.equal(
        error.message,
        'Operation cannot be fulfilled on jobs.batch "hello-29012345": Precondition failed: ' +
          `UID in precondition: ${uid}, UID in object meta: ${created.metadata.uid ?? ''}`,
      );
      assert.deepEqual(await store.get('Job', 'default', 'hello-29012345'), created);
    }));

  void it('delete with matching uid succeeds', () =>
    withStore(open, async (store) => {
      const created = await store.create(job('hello-29012345'), createdAt);
      const uid = created.metadata.uid ?? '';

      const deleted = await store.delete('Job', 'default', 'hello-29012345', { uid });

      assert.equal(deleted.metadata.uid, uid);
      assert.equal(await store.find('Job', 'default', 'hello-29012345'), undefined);
    }));

  void it('delete with stale version conflicts', () =>
    withStore(open, async (store) => {
      const created = await store.create(job('hello-29012345'), createdAt);
      const changed = structuredClone(created);
      changed.spec.backoffLimit = 1;
      const stored = await store.update(changed);

      const error = await rejectionOf(
        store.delete('Job', 'default', 'hello-29012345', { resourceVersion: '1' }),
      );

      assert.ok(error instanceof ConflictError);
      assert.equal(error.field, 'metadata.resourceVersion');
      assert.equal(
        error.message,
        'Operation cannot be fulfilled on jobs.batch "hello-29012345": Precondition failed: ' +
          'ResourceVersion in precondition: 1, ResourceVersion in object meta: 2',
      );
      assert.deepEqual(await store.get('Job', 'default', 'hello-29012345'), stored);
    }));

  void it('resourceVersion increases across kinds', () =>
    withStore(open, async (store) => {
      const versions: string[] = [];
      const record = (object: { metadata: { resourceVersion?: string } }) =>
        versions.push(object.metadata.resourceVersion ?? '');
      const hello = await store.create(cronJob('hello'), createdAt);
      record(hello);
      record(await store.create(job('hello-1'), createdAt));
      record(await store.create(pod('hello-1-abcde'), createdAt));
      record(await store.create(configMap('settings', {}), createdAt));
      await rejectionOf(store.create(job('hello-1'), createdAt));
      record(await store.update({ ...hello, spec: { ...hello.spec, suspend: true } }));
      record(await store.delete('Pod', 'default', 'hello-1-abcde'));
      record(await store.create(job('hello-2'), createdAt));

      const numbers = versions.map(Number);
      const ascending = [...numbers].sort((a, b) => a - b);

      assert.deepEqual(numbers, ascending);
      assert.equal(new Set(numbers).size, numbers.length);
      assert.equal(
        versions.every((version) => /^[1-9][0-9]*$/.test(version)),
        true,
      );
    }));
}
