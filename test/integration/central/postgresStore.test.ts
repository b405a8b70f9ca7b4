import { afterAll, beforeAll, describe } from 'vitest';
import { PostgresStore } from '../../../src/central/postgresStore.js';
import { postgresAvailable, startPostgres, type Postgres } from '../../helpers/postgres.js';
import { centralStoreContract } from '../../unit/central/storeContract.js';

// The store contract against a real PostgreSQL server (Debian's postgresql package; scripts/setup).

describe.skipIf(!postgresAvailable)('PostgreSQL', () => {
  let server: Postgres;
  let n = 0;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(() => server?.dispose());

  centralStoreContract('PostgreSQL', async () => {
    const url = server.createDatabase(`central_${++n}`);
    const store = new PostgresStore(url);
    await store.open();
    return { store, second: () => new PostgresStore(url), dispose: () => store.close() };
  });
});
