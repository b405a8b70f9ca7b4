import { describe, expect, it } from 'vitest';
import { det, run, stage } from './helpers.js';

const JUNCTION = { name: 'junction', polygon: [[0, 0.5], [1, 0.5], [1, 1], [0, 1]] };
const tracker = { minHits: 2, maxAgeS: 1 };
const car = (fx: number, fy: number) => det('car', fx - 50, fy - 60, 100, 60);

describe('congestion', () => {
  const rules = [{ name: 'jam', kind: 'congestion', zone: 'junction', minCount: 3, durationS: 60, clearS: 30, cooldownS: 0 }];

  it('starts after N vehicles stood in the zone for the duration, ends after it was clear for clear_s', () => {
    const { stage: s, alerts } = stage({ zones: [JUNCTION], rules, tracker });
    const jam = [car(200, 700), car(400, 700), car(600, 700), car(800, 700)];
    // 100 s of jam, one frame a second
    run(s, 0, 100, 1000, () => jam);
    // the cars drive off upwards out of the zone, 20 px a frame, then the junction stays empty
    run(s, 100_000, 60, 1000, (i) => (i < 15 ? jam.map((d) => car(d.box.x1 + 50, 700 - (i + 1) * 20)) : []));
    expect(alerts.map((a) => [a.rule, a.kind, a.type, a.class, a.zone, a.ts])).toEqual([
      // confirmed at t=1 s, 60 s held
      ['jam', 'congestion', 'start', 'alert', 'junction', 61_000],
      // feet above y = 0.5 (out of the zone) from the 11th step, t=110 s; clear for 30 s
      ['jam', 'congestion', 'end', 'alert', 'junction', 140_000],
    ]);
    expect(alerts[0]!.data).toEqual({ count: 4, occupancy: 0.048, heldS: 60 });
    expect(alerts[1]!.data).toEqual({ startId: alerts[0]!.id, durationS: 79, maxCount: 4 });
  });

  it('does not flap when the count dips briefly, and ends on tick when frames stop', () => {
    const { stage: s, alerts } = stage({ zones: [JUNCTION], rules, tracker });
    // three cars, one of them missed by the detector every 10th frame
    const last = run(s, 0, 120, 1000, (i) => [car(200, 700), car(400, 700), ...(i % 10 === 9 ? [] : [car(600, 700)])]);
    expect(alerts.map((a) => a.type)).toEqual(['start']);
    // jam dissolves at once (all three gone), then the stream stops: tick ends it
    s.onFrame({ ...frameAt(last + 1000) }, []);
    s.onFrame({ ...frameAt(last + 3000) }, []);
    s.tick(last + 20_000);
    expect(alerts.map((a) => a.type)).toEqual(['start']);
    s.tick(last + 33_000);
    expect(alerts.map((a) => [a.type, a.ts])).toEqual([['start', 61_000], ['end', last + 33_000]]);
  });
});

describe('crowding', () => {
  it('uses the occupancy ratio of the zone and counts persons only', () => {
    const square = { name: 'square', polygon: [[0, 0], [0.4, 0], [0.4, 0.4], [0, 0.4]] };
    const { stage: s, alerts } = stage({
      zones: [square],
      rules: [{ name: 'crowd', kind: 'crowding', zone: 'square', minCount: 50, minOccupancy: 0.3, durationS: 10, clearS: 10, cooldownS: 0 }],
      tracker,
    });
    // five 100×100 persons cover 5·0.01 / 0.16 = 31 % of the zone; a bus beside them does not count
    const crowd = [0, 1, 2, 3, 4].map((k) => det('person', 20 + k * 70, 100 + (k % 2) * 150, 100, 100));
    run(s, 0, 30, 1000, () => [...crowd, det('bus', 0, 250, 380, 140)]);
    expect(alerts.map((a) => [a.kind, a.type, a.ts, a.data?.['count']])).toEqual([['crowding', 'start', 11_000, 5]]);
  });
});

function frameAt(ts: number) {
  return { cameraId: 'cam-1', seq: 0, ts, ptsMs: ts, sourceWidth: 1000, sourceHeight: 1000, data: Buffer.alloc(0), width: 0, height: 0 };
}
