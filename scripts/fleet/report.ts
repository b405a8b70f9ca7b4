import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GroupFigures } from '../processSampler.js';
import type { ScenarioFigures } from './figures.js';
import type { FleetRunFigures } from './fleetRun.js';

// The figures as tables, one pair per fleet size: delivery (counts, latency, drains) and resources.

const GROUPS: [label: string, prefix: string][] = [
  ['ministry', 'ministry'],
  ['cities', 'city-'],
  ['communes', 'commune-'],
  ['centrals', 'central-'],
  ['postgres', 'postgres'],
  ['gateways', 'gateways'],
  ['backlog-gw', 'backlog-gateway'],
  ['sim', 'sim'],
];

export function fleetTable(r: FleetRunFigures): string {
  const t = r.totals;
  const head =
    `fleet G=${r.gateways}: ${r.communes} commune brokers, ${r.cities} city, 1 ministry; ${r.centrals} centre instances on ${r.store}; ` +
    `${r.gateway_processes} gateway processes; e2e ack timeout ${r.e2e_timeout_s} s`;
  const rows = [
    ['scenario', 'window s', 'emitted', 'stored', 'lost', 'dup', 'shed', 'p50 ms', 'p95 ms', 'p99 ms', 'outage / backlog'],
    ...r.scenarios.map((s) => [s.scenario, s.window_s, s.emitted, s.stored, s.lost, s.duplicates, s.shed, s.latency_ms.p50, s.latency_ms.p95, s.latency_ms.p99, event(s)]),
    ['total', '', t.emitted, t.stored, t.lost, t.duplicates, t.shed, '', '', '', `${t.settled ? 'settled' : 'NOT SETTLED'}; stored twice ${t.stored_twice}, unknown rows ${t.strangers}`],
  ];
  const res = [
    ['cpu % of a core (peak MB)', ...GROUPS.map(([label]) => label), 'machine %', 'host loop p99/max ms'],
    ...r.scenarios.map((s) => [s.scenario, ...GROUPS.map(([, prefix]) => group(s.processes, prefix)), s.machine_busy_pct, `${s.gateway_hosts.eld_p99_ms}/${s.gateway_hosts.eld_max_ms}`]),
  ];
  return `${head}\n${columns(rows)}\n${columns(res)}\n`;
}

function event(s: ScenarioFigures): string {
  const o = s.outage;
  if (o) {
    const others = o.others_latency_ms.n > 0 ? `others p99 ${o.others_latency_ms.p99} ms` : 'no others';
    const acked = o.acked_s === null ? 'NOT ALL ACKED' : `all acked after ${o.acked_s} s`;
    return `${o.gateways} gw cut ${o.down_s} s; drain ${o.drain_s} s after restore (${o.since_outage_s} s from cut)${o.settled ? '' : ' NOT SETTLED'}, ${acked}; ${others}`;
  }
  const b = s.backlog;
  if (b) {
    const d = b.live_during_drain_ms;
    return `${b.rows} rows in ${b.drain_s} s (${b.rows_per_s}/s)${b.settled ? '' : ' NOT SETTLED'}; live while draining n=${d.n} p50 ${d.p50} p95 ${d.p95} max ${d.max} ms`;
  }
  return '';
}

/** Sum of CPU over the group's processes, largest single peak; "-" when it did not run. */
function group(p: Record<string, GroupFigures>, prefix: string): string {
  const members = Object.entries(p).filter(([name]) => name === prefix || (prefix.endsWith('-') && name.startsWith(prefix)));
  if (members.length === 0 || members.every(([, f]) => f.peak_rss_mb === 0)) return '-';
  const cpu = members.reduce((a, [, f]) => a + f.cpu_pct, 0);
  const rss = Math.max(...members.map(([, f]) => f.peak_rss_mb));
  return `${Math.round(cpu)} (${Math.round(rss)})`;
}

function columns(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const width = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]!))).join('  ')).join('\n');
}

/** Writes the logs of a run (file name → text) into `dir`, for a person to read after the run. */
export function keepLogs(dir: string, logs: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(logs)) writeFileSync(join(dir, name), text);
}
