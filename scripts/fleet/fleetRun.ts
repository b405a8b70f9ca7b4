import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MachineLoad, ProcessSampler } from '../processSampler.js';
import { fleetCerts, type FleetCerts } from './certs.js';
import type { CentralCounters } from './centrals.js';
import { scenarioFigures, type ScenarioFigures, type WindowRecord } from './figures.js';
import { GatewayFleet } from './gatewayFleet.js';
import type { GatewaySpec, HostStart } from './hostProtocol.js';
import { writeKeys, type FleetKeys } from './fleetKeys.js';
import { fleetLayout, type FleetLayout, type GatewaySpot } from './layout.js';
import { Ledger, type Entry } from './ledger.js';
import { communesFor, type FleetOptions } from './options.js';
import { runScenario, type ScenarioContext } from './scenarios.js';
import { keepLogs } from './report.js';
import { openStoreReader, type StoreReader } from './storeReader.js';
import { Topology } from './topology.js';

// One fleet of G gateways from start to end: certificates, brokers, the centre, the gateway hosts,
// the scenarios in turn, a final settle, one full read of the store, figures.

export interface FleetRunFigures {
  gateways: number;
  communes: number;
  cities: number;
  centrals: number;
  /** "postgres" (one database for every instance) or "sqlite-each" (no PostgreSQL on this machine). */
  store: string;
  gateway_processes: number;
  e2e_timeout_s: number;
  scenarios: ScenarioFigures[];
  totals: {
    emitted: number;
    stored: number;
    lost: number;
    duplicates: number;
    shed: number;
    /** Rows in the store: one per alert id, however many copies arrived. */
    store_rows: number;
    /** Ids held by two stores (one SQLite file per instance only); 0 with one shared store. */
    stored_twice: number;
    /** Rows in the store that no simulated site emitted. */
    strangers: number;
    /** True when everything emitted was stored within settle_max_s after the last scenario. */
    settled: boolean;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POLL_MS = 2000;

export async function runFleetOnce(o: FleetOptions, g: number): Promise<FleetRunFigures> {
  const layout = fleetLayout(g, communesFor(o, g), Math.min(o.cities, communesFor(o, g)));
  const dir = mkdtempSync(join(tmpdir(), 'fleet-'));
  chmodSync(dir, 0o755);
  const outboxDir = mkdtempSync(join(o.outboxRoot, 'fleet-outbox-'));
  const progress = (line: string) => o.log(`fleet G=${g}: ${line}`);
  let topology: Topology | undefined;
  let reader: StoreReader | undefined;
  const ledger = new Ledger();
  const fleet = new GatewayFleet(ledger);
  let cleaned: Promise<void> | undefined;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await fleet.stop().catch(() => undefined);
      if (o.logDir && topology) keepLogs(join(o.logDir, `G${g}`), { ...topology.logs(), 'gateway-hosts.log': fleet.logs() });
      await topology?.stop().catch(() => undefined);
      await reader?.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      rmSync(outboxDir, { recursive: true, force: true });
    })());
  running.add(cleanup);
  try {
    progress(`certificates (cache ${o.certCache})`);
    const certs = fleetCerts(o.certCache, dir, layout);
    const keys = writeKeys(dir, layout);
    progress(`${layout.communes.length} commune, ${layout.provinces.length} city and 1 ministry brokers, ${o.centrals} centre instances`);
    topology = await Topology.start({ dir, layout, certs, centrals: o.centrals, keysFile: keys.keysFile, centreKeyFile: keys.centreKeyFile });
    reader = openStoreReader(topology.store);
    const run = new Run(o, layout, certs, keys, topology, reader, ledger, fleet, outboxDir);
    return await run.go(progress);
  } catch (err) {
    o.log(`fleet G=${g} failed; last output:\n${fleet.logs().slice(-6000)}\n${topology?.centrals?.logs().slice(-6000) ?? ''}`);
    throw err;
  } finally {
    await cleanup();
    running.delete(cleanup);
  }
}

/** Tears down every fleet still running (brokers, PostgreSQL, centre instances, gateway hosts): for a signal handler. */
export async function stopRunningFleets(): Promise<void> {
  await Promise.all([...running].map((c) => c()));
}

const running = new Set<() => Promise<void>>();

/** The running part of one fleet: loops that sample and poll, and the scenarios. */
class Run {
  private readonly sampler = new ProcessSampler();
  private readonly machine = new MachineLoad();
  private backlogFleet: GatewayFleet | undefined;
  private stopped = false;

  constructor(
    private readonly o: FleetOptions,
    private readonly layout: FleetLayout,
    private readonly certs: FleetCerts,
    private readonly keys: FleetKeys,
    private readonly topology: Topology,
    private readonly reader: StoreReader,
    private readonly ledger: Ledger,
    private readonly fleet: GatewayFleet,
    private readonly outboxDir: string,
  ) {}

  async go(progress: (line: string) => void): Promise<FleetRunFigures> {
    const o = this.o;
    const specs = this.layout.gateways.map((s, i) => this.spec(s, i));
    const groups = Array.from({ length: Math.ceil(specs.length / o.gatewaysPerProcess) }, (_, i) => specs.slice(i * o.gatewaysPerProcess, (i + 1) * o.gatewaysPerProcess));
    progress(`${specs.length} gateways in ${groups.length} processes`);
    await this.fleet.start(groups, this.common());
    await this.until(() => this.fleet.connected() === specs.length, 'every gateway connected', 180_000);
    this.topology.track(this.sampler);
    this.sampler.track('gateways', () => this.fleet.pids());
    this.sampler.track('backlog-gateway', () => this.backlogFleet?.pids() ?? []);
    this.sampler.track('sim', () => [process.pid], false);
    const loops = [this.loop(1000, () => this.sampler.sample()), this.loop(POLL_MS, () => this.poll())];
    try {
      this.fleet.emit(true);
      await sleep(o.warmupS * 1000);
      const windows: WindowRecord[] = [];
      for (const name of o.scenarios) {
        progress(name);
        const w = await this.window(name);
        windows.push(w);
        progress(`${name} done in ${Math.round((w.endTs - w.startTs) / 1000)} s; ${this.pendingNote()}`);
      }
      this.fleet.emit(false);
      progress('settling');
      const settled = await this.settle(() => true, o.settleMaxS * 1000);
      progress(`settled: ${settled}; ${this.pendingNote()}`);
      return await this.figures(windows, groups.length, settled);
    } finally {
      this.stopped = true;
      await Promise.all(loops);
    }
  }

  private async window(name: WindowRecord['scenario']): Promise<WindowRecord> {
    const centrals = this.topology.centrals;
    await centrals.poll();
    const before = centrals.totals();
    this.sampler.mark();
    this.machine.busyPct();
    this.fleet.takeFigures();
    const startTs = Date.now();
    const result = await runScenario(name, this.context());
    await centrals.poll();
    const counters = minus(centrals.totals(), before);
    return { scenario: name, startTs, endTs: Date.now(), result, counters, processes: this.sampler.figures(), hosts: this.fleet.takeFigures(), machinePct: this.machine.busyPct() };
  }

  private context(): ScenarioContext {
    return {
      o: this.o,
      layout: this.layout,
      topology: this.topology,
      settle: (match, maxMs) => this.settle(match, maxMs),
      outboxesClear: async (ts, maxMs) => {
        const deadline = Date.now() + maxMs;
        while (!this.fleet.clearSince(ts)) {
          this.fleet.check();
          if (Date.now() > deadline) return undefined;
          await sleep(500);
        }
        return Date.now();
      },
      startBacklogGateway: async () => {
        const index = this.layout.gateways.length;
        const bf = (this.backlogFleet = new GatewayFleet(this.ledger));
        const connectTs = await bf.start([[this.spec(this.layout.backlog, index)]], { ...this.common(), profile: this.o.liveSite, backlog: { seconds: this.o.backlogS, busy: this.o.busySite } });
        bf.emit(true);
        return { gateway: index, connectTs, stop: () => bf.stop() };
      },
    };
  }

  private async figures(windows: WindowRecord[], processes: number, settled: boolean): Promise<FleetRunFigures> {
    const { rows, storedTwice } = await this.reader.all();
    const strangers = this.ledger.confirm(rows).length;
    const scenarios = windows.map((w) => scenarioFigures(w, this.ledger));
    const all = this.ledger.select(() => true);
    const stored = all.filter((e) => e.rx >= 0).length;
    const counters = this.topology.centrals.totals();
    return {
      gateways: this.layout.gateways.length,
      communes: this.layout.communes.length,
      cities: this.layout.provinces.length,
      centrals: this.topology.centrals.count,
      store: 'postgres' in this.topology.store ? 'postgres' : 'sqlite-each',
      gateway_processes: processes,
      e2e_timeout_s: this.o.e2eTimeoutS,
      scenarios,
      totals: { emitted: all.length, stored, lost: all.length - stored, duplicates: counters.duplicates, shed: counters.shed, store_rows: rows.length, stored_twice: storedTwice, strangers, settled },
    };
  }

  private spec(s: GatewaySpot, index: number): GatewaySpec {
    const cert = this.certs.gateway.get(s.id)!;
    const url = `mqtts://127.0.0.1:${this.topology.communes[s.communeIndex]!.broker.port}`;
    return { id: s.id, province: s.province, commune: s.commune, index, url, cert, keyPem: this.keys.gatewayPem.get(s.id)!, seed: this.o.seed * 100_003 + index };
  }

  private common(): Omit<HostStart, 'op' | 'gateways'> {
    const o = this.o;
    return { dir: this.outboxDir, ca: this.certs.ca, centreKey: this.keys.centrePublic, e2eTimeoutS: o.e2eTimeoutS, healthIntervalS: o.healthIntervalS, profile: o.site, startSpreadS: o.startSpreadS };
  }

  /** Asks the store about every id still pending; also the centre's counters. */
  private async poll(): Promise<void> {
    this.ledger.confirm(await this.reader.lookup(this.ledger.pendingIds()));
    await this.topology.centrals.poll();
  }

  /** How many emitted rows the store does not have yet, and the oldest of them (for the progress lines). */
  private pendingNote(): string {
    const ids = this.ledger.pendingIds();
    const oldest = this.ledger.select((e) => e.rx < 0).sort((a, b) => a.ts - b.ts)[0];
    const where = oldest ? `, oldest ${oldest.id} from ${Math.round((Date.now() - oldest.ts) / 1000)} s ago` : '';
    return `${ids.length} rows not stored yet${where}`;
  }

  private async settle(match: (e: Entry) => boolean, maxMs: number): Promise<boolean> {
    const deadline = Date.now() + maxMs;
    while (this.ledger.countPending(match) > 0) {
      this.fleet.check();
      this.backlogFleet?.check();
      if (Date.now() > deadline) return false;
      await sleep(500);
    }
    return true;
  }

  private async until(cond: () => boolean, what: string, maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (!cond()) {
      this.fleet.check();
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  }

  private async loop(ms: number, fn: () => void | Promise<void>): Promise<void> {
    while (!this.stopped) {
      try {
        await fn();
      } catch (err) {
        this.o.log(`fleet: ${(err as Error).message}`);
      }
      await sleep(ms);
    }
  }
}

function minus(a: CentralCounters, b: CentralCounters): CentralCounters {
  return { received: a.received - b.received, stored: a.stored - b.stored, duplicates: a.duplicates - b.duplicates, shed: a.shed - b.shed, failedCommits: a.failedCommits - b.failedCommits };
}
