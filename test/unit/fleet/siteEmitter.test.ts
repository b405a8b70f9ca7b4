import { describe, expect, it } from 'vitest';
import { SiteEmitter, TYPICAL_SITE } from '../../../scripts/fleet/emitter.js';
import type { Alert } from '../../../src/types.js';

// The fleet simulation's site: a seeded schedule, the same on every run, at the rates it claims.

/** Everything a site emits over `hours` of simulated time, asked for once a simulated second. */
function run(seed: number, hours: number): Alert[] {
  const e = new SiteEmitter('gw-t', seed, TYPICAL_SITE, 0);
  const out: Alert[] = [];
  for (let t = 1000; t <= hours * 3_600_000; t += 1000) out.push(...e.due(t));
  return out;
}

describe('SiteEmitter', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const shape = (a: Alert) => `${a.id} ${a.cameraId} ${a.kind} ${a.ts}`;
    expect(run(7, 2).map(shape)).toEqual(run(7, 2).map(shape));
    expect(run(8, 2).map(shape)).not.toEqual(run(7, 2).map(shape));
  });

  it('raises about one alert per camera every 30-60 s, bursts of 20-50, and a count a minute per counting camera', () => {
    const hours = 10;
    const rows = run(3, hours);
    const counts = rows.filter((a) => a.class === 'count');
    const alerts = rows.filter((a) => a.class === 'alert');
    expect(counts.length).toBeGreaterThanOrEqual(TYPICAL_SITE.countCameras * 60 * hours - TYPICAL_SITE.countCameras);
    expect(counts.length).toBeLessThanOrEqual(TYPICAL_SITE.countCameras * 60 * hours);
    const bursts = alerts.filter((a) => a.kind === 'congestion');
    // Poisson, mean one per 600 s: 60 expected in 10 hours.
    expect(bursts.length).toBeGreaterThan(35);
    expect(bursts.length).toBeLessThan(90);
    // A burst is one congestion start and its crossings: 35 alerts on average.
    const plain = alerts.length - bursts.length * 35;
    // 12 cameras, each at a mean interval between 30 and 60 s: 720 to 1 440 an hour.
    expect(plain / hours).toBeGreaterThan(12 * 60);
    expect(plain / hours).toBeLessThan(12 * 120);
    expect(new Set(rows.map((a) => a.id)).size).toBe(rows.length);
  });
});
