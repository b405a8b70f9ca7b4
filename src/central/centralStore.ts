// What the centre keeps, and the interface both stores (SQLite, PostgreSQL) implement with the same
// schema and the same idempotency: a message committed twice, by one instance or by two, is one row.

/** One alert (or count summary, or dropped-range record) as stored. */
export interface AlertRow {
  /** The gateway's alert id `i`: unique and stable across resends; the primary key. */
  id: string;
  gateway: string;
  province: string;
  commune: string;
  camera: string | null;
  kind: string | null;
  seq: number;
  boot: number;
  /** Capture time, epoch ms (null when the message has none). */
  ts: number | null;
  /** When the first copy was committed here, epoch ms. */
  receivedTs: number;
  topic: string;
  /** The signed body as JSON text (CBOR bodies are converted), without the signature. */
  body: string;
}

/** A valid, signed, sequenced message of a gateway, ready to commit. */
export interface Received {
  gateway: string;
  /** `<prefix>/<province>/<commune>/<gateway>`: where acks and replay requests go. */
  base: string;
  province: string;
  commune: string;
  boot: number;
  /** First and last sequence number it accounts for (a dropped-range record covers q0..q1). */
  seqFrom: number;
  seqTo: number;
  receivedTs: number;
  /** Capture time, when the message carries one. */
  ts?: number;
  /** Present for messages kept as alerts (alerts, counts, dropped ranges). */
  alert?: AlertRow;
}

/** Sequence numbers never stored, per gateway and boot, between the lowest and highest stored. */
export interface SeqGap {
  gateway: string;
  boot: number;
  from: number;
  to: number;
}

export interface GatewayRow {
  id: string;
  base: string;
  province: string;
  commune: string;
  lastSeenTs: number;
  /** Receipt time minus capture time of the newest message with a capture time, ms. */
  lagMs: number | null;
  boot: number;
  lastSeq: number;
}

export interface AlertQuery {
  commune?: string;
  gateway?: string;
  /** 1..1000. */
  limit: number;
}

export interface CentralStore {
  /** Creates the schema when missing. Fatal (StoreError) when the store cannot be reached. */
  open(): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
  /**
   * Commits every message of the batch in one transaction; resolves only once it is durable.
   * Returns how many alerts were new. Calls must not overlap (the caller serialises them).
   */
  commit(batch: readonly Received[]): Promise<number>;
  /** Newest first. */
  alerts(q: AlertQuery): Promise<AlertRow[]>;
  gaps(): Promise<SeqGap[]>;
  /**
   * Merges runs of stored sequence numbers into one row each (gaps() gives the same answer after);
   * call periodically. Returns the rows removed. Safe beside commits of other instances: at worst
   * (PostgreSQL) a dropped-range row committed during the merge loses its tail, which shows as a gap
   * and costs one replay request.
   */
  compact(): Promise<number>;
  gateways(): Promise<GatewayRow[]>;
}
