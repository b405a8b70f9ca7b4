import { KIND, type EmittedRow } from './hostProtocol.js';
import type { StoredRow } from './storeReader.js';

// Every alert id the simulated sites emitted, and whether (and when) the centre's store has it.
// The simulation polls the store for the ids still pending, so it knows when an outage's backlog
// has drained; the figures are taken from one last full read of the store at the end.

export interface Entry {
  id: string;
  /** Gateway index. */
  gw: number;
  /** Capture time, epoch ms. */
  ts: number;
  kind: number;
  /** received_ts of the stored copy, epoch ms; -1 while not stored. */
  rx: number;
}

export interface Percentiles {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class Ledger {
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Set<string>();
  /** Ids received twice from the hosts: the emitter's ids must be unique, so this must stay 0. */
  reused = 0;

  add(rows: readonly EmittedRow[]): void {
    for (const [id, gw, ts, kind] of rows) {
      if (this.entries.has(id)) this.reused++;
      this.entries.set(id, { id, gw, ts, kind, rx: -1 });
      this.pending.add(id);
    }
  }

  /** Records stored rows; returns the ids the store has that were never emitted. */
  confirm(rows: readonly StoredRow[]): string[] {
    const strangers: string[] = [];
    for (const r of rows) {
      const e = this.entries.get(r.id);
      if (!e) {
        strangers.push(r.id);
        continue;
      }
      if (e.rx < 0 || r.rx < e.rx) e.rx = r.rx;
      this.pending.delete(r.id);
    }
    return strangers;
  }

  pendingIds(): string[] {
    return [...this.pending];
  }

  /** Pending entries that match. */
  countPending(match: (e: Entry) => boolean): number {
    let n = 0;
    for (const id of this.pending) if (match(this.entries.get(id)!)) n++;
    return n;
  }

  select(match: (e: Entry) => boolean): Entry[] {
    const out: Entry[] = [];
    for (const e of this.entries.values()) if (match(e)) out.push(e);
    return out;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Live rows (alerts and count summaries), not a prefilled backlog. */
export const isLive = (e: Entry): boolean => e.kind !== KIND.backlog;

/** End-to-end latency (store's received_ts minus capture ts) of the stored entries. */
export function latency(entries: readonly Entry[]): Percentiles {
  return percentiles(entries.filter((e) => e.rx >= 0).map((e) => e.rx - e.ts));
}

export function percentiles(values: number[]): Percentiles {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? 0;
  return { n: s.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] ?? 0 };
}
