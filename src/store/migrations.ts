import type { Database } from './openDatabase.js';

// Schema history, applied in order by PRAGMA user_version. Never edit a shipped step: add one.
// Stats are kept by triggers so that the per-class totals the limits need stay exact across
// crashes and across writers in other processes (the `outbox replay` CLI).

const CLASSES = ['alert', 'health', 'count', 'snapshot'];

const V1 = `
CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  boot INTEGER NOT NULL,
  class TEXT NOT NULL,
  state INTEGER NOT NULL DEFAULT 0,
  created_ts INTEGER NOT NULL,
  event_ts INTEGER NOT NULL,
  alert_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  body TEXT NOT NULL,
  file TEXT,
  bytes INTEGER NOT NULL,
  sent_ts INTEGER,
  replay INTEGER NOT NULL DEFAULT 0,
  dropped INTEGER NOT NULL DEFAULT 0,
  dropped_to_ts INTEGER
);
CREATE INDEX outbox_state_seq ON outbox(state, seq);
CREATE INDEX outbox_class_seq ON outbox(class, seq);
CREATE INDEX outbox_alert_id ON outbox(alert_id);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE stats (
  class TEXT NOT NULL, state INTEGER NOT NULL,
  rows INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (class, state)
) WITHOUT ROWID;
CREATE TABLE evictions (
  class TEXT PRIMARY KEY, rows INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0,
  first_ts INTEGER, last_ts INTEGER
) WITHOUT ROWID;
CREATE TRIGGER outbox_ins AFTER INSERT ON outbox BEGIN
  UPDATE stats SET rows = rows + 1, bytes = bytes + NEW.bytes WHERE class = NEW.class AND state = NEW.state;
END;
CREATE TRIGGER outbox_del AFTER DELETE ON outbox BEGIN
  UPDATE stats SET rows = rows - 1, bytes = bytes - OLD.bytes WHERE class = OLD.class AND state = OLD.state;
END;
CREATE TRIGGER outbox_upd AFTER UPDATE OF state ON outbox WHEN OLD.state <> NEW.state BEGIN
  UPDATE stats SET rows = rows - 1, bytes = bytes - OLD.bytes WHERE class = OLD.class AND state = OLD.state;
  UPDATE stats SET rows = rows + 1, bytes = bytes + NEW.bytes WHERE class = NEW.class AND state = NEW.state;
END;
INSERT INTO meta (key, value) VALUES ('boot', 0);
${CLASSES.map((c) => `INSERT INTO evictions (class) VALUES ('${c}');`).join('\n')}
${CLASSES.flatMap((c) => [0, 1, 2].map((s) => `INSERT INTO stats (class, state) VALUES ('${c}', ${s});`)).join('\n')}
`;

// Rows sealed at commit (see RowSealer in outboxTypes.ts): the signed historical payload and who made it.
const V2 = `
ALTER TABLE outbox ADD COLUMN sealed BLOB;
ALTER TABLE outbox ADD COLUMN sealed_by TEXT;
`;

const STEPS: string[] = [V1, V2];

/** Latest schema version this build writes. */
export const SCHEMA_VERSION = STEPS.length;

/**
 * Brings the database to SCHEMA_VERSION in one transaction per step. `seqFloor` seeds the sequence
 * of a brand-new database so that it starts above any sequence a lost predecessor could have used.
 */
export function migrate(db: Database, seqFloor: number): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`outbox schema version ${current} is newer than this agent (${SCHEMA_VERSION}); upgrade the agent`);
  }
  for (let v = current; v < SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(STEPS[v]!);
      if (v === 0 && seqFloor > 0) {
        db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('outbox', ?)").run(seqFloor);
      }
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
}
