import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ActivationGate } from '../../../src/controller/activation-gate.js';
import { JobController } from '../../../src/controller/job/controller.js';
import { silentLogger } from '../../../src/util/logger.js';
import { createJob, newJob, podsOf, withHarness } from './harness.js';

/** Resolves after every promise callback and immediate queued so far has run. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('JobController behind an activation gate', () => {
  it('creates pods once activations end', async () => {
    await withHarness(async (harness) => {
      const gate = new ActivationGate(harness.clock, 5000);
      const controller = new JobController({
        store: harness.store,
        clock: harness.clock,
        recorder: harness.recorder,
        logger: silentLogger,
        yieldTo: gate,
      });
      await controller.start();
      await controller.queue.idle();
      gate.begin('default/nightly');

      const job = await createJob(harness, newJob('nightly-1'));
      await settle();
      const whileDeferred = (await podsOf(harness, job)).length;
      gate.end('default/nightly');
      await controller.queue.idle();
      const afterwards = (await podsOf(harness, job)).length;
      await controller.stop();

      assert.equal(whileDeferred, 0);
      assert.equal(afterwards, 1);
    });
  });
});
