// The centre's schema and queries, shared by SQLite and PostgreSQL. Placeholders are written `?` and
// numbered for PostgreSQL by `numbered`. BIGINT in both: sequence numbers may pass 2^31.

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS central_alerts (
    id TEXT PRIMARY KEY, gateway TEXT NOT NULL, province TEXT NOT NULL, commune TEXT NOT NULL,
    camera TEXT, kind TEXT, seq BIGINT NOT NULL, boot BIGINT NOT NULL, ts BIGINT,
    received_ts BIGINT NOT NULL, topic TEXT NOT NULL, body TEXT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS central_alerts_commune ON central_alerts (commune, received_ts)',
  'CREATE INDEX IF NOT EXISTS central_alerts_received ON central_alerts (received_ts)',
  `CREATE TABLE IF NOT EXISTS central_seqs (
    gateway TEXT NOT NULL, boot BIGINT NOT NULL, seq_from BIGINT NOT NULL, seq_to BIGINT NOT NULL,
    PRIMARY KEY (gateway, boot, seq_from))`,
  `CREATE TABLE IF NOT EXISTS central_gateways (
    id TEXT PRIMARY KEY, base TEXT NOT NULL, province TEXT NOT NULL, commune TEXT NOT NULL,
    last_seen_ts BIGINT NOT NULL, lag_ms BIGINT, boot BIGINT NOT NULL, last_seq BIGINT NOT NULL)`,
];

export const ALERT_COLUMNS = 'id, gateway, province, commune, camera, kind, seq, boot, ts, received_ts, topic, body';

export const INSERT_ALERT = `INSERT INTO central_alerts (${ALERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`;

export const INSERT_SEQS = 'INSERT INTO central_seqs (gateway, boot, seq_from, seq_to) VALUES (?, ?, ?, ?) ON CONFLICT(gateway, boot, seq_from) DO NOTHING';

/** `greatest` is MAX in SQLite and GREATEST in PostgreSQL (two-argument forms). */
export function upsertGateway(greatest: string): string {
  return `INSERT INTO central_gateways (id, base, province, commune, last_seen_ts, lag_ms, boot, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT(id) DO UPDATE SET base = excluded.base, province = excluded.province, commune = excluded.commune,
      last_seen_ts = ${greatest}(central_gateways.last_seen_ts, excluded.last_seen_ts),
      lag_ms = COALESCE(excluded.lag_ms, central_gateways.lag_ms),
      boot = ${greatest}(central_gateways.boot, excluded.boot),
      last_seq = ${greatest}(central_gateways.last_seq, excluded.last_seq)`;
}

/** Holes between stored ranges, per gateway and boot (a running maximum copes with overlaps). */
export const GAPS = `SELECT gateway, boot, reach + 1 AS gap_from, next_from - 1 AS gap_to FROM (
    SELECT gateway, boot,
      MAX(seq_to) OVER (PARTITION BY gateway, boot ORDER BY seq_from ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS reach,
      LEAD(seq_from) OVER (PARTITION BY gateway, boot ORDER BY seq_from) AS next_from
    FROM central_seqs) AS runs
  WHERE next_from > reach + 1 ORDER BY gateway, boot, gap_from LIMIT 1000`;

export function selectAlerts(q: { commune?: string; gateway?: string }): string {
  const where = [q.commune !== undefined ? 'commune = ?' : '', q.gateway !== undefined ? 'gateway = ?' : ''].filter(Boolean);
  return `SELECT ${ALERT_COLUMNS} FROM central_alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_ts DESC, seq DESC LIMIT ?`;
}

export const SELECT_GATEWAYS = 'SELECT id, base, province, commune, last_seen_ts, lag_ms, boot, last_seq FROM central_gateways ORDER BY id';

/** `?` → `$1, $2, …` for PostgreSQL. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Runs of touching or overlapping stored ranges ("islands"), per gateway and boot, with how many rows
 * each holds: a run of more than one row is merged into one by `compact`, so the table keeps about
 * one row per gap instead of one per message.
 */
export const ISLANDS = `SELECT gateway, boot, MIN(seq_from) AS seq_from, MAX(seq_to) AS seq_to, COUNT(*) AS n FROM (
    SELECT gateway, boot, seq_from, seq_to,
      SUM(CASE WHEN prev_reach IS NULL OR seq_from > prev_reach + 1 THEN 1 ELSE 0 END)
        OVER (PARTITION BY gateway, boot ORDER BY seq_from ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS island
    FROM (SELECT gateway, boot, seq_from, seq_to,
        MAX(seq_to) OVER (PARTITION BY gateway, boot ORDER BY seq_from ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_reach
      FROM central_seqs) AS ordered) AS runs
  GROUP BY gateway, boot, island HAVING COUNT(*) > 1 LIMIT 10000`;

export const DELETE_RANGE = 'DELETE FROM central_seqs WHERE gateway = ? AND boot = ? AND seq_from >= ? AND seq_from <= ?';
