import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Central } from '../../../src/central/central.js';
import { PostgresStore } from '../../../src/central/postgresStore.js';
import type { Uplink } from '../../../src/publish/uplink.js';
import { startMosquitto, type Mosquitto } from '../../helpers/mosquitto.js';
import { postgresAvailable, startPostgres, type Postgres } from '../../helpers/postgres.js';
import { makeAlert, tempDir, waitFor } from '../uplink/support.js';
import { startCentral, startGateway, writeCentralConfig } from './support.js';

// Two centre instances writing to one PostgreSQL database, fed by a gateway through Mosquitto.

describe.skipIf(!postgresAvailable)('central with PostgreSQL', () => {
  let pg: Postgres;
  let broker: Mosquitto;
  let dir: string;
  const centrals: Central[] = [];
  let gateway: Uplink | undefined;
  beforeAll(async () => {
    pg = await startPostgres();
    broker = await startMosquitto();
    dir = tempDir('central-pg-');
  }, 120_000);
  afterAll(async () => {
    await gateway?.stop();
    for (const c of centrals) await c.stop();
    await broker?.dispose();
    pg?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two instances on one shared subscription keep each alert once, and ack it', async () => {
    const url = pg.createDatabase('central_e2e');
    for (const name of ['pg-a', 'pg-b']) {
      const file = writeCentralConfig(dir, broker.url, ['gw-p'], { broker: { urls: [broker.url], client_id: name }, store: { postgres: url } }, `${name}.yaml`);
      centrals.push(await startCentral(file));
    }
    gateway = await startGateway(dir, 'gw-p', broker.url, { e2eAck: { enabled: true, timeoutS: 5 } });
    const ids = Array.from({ length: 200 }, (_, i) => `gw-p-${i}`);
    ids.forEach((id) => gateway!.emit(makeAlert(id, { gatewayId: 'gw-p' })));
    await waitFor(() => gateway!.depth() === 0, 'every row acked');
    const reader = new PostgresStore(url);
    await reader.open();
    const rows = await reader.alerts({ limit: 1000 });
    const gaps = await reader.gaps();
    await reader.close();
    expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(gaps).toEqual([]);
    const stored = centrals.map((c) => c.figures()['stored'] as number);
    expect(stored.reduce((s, n) => s + n, 0)).toBe(200);
    expect(stored.every((n) => n > 0)).toBe(true);
  }, 120_000);
});
