import { join } from 'node:path';
import { startTier } from '../../test/helpers/brokerTiers.js';
import type { Mosquitto } from '../../test/helpers/mosquitto.js';
import { postgresAvailable, startPostgres, type Postgres } from '../../test/helpers/postgres.js';
import type { ProcessSampler } from '../processSampler.js';
import type { FleetCerts } from './certs.js';
import { CentralSet } from './centrals.js';
import { SERVER_NAME, type FleetLayout } from './layout.js';
import { LinkProxy } from './linkProxy.js';
import type { StoreTarget } from './storeReader.js';

// The fleet's fixed part, all real processes on loopback: the ministry broker, one or two city
// brokers bridged to it, the commune brokers bridged to their city through a cuttable relay, all
// rendered from config/mosquitto with mutual TLS and the shipped ACL; PostgreSQL (when this machine
// can run it) and K `edge-agent central` instances on one shared subscription at the ministry.

export interface CommuneBroker {
  broker: Mosquitto;
  /** The commune → city line. */
  proxy: LinkProxy;
  city: number;
}

export interface TopologyOptions {
  dir: string;
  layout: FleetLayout;
  certs: FleetCerts;
  centrals: number;
  keysFile: string;
  centreKeyFile: string;
}

export class Topology {
  ministry!: Mosquitto;
  readonly cities: Mosquitto[] = [];
  readonly communes: CommuneBroker[] = [];
  pg: Postgres | undefined;
  store!: StoreTarget;
  centrals!: CentralSet;

  private constructor(private readonly o: TopologyOptions) {}

  static async start(o: TopologyOptions): Promise<Topology> {
    const t = new Topology(o);
    try {
      await t.startBrokers();
      await t.startCentre();
    } catch (err) {
      await t.stop();
      throw err;
    }
    return t;
  }

  /** Names every process for the sampler: brokers one by one, the centre instances, PostgreSQL. */
  track(sampler: ProcessSampler): void {
    const one = (p: number | undefined) => (p === undefined ? [] : [p]);
    sampler.track('ministry', () => one(this.ministry.pid()));
    this.cities.forEach((c, i) => sampler.track(`city-${i + 1}`, () => one(c.pid())));
    this.communes.forEach((c, i) => sampler.track(`commune-${i + 1}`, () => one(c.broker.pid())));
    for (let i = 0; i < this.centrals.count; i++) sampler.track(`central-${i + 1}`, () => this.centrals.pid(i));
    if (this.pg) sampler.track('postgres', () => one(this.pg?.pid()));
  }

  /** Every broker's log and the centre instances' output, by file name, for a person to read after a run. */
  logs(): Record<string, string> {
    const out: Record<string, string> = { 'ministry.log': this.ministry?.log() ?? '' };
    this.cities.forEach((c, i) => (out[`city-${i + 1}.log`] = c.log()));
    this.communes.forEach((c, i) => (out[`commune-${i + 1}.log`] = c.broker.log()));
    out['centrals.log'] = this.centrals?.logs() ?? '';
    return out;
  }

  async stop(): Promise<void> {
    await this.centrals?.stop().catch(() => undefined);
    for (const c of this.communes) {
      await c.proxy.stop();
      await c.broker.dispose();
    }
    for (const c of this.cities) await c.dispose();
    await this.ministry?.dispose();
    this.pg?.dispose();
  }

  private async startBrokers(): Promise<void> {
    const { certs, layout } = this.o;
    const tier = { certs: certs.brokerDir, server: `server.${SERVER_NAME}`, aclFile: certs.aclFile };
    this.ministry = await startTier({ ...tier, tier: 'ministry' });
    for (const p of layout.provinces) {
      const name = `city-${p}-to-ministry`;
      this.cities.push(await startTier({ ...tier, tier: 'city', bridge: { name, upstreamPort: this.ministry.port, cert: `bridge.${p}` } }));
      await until(() => this.ministry.log().includes(` as ${name} `), `the bridge ${name}`);
    }
    for (const c of layout.communes) {
      const proxy = new LinkProxy(this.cities[c.city]!.port);
      const name = `commune-${c.province}-${c.id}-to-city`;
      const broker = await startTier({ ...tier, tier: 'commune', bridge: { name, upstreamPort: await proxy.start(), cert: `bridge.${c.province}.${c.id}` } });
      this.communes.push({ broker, proxy, city: c.city });
      await until(() => this.cities[c.city]!.log().includes(` as ${name} `), `the bridge ${name}`);
    }
  }

  private async startCentre(): Promise<void> {
    const { dir, certs } = this.o;
    if (postgresAvailable) {
      this.pg = await startPostgres();
      const url = this.pg.createDatabase('fleet');
      this.store = { postgres: url };
    } else {
      this.store = { sqlite: Array.from({ length: this.o.centrals }, (_, i) => join(dir, `central-${i + 1}.db`)) };
    }
    const store = this.store;
    this.centrals = new CentralSet({
      dir,
      count: this.o.centrals,
      brokerUrl: `mqtts://127.0.0.1:${this.ministry.port}`,
      tls: { ca: certs.ca, cert: `${certs.centre}.pem`, key: `${certs.centre}.key` },
      keysFile: this.o.keysFile,
      centreKeyFile: this.o.centreKeyFile,
      store: (i) => ('postgres' in store ? { postgres: store.postgres } : { sqlite: store.sqlite[i]! }),
    });
    await this.centrals.start();
  }
}

async function until(cond: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
