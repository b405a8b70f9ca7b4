import type { GroupFigures } from '../processSampler.js';
import type { CentralCounters } from './centrals.js';
import type { HostFigures } from './gatewayFleet.js';
import { KIND } from './hostProtocol.js';
import { isLive, latency, type Entry, type Ledger, type Percentiles } from './ledger.js';
import type { ScenarioName } from './options.js';
import type { ScenarioResult } from './scenarios.js';

// The figures of one scenario, taken from the ledger after the final full read of the store: what was
// emitted in its window, what the store has, how late, how long each backlog took to drain.

export interface ScenarioFigures {
  scenario: ScenarioName;
  window_s: number;
  /** Rows (alerts and count summaries) emitted in the window; for `backlog` also the prefilled rows. */
  emitted: number;
  stored: number;
  /** Emitted and not in the store at the end, after the final settle. Must be 0. */
  lost: number;
  /** Copies the centre instances received of rows they had stored already (their counters). */
  duplicates: number;
  /** Messages the centre instances dropped unacked because their store fell behind (sent again later). */
  shed: number;
  /** Store's received_ts − capture ts of the live rows emitted in the window, ms. */
  latency_ms: Percentiles;
  outage?: {
    gateways: number;
    down_s: number;
    /** From the restore to the last row emitted by a cut-off gateway before the restore being received. */
    drain_s: number;
    /** The same from the start of the outage. */
    since_outage_s: number;
    /**
     * From the restore until no outbox held a row from before it (every one acked by the centre);
     * longer than the drain when acks were lost and rows went again after the e2e ack timeout. Null: not within settle_max_s.
     */
    acked_s: number | null;
    /** Latency of the gateways that were not cut off, in the same window. */
    others_latency_ms: Percentiles;
    settled: boolean;
  };
  backlog?: {
    rows: number;
    /** From the moment the gateway began connecting to the last backlog row received. */
    drain_s: number;
    rows_per_s: number;
    /** Its live rows emitted while the backlog drained: received_ts − capture ts, ms. */
    live_during_drain_ms: Percentiles;
    live_after_drain_ms: Percentiles;
    settled: boolean;
  };
  /** CPU and peak memory per process group in the window. */
  processes: Record<string, GroupFigures>;
  gateway_hosts: HostFigures;
  /** Busy share of the whole machine (both cores, every process, ours or not). */
  machine_busy_pct: number;
}

export interface WindowRecord {
  scenario: ScenarioName;
  startTs: number;
  endTs: number;
  result: ScenarioResult;
  counters: CentralCounters;
  processes: Record<string, GroupFigures>;
  hosts: HostFigures;
  machinePct: number;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export function scenarioFigures(w: WindowRecord, ledger: Ledger): ScenarioFigures {
  // A prefilled backlog's capture times lie in the past hour, across earlier windows: its rows count in its own window only.
  const inWindow = ledger.select((e) => (isLive(e) ? e.ts >= w.startTs && e.ts < w.endTs : w.scenario === 'backlog'));
  const stored = inWindow.filter((e) => e.rx >= 0).length;
  const live = inWindow.filter(isLive);
  const f: ScenarioFigures = {
    scenario: w.scenario,
    window_s: round1((w.endTs - w.startTs) / 1000),
    emitted: inWindow.length,
    stored,
    lost: inWindow.length - stored,
    duplicates: w.counters.duplicates,
    shed: w.counters.shed,
    latency_ms: latency(live),
    processes: w.processes,
    gateway_hosts: w.hosts,
    machine_busy_pct: w.machinePct,
  };
  const o = w.result.outage;
  if (o) {
    const cut = new Set(o.gateways);
    const last = lastReceived(ledger.select((e) => cut.has(e.gw) && e.ts <= o.restoreTs));
    f.outage = {
      gateways: o.gateways.length,
      down_s: round1((o.restoreTs - o.startTs) / 1000),
      drain_s: round1(Math.max(0, last - o.restoreTs) / 1000),
      since_outage_s: round1(Math.max(0, last - o.startTs) / 1000),
      acked_s: o.clearedTs !== undefined ? round1((o.clearedTs - o.restoreTs) / 1000) : null,
      others_latency_ms: latency(live.filter((e) => !cut.has(e.gw))),
      settled: o.settled,
    };
  }
  const b = w.result.backlog;
  if (b) {
    const rows = inWindow.filter((e) => e.kind === KIND.backlog);
    const drainedTs = lastReceived(rows);
    const own = live.filter((e) => e.gw === b.gateway && e.ts >= b.connectTs);
    const drainS = Math.max(0, drainedTs - b.connectTs) / 1000;
    f.backlog = {
      rows: rows.length,
      drain_s: round1(drainS),
      rows_per_s: Math.round(rows.length / Math.max(drainS, 0.001)),
      live_during_drain_ms: latency(own.filter((e) => e.ts <= drainedTs)),
      live_after_drain_ms: latency(own.filter((e) => e.ts > drainedTs)),
      settled: b.settled,
    };
  }
  return f;
}

function lastReceived(entries: readonly Entry[]): number {
  return entries.reduce((m, e) => Math.max(m, e.rx), 0);
}
