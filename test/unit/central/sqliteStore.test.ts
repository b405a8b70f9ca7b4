import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../../src/central/sqliteStore.js';
import { centralStoreContract } from './storeContract.js';

centralStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'central-store-'));
  const path = join(dir, 'central.db');
  const store = new SqliteStore(path);
  await store.open();
  return {
    store,
    second: () => new SqliteStore(path),
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
