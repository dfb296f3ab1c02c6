import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Event, Job } from '../../src/api/types.js';
import { StoreEventRecorder } from '../../src/controller/events.js';
import { FakeClock } from '../../src/util/clock.js';
import { openTempStore } from '../support/temp-store.js';

describe('StoreEventRecorder', () => {
  // A Job controller creating many pods of one Job records one Event per pod in the same
  // millisecond, and every Event name starts with the object name and that millisecond.
  it('stores many Events of one instant', async () => {
    const clock = new FakeClock('2024-05-01T10:00:00Z');
    const temp = await openTempStore(clock);
    try {
      const recorder = new StoreEventRecorder(temp.store, clock, 'job-controller');
      const job: Job = {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'wide', namespace: 'default', uid: 'uid-wide' },
        spec: { template: { spec: { containers: [] } } },
      };
      const count = 2000;
      for (let i = 0; i < count; i++) {
        await recorder.record(job, 'Normal', 'SuccessfulCreate', `Created pod: wide-${i}`);
      }

      const events = await temp.store.list<Event>('Event', { namespace: 'default' });
      assert.equal(events.length, count);
    } finally {
      await temp.cleanup();
    }
  });
});
