import type { Database, Statement } from './openDatabase.js';
import type { AlertClass } from '../types.js';
import { DELIVERED, PENDING, SENT, type OutboxRow, type SealedRow } from './outboxTypes.js';

// Prepared once per open: the drain loop runs these tens of thousands of times a second.

const ROW = 'seq, boot, class, created_ts, event_ts, alert_id, topic, body, file, replay, sealed, sealed_by';
/** A row as `pending` returns it: the columns of ROW in order. */
export type RawRow = [number, number, AlertClass, number, number, string, string, string, string | null, number, Buffer | null, string | null];
/**
 * A backlog page as `backlogPage` returns it: its rows as JSON [seq, alert id, class, topic, replay,
 * payload length] (-1: not sealed by the sealer asked for), and the payloads end to end.
 */
type RawBacklogPage = [string, Buffer | null];
type BacklogEntry = [number, string, AlertClass, string, number, number];
const REFS = 'SELECT value ->> 0 AS seq, value ->> 1 AS id FROM json_each(?)';

/** The publisher's view of a raw row. */
export function rowOf(r: RawRow): OutboxRow {
  const row: OutboxRow = { seq: r[0], boot: r[1], class: r[2], createdTs: r[3], ts: r[4], id: r[5], topic: r[6], body: r[7], replay: r[9] === 1 };
  if (r[8] !== null) row.file = r[8];
  if (r[10] !== null) row.sealed = r[10];
  if (r[11] !== null) row.sealedBy = r[11];
  return row;
}

/**
 * The publisher's view of a backlog page: rows sealed by its own sealer as their payload alone (a
 * view of the page's one buffer), any other row whole, read by `whole`.
 */
export function backlogRowsOf([json, payloads]: RawBacklogPage, whole: (seq: number) => OutboxRow | undefined): (OutboxRow | SealedRow)[] {
  const rows: (OutboxRow | SealedRow)[] = [];
  let at = 0;
  for (const [seq, id, cls, topic, replay, length] of JSON.parse(json) as BacklogEntry[]) {
    if (length < 0) {
      const row = whole(seq);
      if (row) rows.push(row);
      continue;
    }
    rows.push({ seq, id, class: cls, topic, replay: replay === 1, sealed: payloads!.subarray(at, (at += length)) });
  }
  for (let i = 1; i < rows.length; i++) if (rows[i]!.seq < rows[i - 1]!.seq) return rows.sort((a, b) => a.seq - b.seq);
  return rows;
}

export function prepareStatements(db: Database) {
  return {
    nextBoot: db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'boot' RETURNING value") as Statement<[], { value: number }>,
    boot: db.prepare("SELECT value FROM meta WHERE key = 'boot'") as Statement<[], { value: number }>,
    insert: db.prepare(
      `INSERT INTO outbox (boot, class, state, created_ts, event_ts, alert_id, topic, body, file, bytes)
       VALUES (?, ?, ${PENDING}, ?, ?, ?, ?, ?, ?, ?)`,
    ) as Statement<[number, AlertClass, number, number, string, string, string, string | null, number]>,
    // With the sequence number given: a sealed payload is made before its row exists.
    insertSealed: db.prepare(
      `INSERT INTO outbox (seq, boot, class, state, created_ts, event_ts, alert_id, topic, body, file, bytes, sealed, sealed_by)
       VALUES (?, ?, ?, ${PENDING}, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ) as Statement<[number, number, AlertClass, number, number, string, string, string, string | null, number, Buffer, string]>,
    // Arrays, not objects (see rowOf): the drain reads every row of a backlog through here.
    pending: db
      .prepare(`SELECT ${ROW} FROM outbox WHERE state = ${PENDING} AND seq > ? AND seq < ? ORDER BY seq LIMIT ?`)
      .raw(true) as Statement<[number, number, number], RawRow>,
    // A page of `pending` in one result row (see backlogRowsOf): one buffer for the page's payloads
    // instead of one per row is most of what a drain saves here, in the read and in GC. Both
    // aggregates take the rows in one pass, so entries and payloads line up; an ORDER BY inside
    // them would sort again what the subquery already sorted (backlogRowsOf checks the order).
    backlogPage: db
      .prepare(
        `SELECT json_group_array(json_array(seq, alert_id, class, topic, replay, ifnull(length(payload), -1))),
           CAST(group_concat(payload, x'') AS BLOB)
         FROM (SELECT seq, alert_id, class, topic, replay, CASE WHEN sealed_by = ? THEN sealed END AS payload
               FROM outbox WHERE state = ${PENDING} AND seq > ? AND seq < ? ORDER BY seq LIMIT ?)`,
      )
      .raw(true) as Statement<[string, number, number, number], RawBacklogPage>,
    bySeq: db.prepare(`SELECT ${ROW} FROM outbox WHERE seq = ?`).raw(true) as Statement<[number], RawRow>,
    lastSeq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") as Statement<[], { seq: number }>,
    // PUBACKs of a batch (see MarkBatch): a run of consecutive sequence numbers in one statement.
    // A summary row may take over the sequence number of an alert it replaced (see eviction.ts),
    // so runs never touch one (dropped = 0); summaries are marked by [seq, alert id] pairs.
    markSentRun: db.prepare(
      `UPDATE outbox SET state = ${SENT}, sent_ts = ? WHERE seq BETWEEN ? AND ? AND state = ${PENDING} AND dropped = 0`,
    ) as Statement<[number, number, number]>,
    markDeliveredRun: db.prepare(
      `UPDATE outbox SET state = ${DELIVERED}, sent_ts = ?, replay = 0 WHERE seq BETWEEN ? AND ? AND state < ${DELIVERED} AND dropped = 0`,
    ) as Statement<[number, number, number]>,
    deleteRefsRun: db.prepare(`DELETE FROM outbox WHERE ? IS NOT NULL AND seq BETWEEN ? AND ? AND dropped = 0`) as Statement<[number, number, number]>,
    markSent: db.prepare(
      `UPDATE outbox SET state = ${SENT}, sent_ts = ? FROM (${REFS}) AS r WHERE outbox.seq = r.seq AND outbox.alert_id = r.id AND state = ${PENDING}`,
    ) as Statement<[number, string]>,
    markDelivered: db.prepare(
      `UPDATE outbox SET state = ${DELIVERED}, sent_ts = ?, replay = 0 FROM (${REFS}) AS r WHERE outbox.seq = r.seq AND outbox.alert_id = r.id AND state < ${DELIVERED}`,
    ) as Statement<[number, string]>,
    deleteRefs: db.prepare(
      `DELETE FROM outbox WHERE ? IS NOT NULL AND seq IN (SELECT o.seq FROM (${REFS}) AS r JOIN outbox AS o ON o.seq = r.seq AND o.alert_id = r.id)`,
    ) as Statement<[number, string]>,
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
    byAlertId: db.prepare(`SELECT ${ROW} FROM outbox WHERE alert_id = ? ORDER BY seq DESC LIMIT 1`).raw(true) as Statement<[string], RawRow>,
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
