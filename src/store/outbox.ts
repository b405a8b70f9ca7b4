import type { Database } from './openDatabase.js';
import type { OutboxConfig } from '../config/uplinkSchema.js';
import type { Logger } from '../log/logger.js';
import type { AlertClass } from '../types.js';
import { Evictor } from './eviction.js';
import { databaseBytes, openDatabase } from './openDatabase.js';
import {
  CLASSES,
  DELIVERED,
  PENDING,
  SENT,
  type ClassStatus,
  type EvictionEvent,
  type OutboxRecord,
  type OutboxRow,
  type OutboxStatus,
  type RowSealer,
  type SealedRow,
  type Summarise,
} from './outboxTypes.js';
import { StoreError } from './storeErrors.js';
import { applyMarks, markBatch, MarkWorker, type MarkKind } from './markWorker.js';
import { backlogRowsOf, prepareStatements, rowOf, type Statements } from './statements.js';

/**
 * A row the publisher handed to the broker. A summary row (see eviction.ts) takes the sequence
 * number of the first alert it replaced: its PUBACK is matched by id too, and an alert's PUBACK
 * never marks a summary.
 */
export interface PublishedRef {
  seq: number;
  id: string;
  summary?: boolean;
}

/**
 * The durable outbox. Every record is committed (WAL, one transaction) before insert() returns; a
 * row leaves only when delivered, when a limit evicts it (counted, persisted, logged) or when its
 * replay retention ends. Synchronous calls only: one process may hold it open for writing at a
 * time, other processes (the CLI) may read and re-queue rows concurrently.
 */
export class Outbox {
  private db: Database | undefined;
  private st!: Statements;
  private evictor!: Evictor;
  private bootCount = 0;
  private sealer: RowSealer | undefined;
  private marker: MarkWorker | undefined;

  constructor(
    private readonly path: string,
    private readonly cfg: OutboxConfig,
    private readonly summarise: Summarise,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Opens (creating, migrating or replacing an unreadable file) and counts one boot, unless
   * `countBoot` is false (tools such as the CLI, which are not a start of the agent). Idempotent.
   */
  open(opts: { countBoot?: boolean } = {}): void {
    if (this.db) return;
    const opened = openDatabase(this.path, { synchronous: this.cfg.synchronous, maxDbBytes: this.cfg.maxDbMb * 1e6, now: this.now }, this.log);
    this.db = opened.db;
    this.st = prepareStatements(this.db);
    this.bootCount = opts.countBoot === false ? this.st.boot.get()!.value : this.st.nextBoot.get()!.value;
    this.evictor = new Evictor(this.db, this.cfg.limits, this.summarise, () => this.bootCount);
    this.log.info({ file: this.path, boot: this.bootCount, lastSeq: this.lastSeq() }, 'outbox open');
  }

  /** Idempotent. Checkpoints the WAL so the file on disk is whole by itself. Call stopMarking() first. */
  close(): void {
    this.marker?.terminate();
    this.marker = undefined;
    if (!this.db) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.db.close();
      this.db = undefined;
    }
  }

  /** From now on markPublished records PUBACKs in a worker thread (see markWorker.ts). */
  markInBackground(): void {
    if (!this.db || this.marker) return;
    const names = ['markSent', 'markDelivered', 'deleteRefs', 'markSentRun', 'markDeliveredRun', 'deleteRefsRun'] as const;
    const sql = Object.fromEntries(names.map((k) => [k, this.st[k].source]));
    this.marker = new MarkWorker(this.path, sql, this.log);
  }

  /** False while PUBACKs handed to markPublished are still being committed in the background. */
  get marksSettled(): boolean {
    return this.marker?.idle ?? true;
  }

  /** Batches of PUBACKs handed to markPublished and not yet committed in the background. */
  get marksBehind(): number {
    return this.marker?.behind ?? 0;
  }

  /** Resolves once every PUBACK handed to markPublished so far is committed. */
  settleMarks(): Promise<void> {
    return this.marker?.settled() ?? Promise.resolve();
  }

  /** Commits the PUBACKs handed over and ends the background marking; idempotent. */
  async stopMarking(): Promise<void> {
    const m = this.marker;
    this.marker = undefined;
    await m?.close();
  }

  /** From now on every row but snapshots is stored with its sealed payload (see RowSealer). */
  sealWith(sealer: RowSealer | undefined): void {
    this.sealer = sealer;
  }

  /** Boot counter of this process (1 on the first open of a database). */
  get boot(): number {
    return this.bootCount;
  }

  /**
   * Commits one record and returns its sequence number, evicting per the class limits first when
   * needed. A full disk or size cap evicts by priority and retries; only when nothing is left to
   * evict is the record lost, logged as an error, and -1 returned. Never throws for disk-full.
   */
  insert(rec: OutboxRecord): number {
    return this.withSpace(() => this.db!.transaction(() => this.insertOne(rec)).immediate(), rec);
  }

  /** Commits many records in one transaction (backfills, benchmarks). */
  insertMany(recs: readonly OutboxRecord[]): void {
    this.withSpace(() => this.db!.transaction(() => recs.forEach((r) => this.insertOne(r))).immediate(), recs[0]);
  }

  /** Pending rows with afterSeq < seq < beforeSeq, in sequence order. */
  pending(afterSeq: number, beforeSeq: number, limit: number): OutboxRow[] {
    return this.st.pending.all(afterSeq, beforeSeq, limit).map(rowOf);
  }

  /**
   * As `pending`, for rows that go out historical: those sealed by `sealerId` come as SealedRow,
   * their stored payload without the body (the lighter read a backlog drain needs).
   */
  backlog(afterSeq: number, beforeSeq: number, limit: number, sealerId: string): (OutboxRow | SealedRow)[] {
    return backlogRowsOf(this.st.backlogPage.get(sealerId, afterSeq, beforeSeq, limit)!, (seq) => {
      const row = this.st.bySeq.get(seq);
      return row && rowOf(row);
    });
  }

  /** Undelivered rows (pending + sent), from the trigger-kept totals: cheap enough to poll. */
  depth(): number {
    return this.st.depth.get()?.n ?? 0;
  }

  /** Highest sequence number handed out so far (0 for an empty new database). */
  lastSeq(): number {
    return this.st.lastSeq.get()?.seq ?? 0;
  }

  /**
   * Records PUBACKs in one transaction: with an end-to-end ack the rows wait (sent) for the centre,
   * otherwise they are delivered (kept for replay, or deleted when retain_delivered_s is 0). With
   * markInBackground() the commit happens in the worker, soon after this returns.
   */
  markPublished(refs: readonly PublishedRef[], e2e: boolean): void {
    if (refs.length === 0) return;
    const ts = this.now();
    const kind: MarkKind = e2e ? 'markSent' : this.cfg.retainDeliveredS > 0 ? 'markDelivered' : 'deleteRefs';
    const batch = markBatch(refs);
    if (this.marker?.alive) return this.marker.mark(kind, ts, batch);
    this.relaxed(() => this.db!.transaction(() => applyMarks(this.st, kind, ts, batch)).immediate());
  }

  /** The centre's end-to-end ack: explicit sequence numbers, or every sent row up to a high-water mark. */
  ack(ack: { seqs?: readonly number[]; upTo?: number }): number {
    const ts = this.now();
    const del = this.cfg.retainDeliveredS > 0;
    return this.relaxed(() => this.db!.transaction(() => {
      let n = 0;
      for (const seq of ack.seqs ?? []) n += (del ? this.st.ackSeq : this.st.ackSeqDelete).run(ts, seq).changes;
      if (ack.upTo !== undefined) n += (del ? this.st.ackUpTo : this.st.ackUpToDelete).run(ts, ack.upTo).changes;
      return n;
    }).immediate());
  }

  /** Sent rows without an end-to-end ack since `olderThanTs` go back to pending, flagged as replays. */
  requeueUnacked(olderThanTs: number): number {
    return this.st.requeue.run(olderThanTs).changes;
  }

  /** Re-queues delivered rows kept for replay, from a sequence number or a storage time on; at most `limit`, oldest first. */
  replay(since: { seq?: number; ts?: number }, limit = Number.MAX_SAFE_INTEGER): number {
    if (since.seq !== undefined) return this.st.replaySeq.run(since.seq, limit).changes;
    return this.st.replayTs.run(since.ts ?? 0, limit).changes;
  }

  /** Applies age limits and the replay retention; call periodically. */
  maintain(): EvictionEvent[] {
    const now = this.now();
    const events = this.db!.transaction(() => {
      this.st.pruneDelivered.run(now - this.cfg.retainDeliveredS * 1000);
      return CLASSES.map((c) => this.evictor.expire(c, now)).filter((e): e is EvictionEvent => e !== undefined);
    }).immediate();
    events.forEach((e) => this.report(e));
    return events;
  }

  /** The stored row of an alert id, in any state, if it is still kept. */
  findByAlertId(id: string): OutboxRow | undefined {
    const row = this.st.byAlertId.get(id);
    return row && rowOf(row);
  }

  status(): OutboxStatus {
    const classes = {} as Record<AlertClass, ClassStatus>;
    for (const c of CLASSES) {
      const ev = this.st.evictions.get(c);
      classes[c] = { pending: 0, sent: 0, delivered: 0, bytes: 0, evictedRows: ev?.rows ?? 0, evictedBytes: ev?.bytes ?? 0 };
      const oldest = this.st.oldest.get(c, c)?.created_ts;
      if (oldest !== undefined && oldest !== null) classes[c].oldestTs = oldest;
    }
    for (const s of this.st.stats.all()) {
      const cs = classes[s.class];
      if (!cs) continue;
      cs.bytes += s.bytes;
      if (s.state === PENDING) cs.pending = s.rows;
      else if (s.state === SENT) cs.sent = s.rows;
      else if (s.state === DELIVERED) cs.delivered = s.rows;
    }
    const depth = CLASSES.reduce((n, c) => n + classes[c].pending + classes[c].sent, 0);
    return { boot: this.bootCount, lastSeq: this.lastSeq(), depth, classes, fileBytes: databaseBytes(this.path) };
  }

  private insertOne(rec: OutboxRecord): number {
    const now = this.now();
    const bytes = Buffer.byteLength(rec.body) + rec.topic.length;
    let seq: number;
    if (this.sealer && rec.class !== 'snapshot') {
      // Inside the write transaction nobody else can take the next number.
      seq = this.lastSeq() + 1;
      const sealed = this.sealer.seal({ ...rec, seq, boot: this.bootCount, createdTs: now, replay: false });
      this.st.insertSealed.run(seq, this.bootCount, rec.class, now, rec.ts, rec.id, rec.topic, rec.body, rec.file ?? null, bytes + sealed.length, sealed, this.sealer.id);
    } else {
      seq = Number(this.st.insert.run(this.bootCount, rec.class, now, rec.ts, rec.id, rec.topic, rec.body, rec.file ?? null, bytes).lastInsertRowid);
    }
    this.evictor.enforce(rec.class, now).forEach((e) => this.report(e));
    return seq;
  }

  private withSpace<T>(write: () => T, rec: OutboxRecord | undefined): T | -1 {
    if (!this.db) throw new StoreError('outbox used before open()');
    for (let attempt = 0; ; attempt++) {
      try {
        return write();
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_FULL' || attempt >= 64) throw new StoreError('outbox write failed', { cause: err });
        const freed = this.tryFreeSpace();
        if (!freed) {
          this.log.error({ id: rec?.id, class: rec?.class }, 'outbox full and nothing left to evict: record lost');
          return -1;
        }
      }
    }
  }

  private tryFreeSpace(): boolean {
    try {
      const ev = this.db!.transaction(() => this.evictor.freeSpace(this.now())).immediate();
      if (ev && ev !== true) this.report(ev);
      return ev !== undefined;
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'outbox cannot free space');
      return false;
    }
  }

  /**
   * Runs a write without waiting for fsync. Only for marks that move a row towards deletion: if a
   * power cut loses such a commit the row is merely sent again (a duplicate, de-duplicated by id),
   * never lost. The next FULL commit (any insert) makes it durable anyway, since WAL is ordered.
   */
  private relaxed<T>(write: () => T): T {
    if (this.cfg.synchronous !== 'full') return write();
    this.db!.pragma('synchronous = NORMAL');
    try {
      return write();
    } finally {
      this.db!.pragma('synchronous = FULL');
    }
  }

  private report(e: EvictionEvent): void {
    this.log.warn(
      { class: e.class, reason: e.reason, rows: e.rows, bytes: e.bytes, fromTs: e.fromTs, toTs: e.toTs },
      'outbox limit reached: rows evicted',
    );
  }
}

