import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { DEFAULT_CERT_CACHE } from './certs.js';
import { TYPICAL_SITE, type SiteProfile } from './emitter.js';

// The simulation's settings, their defaults, and the command line that sets them.

export const SCENARIOS = ['steady', 'commune-cut', 'city-kill', 'central-kill', 'backlog'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface FleetOptions {
  /** Fleet sizes G, one full run each. */
  gateways: number[];
  /** Commune brokers; 0: one per 25 gateways, at least 2. */
  communes: number;
  cities: 1 | 2;
  /** Centre instances K. */
  centrals: number;
  scenarios: ScenarioName[];
  /** Each gateway process starts its gateways one by one over this time (spreads their health timers). */
  startSpreadS: number;
  /** Warm-up before the first scenario (connections, retained messages, first health). */
  warmupS: number;
  steadyS: number;
  /** How long the commune line stays cut. */
  cutS: number;
  /** How long the city broker stays down before it is started again. */
  cityDownS: number;
  /** How long the killed centre instance stays down before it is started again. */
  centralDownS: number;
  /** Outage the backlog gateway's outbox holds, seconds of a busy site's alerts. */
  backlogS: number;
  /** mqtt.e2e_ack.timeout_s of the gateways: rows not acked by then are sent again. */
  e2eTimeoutS: number;
  healthIntervalS: number;
  /** Longest wait for a backlog to reach the store (after an outage, at the end). */
  settleMaxS: number;
  /** Gateways per host process. */
  gatewaysPerProcess: number;
  /** An ordinary site, the backlog gateway's site during its hour offline, and while it drains. */
  site: SiteProfile;
  busySite: SiteProfile;
  liveSite: SiteProfile;
  seed: number;
  certCache: string;
  /** Where the gateways' outboxes go (tmpfs: 500 gateways would share one disk's fsyncs here, not on their own boards). */
  outboxRoot: string;
  /** When set, the brokers', centre instances' and gateway hosts' logs are written here at the end of each run. */
  logDir?: string;
  /** Progress lines (stderr by default). */
  log: (line: string) => void;
}

/** A busy site: five alerts a minute per camera (an hour of it is about 4 000 rows with the count summaries). */
const BUSY_SITE: SiteProfile = { ...TYPICAL_SITE, meanIntervalS: [12, 12], burstEveryS: 300 };
/** While it drains, the backlog gateway raises about five alerts a second: enough samples for p95. */
const LIVE_SITE: SiteProfile = { ...TYPICAL_SITE, meanIntervalS: [2.4, 2.4], burstEveryS: 0 };

export function defaultOptions(): FleetOptions {
  return {
    gateways: [50, 200, 500],
    communes: 0,
    cities: 2,
    centrals: 2,
    scenarios: [...SCENARIOS],
    startSpreadS: 60,
    warmupS: 15,
    steadyS: 120,
    cutS: 180,
    cityDownS: 30,
    centralDownS: 30,
    backlogS: 3600,
    e2eTimeoutS: 60,
    healthIntervalS: 60,
    settleMaxS: 300,
    gatewaysPerProcess: 100,
    site: TYPICAL_SITE,
    busySite: BUSY_SITE,
    liveSite: LIVE_SITE,
    seed: 1,
    certCache: DEFAULT_CERT_CACHE,
    outboxRoot: existsSync('/dev/shm') ? '/dev/shm' : tmpdir(),
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

export function communesFor(o: FleetOptions, g: number): number {
  return o.communes > 0 ? o.communes : Math.max(2, Math.ceil(g / 25));
}

const NUMBER_FLAGS: Record<string, keyof FleetOptions> = {
  '--communes': 'communes',
  '--centrals': 'centrals',
  '--start-spread-s': 'startSpreadS',
  '--warmup-s': 'warmupS',
  '--steady-s': 'steadyS',
  '--cut-s': 'cutS',
  '--city-down-s': 'cityDownS',
  '--central-down-s': 'centralDownS',
  '--backlog-s': 'backlogS',
  '--e2e-timeout-s': 'e2eTimeoutS',
  '--health-interval-s': 'healthIntervalS',
  '--settle-max-s': 'settleMaxS',
  '--gateways-per-process': 'gatewaysPerProcess',
  '--seed': 'seed',
};

export const USAGE = `Usage: scripts/fleet-sim [--gateways 50,200,500] [--communes C] [--cities 1|2] [--centrals K]
  [--scenarios ${SCENARIOS.join(',')}] [--json]
  [--start-spread-s 60] [--warmup-s 15] [--steady-s 120] [--cut-s 180] [--city-down-s 30] [--central-down-s 30] [--backlog-s 3600]
  [--e2e-timeout-s 60] [--health-interval-s 60] [--settle-max-s 300] [--gateways-per-process 100] [--seed 1]
  [--certs DIR] [--outbox-root DIR] [--logs DIR]`;

/** Parses the command line over the defaults; throws with the offending flag. */
export function parseOptions(args: string[]): { options: FleetOptions; json: boolean } {
  const o = defaultOptions();
  let json = false;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const numbers = () => value().split(',').map((v) => positive(flag, v));
    if (flag === '--json') json = true;
    else if (flag === '--gateways') o.gateways = numbers();
    else if (flag === '--cities') o.cities = oneOf(flag, positive(flag, value()), [1, 2]);
    else if (flag === '--scenarios') o.scenarios = value().split(',').map((s) => oneOf(flag, s, SCENARIOS));
    else if (flag === '--certs') o.certCache = value();
    else if (flag === '--outbox-root') o.outboxRoot = value();
    else if (flag === '--logs') o.logDir = value();
    else if (NUMBER_FLAGS[flag]) (o as unknown as Record<string, number>)[NUMBER_FLAGS[flag]] = positive(flag, value());
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return { options: o, json };
}

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag}: "${v}" is not a whole number`);
  return n;
}

function oneOf<T>(flag: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new Error(`${flag}: "${String(v)}" is not one of ${allowed.join(', ')}`);
  return v as T;
}
