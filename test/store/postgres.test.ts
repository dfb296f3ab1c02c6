import { openStore } from '../../src/store/open.js';
import { FakeClock } from '../../src/util/clock.js';
import { defineStoreConformance } from './conformance.js';
import { createdAt } from './fixtures.js';
import { dropSchema, freshSchemaName, storeUrlOf } from './postgres-schema.js';

defineStoreConformance('PostgresStore', async () => {
  const schema = freshSchemaName();
  const store = await openStore({ url: storeUrlOf(schema), clock: new FakeClock(createdAt) });
  return {
    store,
    async cleanup() {
      await store.close();
      await dropSchema(schema);
    },
  };
});
