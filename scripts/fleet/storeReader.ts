import { existsSync } from 'node:fs';
import pg from 'pg';
import { openSqliteFile, type Database } from '../../src/store/openDatabase.js';

// Reads what the centre stored, straight from its store: which of the emitted alert ids are there,
// and when the centre received them (received_ts). PostgreSQL when the instances share one; with one
// SQLite file per instance, every file is read and an id found in two counts as stored twice.

export interface StoredRow {
  id: string;
  /** received_ts: when the centre received the copy it kept, epoch ms. */
  rx: number;
}

export interface StoreReader {
  /** The rows among `ids` that are stored. */
  lookup(ids: readonly string[]): Promise<StoredRow[]>;
  /** Every stored row (one per id), and how many ids more than one store holds. */
  all(): Promise<{ rows: StoredRow[]; storedTwice: number }>;
  close(): Promise<void>;
}

export type StoreTarget = { postgres: string } | { sqlite: string[] };

const CHUNK = 5000;

export function openStoreReader(target: StoreTarget): StoreReader {
  return 'postgres' in target ? postgresReader(target.postgres) : sqliteReader(target.sqlite);
}

function postgresReader(url: string): StoreReader {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => undefined);
  const rows = (r: pg.QueryResult) => r.rows.map((x: { id: string; rx: string }) => ({ id: x.id, rx: Number(x.rx) }));
  return {
    async lookup(ids) {
      const out: StoredRow[] = [];
      for (let i = 0; i < ids.length; i += CHUNK) {
        out.push(...rows(await pool.query('SELECT id, received_ts AS rx FROM central_alerts WHERE id = ANY($1::text[])', [ids.slice(i, i + CHUNK)])));
      }
      return out;
    },
    async all() {
      return { rows: rows(await pool.query('SELECT id, received_ts AS rx FROM central_alerts')), storedTwice: 0 };
    },
    close: () => pool.end(),
  };
}

function sqliteReader(files: string[]): StoreReader {
  const dbs = new Map<string, Database>();
  // A file appears once its instance has opened it; until then it holds nothing.
  const each = (fn: (db: Database) => StoredRow[]): StoredRow[] => {
    const out: StoredRow[] = [];
    for (const f of files) {
      try {
        if (!dbs.has(f) && existsSync(f)) dbs.set(f, openSqliteFile(f));
        if (!dbs.has(f)) continue;
        out.push(...fn(dbs.get(f)!));
      } catch {
        /* not created yet, or busy: asked again on the next round */
      }
    }
    return out;
  };
  return {
    lookup(ids) {
      return Promise.resolve(
        each((db) => {
          const out: StoredRow[] = [];
          for (let i = 0; i < ids.length; i += 500) {
            const part = ids.slice(i, i + 500);
            out.push(...(db.prepare(`SELECT id, received_ts AS rx FROM central_alerts WHERE id IN (${part.map(() => '?').join(',')})`).all(...part) as StoredRow[]));
          }
          return out;
        }),
      );
    },
    all() {
      const every = each((db) => db.prepare('SELECT id, received_ts AS rx FROM central_alerts').all() as StoredRow[]);
      const first = new Map<string, StoredRow>();
      let storedTwice = 0;
      for (const r of every) {
        const seen = first.get(r.id);
        if (seen) storedTwice++;
        if (!seen || r.rx < seen.rx) first.set(r.id, r);
      }
      return Promise.resolve({ rows: [...first.values()], storedTwice });
    },
    close() {
      for (const db of dbs.values()) db.close();
      return Promise.resolve();
    },
  };
}
