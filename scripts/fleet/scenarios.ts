import type { Entry } from './ledger.js';
import type { FleetLayout } from './layout.js';
import type { FleetOptions, ScenarioName } from './options.js';
import type { Topology } from './topology.js';

// What each scenario does to the running fleet. Each returns what happened when, and which
// gateways it cut off, so that the figures can say how long their backlog took to reach the store.

export interface Outage {
  /** Gateway indexes cut off from the centre (directly or behind the broken part). */
  gateways: number[];
  startTs: number;
  /** When the broken part was back (line restored, broker or instance started again). */
  restoreTs: number;
  /** False when the backlog had not reached the store within settle_max_s. */
  settled: boolean;
  /**
   * When no gateway's outbox held a row from before the restore any more: rows whose ack was lost
   * go again after the e2e ack timeout, and their copies arrive until then. Undefined: not within settle_max_s.
   */
  clearedTs?: number;
}

export interface BacklogRun {
  gateway: number;
  /** When the gateway with the full outbox began connecting. */
  connectTs: number;
  /** False when the backlog had not reached the store within settle_max_s. */
  settled: boolean;
}

export interface ScenarioResult {
  outage?: Outage;
  backlog?: BacklogRun;
}

export interface ScenarioContext {
  o: FleetOptions;
  layout: FleetLayout;
  topology: Topology;
  /** Waits until no pending ledger entry matches, at most `maxMs`; false on timeout. */
  settle(match: (e: Entry) => boolean, maxMs: number): Promise<boolean>;
  /** Waits until no gateway's outbox holds a row stored before `ts` (all acked), at most `maxMs`; resolves with when, or undefined. */
  outboxesClear(ts: number, maxMs: number): Promise<number | undefined>;
  /** Starts the backlog gateway (prefilled outbox, live site); resolves when it begins connecting. */
  startBacklogGateway(): Promise<{ gateway: number; connectTs: number; stop: () => Promise<void> }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runScenario(name: ScenarioName, c: ScenarioContext): Promise<ScenarioResult> {
  switch (name) {
    case 'steady':
      await sleep(c.o.steadyS * 1000);
      return {};
    case 'commune-cut': {
      const proxy = c.topology.communes[0]!.proxy;
      return outage(c, gatewaysWhere(c, (communeIndex) => communeIndex === 0), () => proxy.cut(), c.o.cutS, () => proxy.restore());
    }
    case 'city-kill': {
      const city = c.topology.cities[0]!;
      const under = gatewaysWhere(c, (communeIndex) => c.layout.communes[communeIndex]!.city === 0);
      return outage(c, under, () => city.stop('SIGKILL'), c.o.cityDownS, () => city.start());
    }
    case 'central-kill': {
      const centrals = c.topology.centrals;
      return outage(c, c.layout.gateways.map((_, i) => i), () => centrals.kill(0), c.o.centralDownS, () => centrals.restart(0));
    }
    case 'backlog':
      return { backlog: await backlog(c) };
  }
}

function gatewaysWhere(c: ScenarioContext, match: (communeIndex: number) => boolean): number[] {
  return c.layout.gateways.flatMap((g, i) => (match(g.communeIndex) ? [i] : []));
}

async function outage(c: ScenarioContext, gateways: number[], breakIt: () => Promise<void>, downS: number, restore: () => Promise<void>): Promise<ScenarioResult> {
  const startTs = Date.now();
  await breakIt();
  await sleep(downS * 1000);
  await restore();
  const restoreTs = Date.now();
  // Rows reach the ledger a moment after they are emitted: let those of the outage arrive.
  await sleep(1000);
  const affected = new Set(gateways);
  const deadline = Date.now() + c.o.settleMaxS * 1000;
  const settled = await c.settle((e) => affected.has(e.gw) && e.ts <= restoreTs, deadline - Date.now());
  const clearedTs = await c.outboxesClear(restoreTs, deadline - Date.now());
  return { outage: { gateways, startTs, restoreTs, settled, ...(clearedTs !== undefined ? { clearedTs } : {}) } };
}

async function backlog(c: ScenarioContext): Promise<BacklogRun> {
  const g = await c.startBacklogGateway();
  try {
    await sleep(1000);
    const settled = await c.settle((e) => e.gw === g.gateway && e.ts <= g.connectTs, c.o.settleMaxS * 1000);
    // A little more live traffic after the drain, to compare with.
    await sleep(5000);
    return { gateway: g.gateway, connectTs: g.connectTs, settled };
  } finally {
    await g.stop();
  }
}
