import type { Database, Statement } from './openDatabase.js';
import type { AlertClass } from '../types.js';
import { DELIVERED, PENDING, SENT, type OutboxRow } from './outboxTypes.js';

// Prepared once per open: the drain loop runs these tens of thousands of times a second.

const ROW = 'seq, boot, class, created_ts AS createdTs, event_ts AS ts, alert_id AS id, topic, body, file, replay';

export function prepareStatements(db: Database) {
  return {
    nextBoot: db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'boot' RETURNING value") as Statement<[], { value: number }>,
    boot: db.prepare("SELECT value FROM meta WHERE key = 'boot'") as Statement<[], { value: number }>,
    insert: db.prepare(
      `INSERT INTO outbox (boot, class, state, created_ts, event_ts, alert_id, topic, body, file, bytes)
       VALUES (?, ?, ${PENDING}, ?, ?, ?, ?, ?, ?, ?)`,
    ) as Statement<[number, AlertClass, number, number, string, string, string, string | null, number]>,
    pending: db.prepare(
      `SELECT ${ROW} FROM outbox WHERE state = ${PENDING} AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`,
    ) as Statement<[number, number, number], OutboxRow>,
    lastSeq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") as Statement<[], { seq: number }>,
    markSent: db.prepare(
      `UPDATE outbox SET state = ${SENT}, sent_ts = ? WHERE seq = ? AND alert_id = ? AND state = ${PENDING}`,
    ) as Statement<[number, number, string]>,
    markDelivered: db.prepare(
      `UPDATE outbox SET state = ${DELIVERED}, sent_ts = ?, replay = 0 WHERE seq = ? AND alert_id = ? AND state < ${DELIVERED}`,
    ) as Statement<[number, number, string]>,
    deleteRef: db.prepare('DELETE FROM outbox WHERE ? IS NOT NULL AND seq = ? AND alert_id = ?') as Statement<[number, number, string]>,
    ackSeq: db.prepare(
      `UPDATE outbox SET state = ${DELIVERED}, sent_ts = ?, replay = 0 WHERE seq = ? AND state < ${DELIVERED}`,
    ) as Statement<[number, number]>,
    ackSeqDelete: db.prepare(`DELETE FROM outbox WHERE ? IS NOT NULL AND seq = ? AND state < ${DELIVERED}`) as Statement<[number, number]>,
    ackUpTo: db.prepare(
      `UPDATE outbox SET state = ${DELIVERED}, sent_ts = ?, replay = 0 WHERE seq <= ? AND state = ${SENT}`,
    ) as Statement<[number, number]>,
    ackUpToDelete: db.prepare(`DELETE FROM outbox WHERE ? IS NOT NULL AND seq <= ? AND state = ${SENT}`) as Statement<[number, number]>,
    requeue: db.prepare(
      `UPDATE outbox SET state = ${PENDING}, replay = 1 WHERE state = ${SENT} AND sent_ts < ?`,
    ) as Statement<[number]>,
    // At most `limit` rows, the oldest first: one request must not be able to resend the whole store.
    replaySeq: db.prepare(
      `UPDATE outbox SET state = ${PENDING}, replay = 1 WHERE seq IN (SELECT seq FROM outbox WHERE state = ${DELIVERED} AND seq >= ? ORDER BY seq LIMIT ?)`,
    ) as Statement<[number, number]>,
    replayTs: db.prepare(
      `UPDATE outbox SET state = ${PENDING}, replay = 1 WHERE seq IN (SELECT seq FROM outbox WHERE state = ${DELIVERED} AND created_ts >= ? ORDER BY seq LIMIT ?)`,
    ) as Statement<[number, number]>,
    pruneDelivered: db.prepare(`DELETE FROM outbox WHERE state = ${DELIVERED} AND sent_ts < ?`) as Statement<[number]>,
    byAlertId: db.prepare(`SELECT ${ROW} FROM outbox WHERE alert_id = ? ORDER BY seq DESC LIMIT 1`) as Statement<[string], OutboxRow>,
    evictions: db.prepare('SELECT rows, bytes FROM evictions WHERE class = ?') as Statement<[string], { rows: number; bytes: number }>,
    // Through the (state, seq) index: the class index would first walk every delivered row kept for replay.
    oldest: db.prepare(
      `SELECT min(created_ts) AS created_ts FROM (
         SELECT created_ts FROM (SELECT created_ts FROM outbox WHERE state = ${PENDING} AND class = ? ORDER BY seq LIMIT 1)
         UNION ALL SELECT created_ts FROM (SELECT created_ts FROM outbox WHERE state = ${SENT} AND class = ? ORDER BY seq LIMIT 1))`,
    ) as Statement<[string, string], { created_ts: number | null }>,
    depth: db.prepare(`SELECT sum(rows) AS n FROM stats WHERE state < ${DELIVERED}`) as Statement<[], { n: number | null }>,
    stats: db.prepare('SELECT class, state, rows, bytes FROM stats') as Statement<
      [],
      { class: AlertClass; state: number; rows: number; bytes: number }
    >,
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
