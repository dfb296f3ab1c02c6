import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ConfigMap } from '../../../src/api/types.js';
import type { WatchEvent } from '../../../src/store/store.js';
import { configMap, createdAt, cronJob, job, rejectionOf } from '../fixtures.js';
import type { OpenTestStore } from './harness.js';
import { withStore } from './harness.js';

/** Returns `TYPE namespace/name@resourceVersion` for compact comparisons of event sequences. */
function summarize(event: WatchEvent): string {
  const { namespace, name, resourceVersion } = event.object.metadata;
  return `${event.type} ${event.object.kind} ${namespace ?? ''}/${name}@${resourceVersion ?? ''}`;
}

/** Waits for the next process warning with `code`, failing after `timeoutMs`. */
function nextWarning(code: string, timeoutMs: number): Promise<Error> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.off('warning', onWarning);
      reject(new Error(`no process warning with code ${code} within ${timeoutMs} ms`));
    }, timeoutMs);
    function onWarning(warning: Error & { code?: string }): void {
      if (warning.code !== code) return;
      clearTimeout(timer);
      process.off('warning', onWarning);
      resolve(warning);
    }
    process.on('warning', onWarning);
  });
}

/** In-process watch events after each successful write. */
export function defineWatchTests(open: OpenTestStore): void {
  void it('watch reports added, modified, deleted', () =>
    withStore(open, async (store) => {
      const cronJobEvents: WatchEvent[] = [];
      const allEvents: WatchEvent[] = [];
      store.watch('CronJob', (event) => cronJobEvents.push(event));
      store.watch(undefined, (event) => allEvents.push(event));

      const created = await store.create(cronJob('hello'), createdAt);
      await store.create(configMap('settings', {}), createdAt);
      const updated = await store.update({ ...created, spec: { ...created.spec, suspend: true } });
      const deleted = await store.delete('CronJob', 'default', 'hello');

      assert.deepEqual(cronJobEvents.map(summarize), [
        'ADDED CronJob default/hello@1',
        'MODIFIED CronJob default/hello@3',
        'DELETED CronJob default/hello@4',
      ]);
      assert.deepEqual(allEvents.map(summarize), [
        'ADDED CronJob default/hello@1',
        'ADDED ConfigMap default/settings@2',
        'MODIFIED CronJob default/hello@3',
        'DELETED CronJob default/hello@4',
      ]);
      assert.deepEqual(
        cronJobEvents.map((event) => event.object),
        [created, updated, deleted],
      );
    }));

  void it('watch stops after unsubscribe', () =>
    withStore(open, async (store) => {
      const events: WatchEvent[] = [];
      const unsubscribe = store.watch('Job', (event) => events.push(event));

      await store.create(job('first'), createdAt);
      unsubscribe();
      await store.create(job('second'), createdAt);

      assert.deepEqual(events.map(summarize), ['ADDED Job default/first@1']);
    }));

  void it('watch sends nothing on failed writes', () =>
    withStore(open, async (store) => {
      const created = await store.create(cronJob('hello'), createdAt);
      await store.update({ ...created, spec: { ...created.spec, suspend: true } });
      const events: WatchEvent[] = [];
      store.watch(undefined, (event) => events.push(event));

      await rejectionOf(store.create(cronJob('hello'), createdAt));
      await rejectionOf(store.update(created));
      await rejectionOf(store.update(cronJob('missing')));
      await rejectionOf(store.delete('CronJob', 'default', 'hello', { uid: 'other' }));
      await rejectionOf(store.delete('CronJob', 'default', 'missing'));
      await store.update(await store.get('CronJob', 'default', 'hello'));

      assert.deepEqual(events, []);
    }));

  void it('watch events are private copies', () =>
    withStore(open, async (store) => {
      const seen: string[] = [];
      store.watch('ConfigMap', (event) => {
        const object = event.object as ConfigMap;
        seen.push(object.data?.['mode'] ?? '');
        object.data = { mode: 'changed-by-listener' };
      });
      store.watch('ConfigMap', (event) => {
        const object = event.object as ConfigMap;
        seen.push(object.data?.['mode'] ?? '');
      });

      const created = await store.create(configMap('settings', { mode: 'fast' }), createdAt);
      const stored = await store.get<ConfigMap>('ConfigMap', 'default', 'settings');

      assert.deepEqual(seen, ['fast', 'fast']);
      assert.deepEqual(created.data, { mode: 'fast' });
      assert.deepEqual(stored.data, { mode: 'fast' });
    }));

  void it('watch survives a throwing listener', () =>
    withStore(open, async (store) => {
      const warning = nextWarning('CRONMESH_WATCH_LISTENER_FAILED', 5000);
      const events: WatchEvent[] = [];
      store.watch('Job', () => {
        throw new Error('listener bug');
      });
      store.watch('Job', (event) => events.push(event));

      const created = await store.create(job('hello-1'), createdAt);

      assert.equal(created.metadata.name, 'hello-1');
      assert.deepEqual(events.map(summarize), ['ADDED Job default/hello-1@1']);
      assert.equal(
        (await warning).message,
        'store watch listener failed on event type ADDED, kind Job: Error: listener bug',
      );
    }));
}
