import type { AlertClass } from '../types.js';

// Plain data shared by the outbox, its eviction rules and the publisher.

/** Row states: pending → (published, e2e ack on) sent → delivered (kept for replay) → deleted. */
export const PENDING = 0;
export const SENT = 1;
export const DELIVERED = 2;
export type RowState = typeof PENDING | typeof SENT | typeof DELIVERED;

export const CLASSES: readonly AlertClass[] = ['alert', 'health', 'count', 'snapshot'];

/** What goes into the outbox: an encoded message waiting for the uplink. */
export interface OutboxRecord {
  /** Stable id (the alert id); a resend after a crash carries the same id, the receiver de-duplicates on it. */
  id: string;
  class: AlertClass;
  /** Event time, epoch ms. */
  ts: number;
  /** Topic below the gateway's base topic, e.g. `camera/cam-1/alert/zone_entry`. */
  topic: string;
  /** Compact JSON object text; the publisher adds seq, boot and the historical flag. */
  body: string;
  /** Local file the record refers to (an alert's snapshot JPEG); never sent inline with an alert. */
  file?: string | undefined;
}

/** A stored record as the publisher reads it. */
export interface OutboxRow extends OutboxRecord {
  /** Per-gateway sequence number: only grows, across restarts, evictions and a lost database file. */
  seq: number;
  /** Boot counter of the process that stored the row. */
  boot: number;
  /** When the row was stored, epoch ms. */
  createdTs: number;
  /** Sent again on request or after a missing end-to-end ack: the receiver may have it already. */
  replay: boolean;
  /** The row's historical wire payload, signed when it was stored (see RowSealer); absent for most old rows. */
  sealed?: Buffer | undefined;
  /** Which sealer made `sealed`: the publisher uses it only when this matches its own. */
  sealedBy?: string | undefined;
}

/**
 * A backlog row whose payload sealed at commit is the one to send (see Outbox.backlog): read
 * without its body, which a drain would only decode to throw away.
 */
export interface SealedRow extends Pick<OutboxRow, 'seq' | 'id' | 'class' | 'topic' | 'file' | 'replay'> {
  sealed: Buffer;
  body?: undefined;
}

/**
 * Makes a row's finished wire payload at commit time, so a backlog drains without signing every
 * row (an Ed25519 signature costs more than the rest of publishing a row). The payload is the
 * historical one: a row only goes out through the backlog or a replay once it is old.
 */
export interface RowSealer {
  /** Changes whenever the payload would (another key, base topic, gateway id or format). */
  readonly id: string;
  seal(row: OutboxRow): Buffer;
}

/** One eviction batch: rows dropped to respect a limit. */
export interface EvictionEvent {
  class: AlertClass;
  reason: 'rows' | 'bytes' | 'age' | 'disk';
  rows: number;
  bytes: number;
  /** Event-time range of the dropped rows, epoch ms. */
  fromTs: number;
  toTs: number;
}

/** What a summary row stands for: `count` alerts dropped between fromTs and toTs. */
export interface DroppedRange {
  count: number;
  fromTs: number;
  toTs: number;
  firstSeq: number;
  lastSeq: number;
}

/** Builds the record that replaces evicted alerts (the payload encoder knows the wire format). */
export type Summarise = (dropped: DroppedRange) => OutboxRecord;

export interface ClassStatus {
  /** Rows waiting to be published. */
  pending: number;
  /** Rows published and waiting for the centre's end-to-end ack. */
  sent: number;
  /** Rows delivered and kept for replay. */
  delivered: number;
  /** Bytes of all rows of the class. */
  bytes: number;
  /** Storage time of the oldest undelivered row, epoch ms (undefined when none). */
  oldestTs?: number;
  /** Rows evicted since the database was created, and their bytes. */
  evictedRows: number;
  evictedBytes: number;
}

export interface OutboxStatus {
  boot: number;
  /** Highest sequence number handed out so far. */
  lastSeq: number;
  /** Undelivered rows (pending + sent) across classes. */
  depth: number;
  classes: Record<AlertClass, ClassStatus>;
  /** Database file plus WAL, bytes. */
  fileBytes: number;
}
