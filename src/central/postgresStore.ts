import pg from 'pg';
import { redactUri } from '../errors.js';
import { StoreError } from '../store/storeErrors.js';
import type { AlertQuery, AlertRow, CentralStore, GatewayRow, Received, SeqGap } from './centralStore.js';
import { alertParams, gatewayParams, seqParams, toAlertRow, toGap, toGatewayRow, toIsland } from './centralRows.js';
import { DELETE_RANGE, GAPS, INSERT_ALERT, INSERT_SEQS, ISLANDS, numbered, SCHEMA, SELECT_GATEWAYS, selectAlerts, upsertGateway } from './centralSql.js';

// The one module that imports pg. Same schema and conflict clauses as SQLite, so any number of
// centre instances may write to one database and keep one row per alert.

const POOL_SIZE = 4;

export class PostgresStore implements CentralStore {
  private pool: pg.Pool | undefined;

  /** `url`: postgres://user:password@host:port/db; the password never reaches a log or an error. */
  constructor(private readonly url: string) {}

  async open(): Promise<void> {
    const pool = new pg.Pool({ connectionString: this.url, max: POOL_SIZE });
    // An idle client that loses its server emits here; without a listener it would end the process.
    pool.on('error', () => undefined);
    try {
      await pool.query('SELECT pg_advisory_lock(727001)');
      for (const s of SCHEMA) await pool.query(s);
      await pool.query('SELECT pg_advisory_unlock(727001)');
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw new StoreError(`cannot open the PostgreSQL store ${redactUri(this.url)}: ${(err as Error).message}; check store.postgres and that the server runs`, { cause: err }, 'store');
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  commit(batch: readonly Received[]): Promise<number> {
    // Every instance takes its row locks in one order: alerts by id, then sequence ranges, then
    // gateways. Two instances committing copies of the same messages in another order (a backlog
    // arriving at both after an outage) would otherwise deadlock, and PostgreSQL would fail one commit.
    const alerts = batch.flatMap((m) => (m.alert ? [m.alert] : [])).sort((a, b) => compare(a.id, b.id));
    const seqs = [...batch].sort((a, b) => compare(a.gateway, b.gateway) || a.boot - b.boot || a.seqFrom - b.seqFrom);
    const gateways = gatewayParams(batch).sort((a, b) => compare(String(a[0]), String(b[0])));
    return this.transaction(async (client) => {
      let added = 0;
      for (const a of alerts) added += (await client.query(numbered(INSERT_ALERT), alertParams(a))).rowCount ?? 0;
      for (const m of seqs) await client.query(numbered(INSERT_SEQS), seqParams(m));
      for (const p of gateways) await client.query(numbered(upsertGateway('GREATEST')), p);
      return added;
    });
  }

  compact(): Promise<number> {
    return this.transaction(async (client) => {
      let removed = 0;
      for (const i of (await client.query(ISLANDS)).rows as Record<string, unknown>[]) {
        const r = toIsland(i);
        removed += ((await client.query(numbered(DELETE_RANGE), [r.gateway, r.boot, r.from, r.to])).rowCount ?? 0) - 1;
        await client.query(numbered(INSERT_SEQS), [r.gateway, r.boot, r.from, r.to]);
      }
      return removed;
    });
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.need().connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async alerts(q: AlertQuery): Promise<AlertRow[]> {
    const params = [q.commune, q.gateway].filter((v) => v !== undefined) as unknown[];
    const r = await this.need().query(numbered(selectAlerts(q)), [...params, q.limit]);
    return r.rows.map(toAlertRow);
  }

  async gaps(): Promise<SeqGap[]> {
    return (await this.need().query(GAPS)).rows.map(toGap);
  }

  async gateways(): Promise<GatewayRow[]> {
    return (await this.need().query(SELECT_GATEWAYS)).rows.map(toGatewayRow);
  }

  private need(): pg.Pool {
    if (!this.pool) throw new Error('central store used before open()');
    return this.pool;
  }
}

/** Code-point order, the same in every instance whatever its locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
