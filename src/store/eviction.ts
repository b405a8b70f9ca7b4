import type { Database, Statement } from './openDatabase.js';
import type { OutboxLimits } from '../config/uplinkSchema.js';
import type { AlertClass } from '../types.js';
import { DELIVERED, PENDING, type EvictionEvent, type Summarise } from './outboxTypes.js';

// Eviction rules. Delivered rows (kept only for replay) go first and are not counted as losses.
// health, count and snapshot rows drop oldest first. Alerts go last, and the dropped ones are
// replaced by one summary row at the first dropped sequence number, so the centre still learns
// how many alerts it will never see and from when. Callers run these inside a write transaction.

interface Victim {
  seq: number;
  bytes: number;
  event_ts: number;
  dropped: number;
  dropped_to_ts: number | null;
  created_ts: number;
}

/** Lowest priority first: what a full disk gives up before anything else. */
const SPACE_ORDER: AlertClass[] = ['snapshot', 'health', 'count', 'alert'];
const CHUNK = 512;

export class Evictor {
  private readonly totals: Statement<[string], { rows: number | null; bytes: number | null }>;
  private readonly oldestLive: Statement<[string, number], Victim>;
  private readonly oldestDelivered: Statement<[string, number], { seq: number; bytes: number }>;
  private readonly anyDelivered: Statement<[number], { seq: number }>;
  private readonly del: Statement<[number]>;
  private readonly count: Statement<[number, number, number, number, number, string]>;
  private readonly insertSummary: Statement<unknown[]>;

  constructor(
    db: Database,
    private readonly limits: OutboxLimits,
    private readonly summarise: Summarise,
    private readonly boot: () => number,
  ) {
    this.totals = db.prepare('SELECT sum(rows) AS rows, sum(bytes) AS bytes FROM stats WHERE class = ?');
    this.oldestLive = db.prepare(
      `SELECT seq, bytes, event_ts, dropped, dropped_to_ts, created_ts FROM outbox
       WHERE class = ? AND state < ${DELIVERED} ORDER BY seq LIMIT ?`,
    );
    this.oldestDelivered = db.prepare(`SELECT seq, bytes FROM outbox WHERE class = ? AND state = ${DELIVERED} ORDER BY seq LIMIT ?`);
    this.anyDelivered = db.prepare(`SELECT seq FROM outbox WHERE state = ${DELIVERED} ORDER BY seq LIMIT ?`);
    this.del = db.prepare('DELETE FROM outbox WHERE seq = ?');
    this.count = db.prepare(
      `UPDATE evictions SET rows = rows + ?, bytes = bytes + ?, first_ts = coalesce(min(first_ts, ?), ?)
       , last_ts = ? WHERE class = ?`,
    );
    this.insertSummary = db.prepare(
      `INSERT INTO outbox (seq, boot, class, state, created_ts, event_ts, alert_id, topic, body, bytes, dropped, dropped_to_ts)
       VALUES (?, ?, 'alert', ${PENDING}, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  /** Brings one class back within its row and byte limits. */
  enforce(cls: AlertClass, now: number): EvictionEvent[] {
    const lim = this.limits[cls];
    const maxBytes = lim.maxMb * 1e6;
    const events: EvictionEvent[] = [];
    for (let round = 0; round < 16; round++) {
      const t = this.totals.get(cls)!;
      const overRows = (t.rows ?? 0) - lim.maxRows;
      const overBytes = (t.bytes ?? 0) - maxBytes;
      if (overRows <= 0 && overBytes <= 0) break;
      if (this.dropDelivered(cls, overRows, overBytes)) continue;
      const ev = this.evictOldest(cls, overRows, overBytes, overBytes > 0 ? 'bytes' : 'rows', now, () => false);
      if (!ev) break;
      events.push(ev);
    }
    return events;
  }

  /** Evicts live rows stored before `cutoffTs` for one class (age limit). */
  expire(cls: AlertClass, now: number): EvictionEvent | undefined {
    const cutoff = now - this.limits[cls].maxAgeS * 1000;
    return this.evictOldest(cls, Number.MAX_SAFE_INTEGER, 0, 'age', now, (v) => v.created_ts >= cutoff);
  }

  /** Frees some pages after SQLITE_FULL; false when nothing is left to give up. */
  freeSpace(now: number): EvictionEvent | undefined | true {
    const delivered = this.anyDelivered.all(CHUNK);
    if (delivered.length > 0) {
      for (const r of delivered) this.del.run(r.seq);
      return true;
    }
    for (const cls of SPACE_ORDER) {
      const rows = this.totals.get(cls)!.rows ?? 0;
      if (rows === 0) continue;
      // Alerts need two victims to make room: one summary replaces them.
      const n = Math.max(cls === 'alert' ? 3 : 1, Math.ceil(rows * 0.05));
      return this.evictOldest(cls, cls === 'alert' ? n - 1 : n, 0, 'disk', now, () => false);
    }
    return undefined;
  }

  private dropDelivered(cls: AlertClass, overRows: number, overBytes: number): boolean {
    let rows = 0;
    let bytes = 0;
    for (const r of this.oldestDelivered.all(cls, CHUNK)) {
      if (rows >= overRows && bytes >= overBytes) break;
      this.del.run(r.seq);
      rows++;
      bytes += r.bytes;
    }
    return rows > 0;
  }

  private evictOldest(
    cls: AlertClass,
    needRows: number,
    needBytes: number,
    reason: EvictionEvent['reason'],
    now: number,
    stop: (v: Victim) => boolean,
  ): EvictionEvent | undefined {
    const summary = cls === 'alert' ? 1 : 0;
    const victims: Victim[] = [];
    let bytes = 0;
    for (const v of this.oldestLive.all(cls, CHUNK)) {
      if (victims.length - summary >= needRows && bytes - summary * 200 >= needBytes) break;
      if (stop(v)) break;
      victims.push(v);
      bytes += v.bytes;
    }
    // A lone summary row cannot be shrunk by replacing it with another one.
    if (victims.length === 0 || (summary && victims.length === 1 && victims[0]!.dropped > 0)) return undefined;
    for (const v of victims) this.del.run(v.seq);
    const fromTs = Math.min(...victims.map((v) => v.event_ts));
    const toTs = Math.max(...victims.map((v) => v.dropped_to_ts ?? v.event_ts));
    // A summary row being folded into a new one was counted when it was made: count only new losses.
    const fresh = victims.filter((v) => v.dropped === 0);
    const lost = fresh.length;
    const lostBytes = fresh.reduce((n, v) => n + v.bytes, 0);
    if (summary) this.writeSummary(victims, victims.reduce((n, v) => n + Math.max(1, v.dropped), 0), fromTs, toTs, now);
    this.count.run(lost, lostBytes, fromTs, fromTs, now, cls);
    return { class: cls, reason, rows: lost, bytes: lostBytes, fromTs, toTs };
  }

  private writeSummary(victims: Victim[], count: number, fromTs: number, toTs: number, now: number): void {
    const firstSeq = victims[0]!.seq;
    const rec = this.summarise({ count, fromTs, toTs, firstSeq, lastSeq: victims[victims.length - 1]!.seq });
    const bytes = Buffer.byteLength(rec.body) + rec.topic.length;
    this.insertSummary.run(firstSeq, this.boot(), now, fromTs, rec.id, rec.topic, rec.body, bytes, count, toTs);
  }
}
