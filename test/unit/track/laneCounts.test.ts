import { describe, expect, it } from 'vitest';
import { checkEvents } from '../../../src/config/eventsSchema.js';
import type { Alert } from '../../../src/types.js';
import { det, eventsConfig, run, stage } from './helpers.js';

// A road across the picture at y = 0.5, two lanes: west (x < 0.5) and east; traffic goes down
// (left_to_right standing at a, the left edge, looking towards b).
const ROAD = { name: 'road', a: [0, 0.5], b: [1, 0.5], lanes: [0.5], laneNames: ['west', 'east'], countIntervalS: 60 };
const tracker = { minHits: 3, maxAgeS: 1 };
const RULES = [{ name: 'crossing', kind: 'line_crossing', line: 'road', cooldownS: 0, minScore: 0 }];

/** A car 100×60 px whose foot (bottom-centre) is at (fx, fy), in the 1000×1000 test picture. */
const car = (fx: number, fy: number, label = 'car') => det(label, fx - 50, fy - 60, 100, 60);
const crossings = (alerts: Alert[]) => alerts.filter((a) => a.kind === 'line_crossing').map((a) => [a.trackId, a.label, a.data]);

describe('counts by lane and class, with flow and speed', () => {
  it('counts each lane separately in the alerts, the totals and the count message', () => {
    const { stage: s, alerts } = stage({ lines: [ROAD], rules: RULES, tracker });
    // west: a car at 20 px per 100 ms and a truck at 40; east: a car at 30 (pixels per frame)
    const last = run(s, 0, 40, 100, (i) => [car(250, 200 + i * 20), car(350, 100 + i * 40, 'truck'), car(750, 150 + i * 30)]);
    expect(crossings(alerts)).toEqual([
      [2, 'truck', { direction: 'left_to_right', allowed: 'both', lane: 'west', speedPxS: 400 }],
      [3, 'car', { direction: 'left_to_right', allowed: 'both', lane: 'east', speedPxS: 300 }],
      [1, 'car', { direction: 'left_to_right', allowed: 'both', lane: 'west', speedPxS: 200 }],
    ]);
    expect(s.stats().countsByLine).toEqual({
      road: {
        car: { leftToRight: 2, rightToLeft: 0, lanes: { west: { leftToRight: 1, rightToLeft: 0 }, east: { leftToRight: 1, rightToLeft: 0 } } },
        truck: { leftToRight: 1, rightToLeft: 0, lanes: { west: { leftToRight: 1, rightToLeft: 0 } } },
      },
    });
    s.tick(last + 100);
    s.tick(60_000);
    const counts = alerts.filter((a) => a.kind === 'count');
    expect(counts.map((a) => a.data)).toEqual([
      {
        fromTs: 0, intervalS: 60, partial: false,
        car_left_to_right: 2, car_right_to_left: 0, truck_left_to_right: 1, truck_right_to_left: 0,
        total: 3, flowPerMin: 3, speedPxS: 300,
        west_total: 2, west_flow_per_min: 2, west_speed_px_s: 300,
        west_truck_left_to_right: 1, west_truck_right_to_left: 0, west_car_left_to_right: 1, west_car_right_to_left: 0,
        east_total: 1, east_flow_per_min: 1, east_speed_px_s: 300, east_car_left_to_right: 1, east_car_right_to_left: 0,
      },
    ]);
  });

  it('names lanes lane_1, lane_2, ... by default, and reports every lane even when empty', () => {
    const { stage: s, alerts } = stage({ lines: [{ ...ROAD, lanes: [0.3, 0.6], laneNames: [] }], rules: RULES, tracker });
    run(s, 0, 30, 100, (i) => [car(500, 200 + i * 30)]);
    s.stop();
    expect(crossings(alerts).map((c) => (c[2] as Record<string, unknown>)['lane'])).toEqual(['lane_2']);
    const data = alerts.find((a) => a.kind === 'count')!.data!;
    expect([data['lane_1_total'], data['lane_2_total'], data['lane_3_total']]).toEqual([0, 1, 0]);
    expect(data['lane_2_flow_per_min']).toBeCloseTo(60 / 2.9, 2);
  });

  it('reports a named line without cut points as one lane, and a line without names or cuts without lanes', () => {
    const named = stage({ lines: [{ ...ROAD, lanes: [], laneNames: ['ramp'] }], rules: RULES, tracker });
    run(named.stage, 0, 30, 100, (i) => [car(500, 200 + i * 30)]);
    named.stage.stop();
    expect(crossings(named.alerts).map((c) => (c[2] as Record<string, unknown>)['lane'])).toEqual(['ramp']);
    expect(named.alerts.find((a) => a.kind === 'count')!.data).toMatchObject({ total: 1, ramp_total: 1, ramp_car_left_to_right: 1 });
    const plain = stage({ lines: [{ ...ROAD, lanes: [], laneNames: [] }], rules: RULES, tracker });
    run(plain.stage, 0, 30, 100, (i) => [car(500, 200 + i * 30)]);
    expect(plain.stage.stats().countsByLine).toEqual({ road: { car: { leftToRight: 1, rightToLeft: 0 } } });
    expect(crossings(plain.alerts).map((c) => Object.keys(c[2] as object))).toEqual([['direction', 'allowed', 'speedPxS']]);
  });

  it('counts a car that crosses while its track is still being confirmed', () => {
    const { stage: s, alerts } = stage({ lines: [ROAD], rules: RULES, tracker: { minHits: 3, maxAgeS: 1 } });
    // first detected 30 px above the line, past it by the second frame, confirmed on the third
    run(s, 0, 10, 100, (i) => [car(250, 470 + i * 40)]);
    expect(crossings(alerts)).toEqual([[1, 'car', { direction: 'left_to_right', allowed: 'both', lane: 'west', speedPxS: 400 }]]);
  });

  it('rejects lane cut points out of order and a wrong number of lane names', () => {
    const cfg = eventsConfig({ lines: [{ ...ROAD, lanes: [0.6, 0.3], laneNames: ['a', 'b'] }] });
    expect(checkEvents(cfg, 'cameras[0].events')).toEqual([
      'cameras[0].events.lines[0].lanes: cut points must increase from a to b',
      'cameras[0].events.lines[0].lane_names: 2 cut points make 3 lanes, but 2 names are given',
    ]);
  });
});
