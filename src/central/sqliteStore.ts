import { openSqliteFile, type Database } from '../store/openDatabase.js';
import type { AlertQuery, AlertRow, CentralStore, GatewayRow, Received, SeqGap } from './centralStore.js';
import { alertParams, gatewayParams, seqParams, toAlertRow, toGap, toGatewayRow, toIsland } from './centralRows.js';
import { DELETE_RANGE, GAPS, INSERT_ALERT, INSERT_SEQS, ISLANDS, SCHEMA, SELECT_GATEWAYS, selectAlerts, upsertGateway } from './centralSql.js';

/**
 * The centre's store in one SQLite file (WAL). Several centre processes on one machine may share the
 * file: each commit is one write transaction, and the conflict clauses keep one row per alert.
 */
export class SqliteStore implements CentralStore {
  private db: Database | undefined;

  constructor(private readonly path: string) {}

  open(): Promise<void> {
    const db = openSqliteFile(this.path);
    db.transaction(() => SCHEMA.forEach((s) => db.exec(s))).immediate();
    this.db = db;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    return Promise.resolve();
  }

  commit(batch: readonly Received[]): Promise<number> {
    const db = this.need();
    const alert = db.prepare(INSERT_ALERT);
    const seqs = db.prepare(INSERT_SEQS);
    const gw = db.prepare(upsertGateway('MAX'));
    const run = db.transaction(() => {
      let added = 0;
      for (const m of batch) {
        if (m.alert) added += alert.run(...alertParams(m.alert)).changes;
        seqs.run(...seqParams(m));
      }
      for (const p of gatewayParams(batch)) gw.run(...p);
      return added;
    });
    return Promise.resolve(run.immediate());
  }

  alerts(q: AlertQuery): Promise<AlertRow[]> {
    const params = [q.commune, q.gateway].filter((v) => v !== undefined) as unknown[];
    const rows = this.need().prepare(selectAlerts(q)).all(...params, q.limit) as Record<string, unknown>[];
    return Promise.resolve(rows.map(toAlertRow));
  }

  gaps(): Promise<SeqGap[]> {
    return Promise.resolve((this.need().prepare(GAPS).all() as Record<string, unknown>[]).map(toGap));
  }

  compact(): Promise<number> {
    const db = this.need();
    const del = db.prepare(DELETE_RANGE);
    const ins = db.prepare(INSERT_SEQS);
    const run = db.transaction(() => {
      let removed = 0;
      for (const i of db.prepare(ISLANDS).all() as Record<string, unknown>[]) {
        const r = toIsland(i);
        removed += del.run(r.gateway, r.boot, r.from, r.to).changes - 1;
        ins.run(r.gateway, r.boot, r.from, r.to);
      }
      return removed;
    });
    return Promise.resolve(run.immediate());
  }

  gateways(): Promise<GatewayRow[]> {
    return Promise.resolve((this.need().prepare(SELECT_GATEWAYS).all() as Record<string, unknown>[]).map(toGatewayRow));
  }

  private need(): Database {
    if (!this.db) throw new Error('central store used before open()');
    return this.db;
  }
}
