import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LabelRequirement } from '../../../src/api/selector.js';
import type { Job } from '../../../src/api/types.js';
import { configMap, createdAt, cronJob, job, keysOf, ownerReference, pod } from '../fixtures.js';
import type { OpenTestStore } from './harness.js';
import { withStore } from './harness.js';

interface SelectorCase {
  selector: LabelRequirement[];
  expected: string[];
}

/** Listing by namespace, label selector and owner uid. */
export function defineQueryTests(open: OpenTestStore): void {
  void it('list orders by namespace, then name', () =>
    withStore(open, async (store) => {
      await store.create(cronJob('b', { namespace: 'team-b' }), createdAt);
      await store.create(cronJob('c', { namespace: 'team-a' }), createdAt);
      await store.create(cronJob('a', { namespace: 'team-b' }), createdAt);
      await store.create(cronJob('a', { namespace: 'team-a' }), createdAt);
      await store.create(configMap('a', {}, { namespace: 'team-a' }), createdAt);

      const all = await store.list('CronJob');
      const teamA = await store.list('CronJob', { namespace: 'team-a' });
      const none = await store.list('CronJob', { namespace: 'team-c' });

      assert.deepEqual(keysOf(all), ['team-a/a', 'team-a/c', 'team-b/a', 'team-b/b']);
      assert.deepEqual(keysOf(teamA), ['team-a/a', 'team-a/c']);
      assert.deepEqual(none, []);
    }));

  void it('list filters by label selector', () =>
    withStore(open, async (store) => {
      await store.create(job('api-prod', { labels: { app: 'api', env: 'prod' } }), createdAt);
      await store.create(job('api-dev', { labels: { app: 'api', env: 'dev' } }), createdAt);
      await store.create(job('web-prod', { labels: { app: 'web', env: 'prod' } }), createdAt);
      await store.create(job('unlabelled'), createdAt);

      const cases: SelectorCase[] = [
        { selector: [], expected: ['api-dev', 'api-prod', 'unlabelled', 'web-prod'] },
        {
          selector: [{ key: 'app', operator: 'In', values: ['api'] }],
          expected: ['api-dev', 'api-prod'],
        },
        {
          selector: [{ key: 'env', operator: 'NotIn', values: ['prod'] }],
          expected: ['api-dev', 'unlabelled'],
        },
        {
          selector: [{ key: 'env', operator: 'Exists', values: [] }],
          expected: ['api-dev', 'api-prod', 'web-prod'],
        },
        {
          selector: [{ key: 'app', operator: 'DoesNotExist', values: [] }],
          expected: ['unlabelled'],
        },
        {
          selector: [
            { key: 'app', operator: 'In', values: ['api', 'web'] },
            { key: 'env', operator: 'In', values: ['prod'] },
          ],
          expected: ['api-prod', 'web-prod'],
        },
        { selector: [{ key: 'app', operator: 'In', values: ['db'] }], expected: [] },
      ];
      for (const { selector, expected } of cases) {
        const listed = await store.list('Job', { labelSelector: selector });
        const names = listed.map((object) => object.metadata.name);
        assert.deepEqual(names, expected, `selector ${JSON.stringify(selector)}`);
      }
    }));

  void it('list filters by owner uid', () =>
    withStore(open, async (store) => {
      const hello = await store.create(cronJob('hello'), createdAt);
      const report = await store.create(cronJob('report', { namespace: 'team-a' }), createdAt);
      const helloOwner = { owners: [ownerReference(hello)] };
      await store.create(job('hello-2', helloOwner), createdAt);
      await store.create(job('hello-1', helloOwner), createdAt);
      await store.create(
        job('report-1', { namespace: 'team-a', owners: [ownerReference(report)] }),
        createdAt,
      );
      // An owner lookup without a namespace also lists objects in other namespaces.
      await store.create(job('stray-1', { namespace: 'team-a', ...helloOwner }), createdAt);
      await store.create(job('orphan'), createdAt);
      const helloUid = hello.metadata.uid ?? '';

      const owned = await store.list('Job', { ownerUid: helloUid });
      const ownedInDefault = await store.list('Job', { ownerUid: helloUid, namespace: 'default' });
      const ownedPods = await store.list('Pod', { ownerUid: helloUid });
      const unknownOwner = await store.list('Job', { ownerUid: 'no-such-uid' });

      assert.deepEqual(keysOf(owned), ['default/hello-1', 'default/hello-2', 'team-a/stray-1']);
      assert.deepEqual(keysOf(ownedInDefault), ['default/hello-1', 'default/hello-2']);
      assert.deepEqual(ownedPods, []);
      assert.deepEqual(unknownOwner, []);
    }));

  void it('list combines owner and selector', () =>
    withStore(open, async (store) => {
      const parent = await store.create(job('hello-1'), createdAt);
      const owners = [ownerReference(parent)];
      await store.create(pod('hello-1-a', { owners, labels: { attempt: '1' } }), createdAt);
      await store.create(pod('hello-1-b', { owners, labels: { attempt: '2' } }), createdAt);
      await store.create(pod('other-a', { labels: { attempt: '2' } }), createdAt);

      const listed = await store.list('Pod', {
        ownerUid: parent.metadata.uid ?? '',
        labelSelector: [{ key: 'attempt', operator: 'In', values: ['2'] }],
      });

      assert.deepEqual(keysOf(listed), ['default/hello-1-b']);
    }));

  void it('update replaces owner references', () =>
    withStore(open, async (store) => {
      const first = await store.create(cronJob('first'), createdAt);
      const second = await store.create(cronJob('second'), createdAt);
      const adopted = await store.create<Job>(
        job('adopted', { owners: [ownerReference(first)] }),
        createdAt,
      );
      adopted.metadata.ownerReferences = [ownerReference(second)];

      await store.update(adopted);
      const ofFirst = await store.list('Job', { ownerUid: first.metadata.uid ?? '' });
      const ofSecond = await store.list('Job', { ownerUid: second.metadata.uid ?? '' });

      assert.deepEqual(ofFirst, []);
      assert.deepEqual(keysOf(ofSecond), ['default/adopted']);
    }));

  void it('delete removes owner entries', () =>
    withStore(open, async (store) => {
      const hello = await store.create(cronJob('hello'), createdAt);
      await store.create(job('hello-1', { owners: [ownerReference(hello)] }), createdAt);

      await store.delete('Job', 'default', 'hello-1');
      await store.create(job('hello-1'), createdAt);
      const owned = await store.list('Job', { ownerUid: hello.metadata.uid ?? '' });

      assert.deepEqual(owned, []);
    }));
}
