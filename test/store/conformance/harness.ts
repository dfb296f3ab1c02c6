import type { Store } from '../../../src/store/store.js';

export interface TestStore {
  store: Store;
  cleanup(): Promise<void>;
}

export type OpenTestStore = () => Promise<TestStore>;

/** Runs `body` against a fresh store and cleans up afterwards, also when `body` fails. */
export async function withStore(
  open: OpenTestStore,
  body: (store: Store) => Promise<void>,
): Promise<void> {
  const opened = await open();
  try {
    await body(opened.store);
  } finally {
    await opened.cleanup();
  }
}
