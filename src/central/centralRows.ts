import type { AlertRow, GatewayRow, Received, SeqGap } from './centralStore.js';

// Between the stores' rows and the centre's types, the same for SQLite and PostgreSQL (which returns
// BIGINT as text: every number goes through Number).

type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function alertParams(a: AlertRow): unknown[] {
  return [a.id, a.gateway, a.province, a.commune, a.camera, a.kind, a.seq, a.boot, a.ts, a.receivedTs, a.topic, a.body];
}

export function seqParams(m: Received): unknown[] {
  return [m.gateway, m.boot, m.seqFrom, m.seqTo];
}

/** One gateway row per gateway of the batch: the newest figures it brings. */
export function gatewayParams(batch: readonly Received[]): unknown[][] {
  const by = new Map<string, { m: Received; seen: number; lag: number | null; boot: number; seq: number }>();
  for (const m of batch) {
    const lag = m.ts !== undefined ? Math.max(0, m.receivedTs - m.ts) : null;
    const g = by.get(m.gateway);
    if (!g) by.set(m.gateway, { m, seen: m.receivedTs, lag, boot: m.boot, seq: m.seqTo });
    else {
      g.seen = Math.max(g.seen, m.receivedTs);
      g.lag = lag ?? g.lag;
      g.boot = Math.max(g.boot, m.boot);
      g.seq = Math.max(g.seq, m.seqTo);
      g.m = m;
    }
  }
  return [...by.values()].map((g) => [g.m.gateway, g.m.base, g.m.province, g.m.commune, g.seen, g.lag, g.boot, g.seq]);
}

export function toAlertRow(r: Row): AlertRow {
  return {
    id: String(r['id']),
    gateway: String(r['gateway']),
    province: String(r['province']),
    commune: String(r['commune']),
    camera: strOrNull(r['camera']),
    kind: strOrNull(r['kind']),
    seq: num(r['seq']),
    boot: num(r['boot']),
    ts: numOrNull(r['ts']),
    receivedTs: num(r['received_ts']),
    topic: String(r['topic']),
    body: String(r['body']),
  };
}

export function toGatewayRow(r: Row): GatewayRow {
  return {
    id: String(r['id']),
    base: String(r['base']),
    province: String(r['province']),
    commune: String(r['commune']),
    lastSeenTs: num(r['last_seen_ts']),
    lagMs: numOrNull(r['lag_ms']),
    boot: num(r['boot']),
    lastSeq: num(r['last_seq']),
  };
}

export function toGap(r: Row): SeqGap {
  return { gateway: String(r['gateway']), boot: num(r['boot']), from: num(r['gap_from']), to: num(r['gap_to']) };
}

/** An island row of ISLANDS, as the range it merges into. */
export function toIsland(r: Row): SeqGap {
  return { gateway: String(r['gateway']), boot: num(r['boot']), from: num(r['seq_from']), to: num(r['seq_to']) };
}
