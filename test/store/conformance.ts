import { describe } from 'node:test';
import { defineLeaseTests } from './conformance/leases.js';
import { defineLogTests } from './conformance/logs.js';
import { defineObjectTests } from './conformance/objects.js';
import { defineQueryTests } from './conformance/queries.js';
import { defineTokenTests } from './conformance/tokens.js';
import type { OpenTestStore } from './conformance/harness.js';
import { defineWatchTests } from './conformance/watch.js';

export type { OpenTestStore, TestStore } from './conformance/harness.js';

/**
 * Registers the Store conformance suite under `name`. `open` must return a fresh, empty store
 * for every test, and `cleanup` must close it and remove its data.
 */
export function defineStoreConformance(name: string, open: OpenTestStore): void {
  void describe(name, () => {
    defineObjectTests(open);
    defineQueryTests(open);
    defineWatchTests(open);
    defineLogTests(open);
    defineLeaseTests(open);
    defineTokenTests(open);
  });
}
