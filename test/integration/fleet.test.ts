import { describe, expect, it } from 'vitest';
import { TYPICAL_SITE } from '../../scripts/fleet/emitter.js';
import { runFleet } from '../../scripts/fleetSim.js';

// A small fleet through the whole chain, as the fleet simulation runs it (scripts/fleet-sim): six
// gateways (the agent's real uplink and outbox, e2e acks on) behind two commune brokers, one city
// and the ministry (real Mosquittos, the shipped templates, mutual TLS and ACL), two centre
// instances (the built CLI) sharing one store. The commune line is cut, then a centre instance is
// killed. Needs the built dist/ (npm run build): the gateway hosts and centre instances run from it.
// No assertion on timings: the figures are for scripts/fleet-sim to print.

describe('fleet simulation, small fleet', () => {
  it('loses nothing through a commune cut and a killed centre instance; copies are counted, each alert stored once', async () => {
    const figures = await runFleet({
      gateways: [6],
      communes: 2,
      cities: 1,
      centrals: 2,
      scenarios: ['steady', 'commune-cut', 'central-kill'],
      startSpreadS: 2,
      warmupS: 3,
      steadyS: 15,
      cutS: 10,
      centralDownS: 5,
      // Rows sent into the cut line go again after 5 s: both copies reach the centre once it is back.
      e2eTimeoutS: 5,
      settleMaxS: 150,
      // Busier than a typical site, so that every window has alerts of every gateway.
      site: { ...TYPICAL_SITE, meanIntervalS: [5, 10] },
      log: () => undefined,
    });
    const run = figures.runs[0]!;
    expect(run.totals.settled).toBe(true);
    for (const s of run.scenarios) {
      expect(s.emitted, s.scenario).toBeGreaterThan(0);
      expect(s.lost, s.scenario).toBe(0);
      expect(s.stored, s.scenario).toBe(s.emitted);
    }
    const cut = run.scenarios.find((s) => s.scenario === 'commune-cut')!;
    expect(cut.outage?.gateways).toBe(3);
    expect(cut.outage?.settled).toBe(true);
    const t = run.totals;
    expect(t.lost).toBe(0);
    expect(t.stored).toBe(t.emitted);
    // Copies arrived (the centre counted them), yet the store holds one row per emitted id and nothing else.
    expect(t.duplicates).toBeGreaterThan(0);
    expect(t.store_rows).toBe(t.emitted);
    expect(t.strangers).toBe(0);
    expect(t.stored_twice).toBe(0);
  }, 400_000);
});
