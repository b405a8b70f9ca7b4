import { describe, expect, it } from 'vitest';
import { brief, det, run, stage } from './helpers.js';

// Lane 2 runs across the picture at y = 0.5; traffic may only go downwards (top to bottom), which
// is left_to_right as seen standing at a (left edge) looking towards b (right edge).
const LANE2 = { name: 'lane2', a: [0, 0.5], b: [1, 0.5], direction: 'left_to_right', classes: ['car', 'truck', 'bus'], countIntervalS: 60 };
const tracker = { minHits: 2, maxAgeS: 1 };

/** A car 100×60 px whose foot (bottom-centre) is at (fx, fy). */
const car = (fx: number, fy: number) => det('car', fx - 50, fy - 60, 100, 60);
const person = (fx: number, fy: number) => det('person', fx - 20, fy - 100, 40, 100);

describe('line crossing, wrong way and counts', () => {
  it('raises wrong_way for a car against the direction, counts both cars, not the person', () => {
    const { stage: s, alerts } = stage({
      lines: [LANE2],
      rules: [{ name: 'wrong_way_lane2', kind: 'wrong_way', line: 'lane2', cooldownS: 0 }],
      tracker,
    });
    // car 1 drives down (allowed), car 2 drives up (wrong way), a person walks down: 30 px per 100 ms
    const last = run(s, 0, 30, 100, (i) => [car(200, 100 + i * 30), car(700, 900 - i * 30), person(450, 150 + i * 30)]);
    expect(alerts.map(brief)).toEqual([
      { rule: 'wrong_way_lane2', kind: 'wrong_way', type: 'instant', class: 'alert', trackId: 2, label: 'car', zone: undefined, line: 'lane2' },
    ]);
    expect(alerts[0]!.data).toMatchObject({ direction: 'right_to_left', allowed: 'left_to_right' });
    expect(s.stats().countsByLine).toEqual({ lane2: { car: { leftToRight: 1, rightToLeft: 1 } } });
    // the count summary closes on time: at t0 + 60 s, with the flow (2 cars in a minute) and the mean
    // speed (30 px per 100 ms)
    s.tick(last + 1000);
    expect(alerts).toHaveLength(1);
    s.tick(60_000);
    expect(alerts.slice(1).map((a) => [a.rule, a.kind, a.class, a.line, a.ts, a.data])).toEqual([
      ['lane2', 'count', 'count', 'lane2', 60_000, { fromTs: 0, intervalS: 60, partial: false, car_left_to_right: 1, car_right_to_left: 1, total: 2, flowPerMin: 2, speedPxS: 300 }],
    ]);
    // next interval: empty, and stop() flushes the partial one
    s.tick(130_000);
    s.stop();
    s.stop();
    expect(alerts.slice(2).map((a) => a.data)).toEqual([
      { fromTs: 60_000, intervalS: 60, partial: false, total: 0, flowPerMin: 0 },
      { fromTs: 120_000, intervalS: 10, partial: true, total: 0, flowPerMin: 0 },
    ]);
  });

  it('does not count a car whose box jitters on the line, nor one that turns before reaching the line segment', () => {
    const { stage: s, alerts } = stage({ lines: [{ ...LANE2, a: [0, 0.5], b: [0.5, 0.5] }], rules: [], tracker });
    run(s, 0, 40, 100, (i) => [car(200, 500 + (i % 2 ? 4 : -4)), car(800, 100 + i * 25)]);
    expect(s.stats().countsByLine).toEqual({ lane2: {} });
    expect(alerts).toEqual([]);
  });

  it('counts an object once per direction; line_crossing alerts every crossing of its classes', () => {
    const { stage: s, alerts } = stage({
      lines: [{ ...LANE2, direction: 'both', classes: [] }],
      rules: [{ name: 'fence', kind: 'line_crossing', line: 'lane2', classes: ['person'], cooldownS: 0 }],
      tracker,
    });
    // a person walks down across the line, back up, and down again
    const y = (i: number) => (i < 20 ? 300 + i * 20 : i < 40 ? 700 - (i - 20) * 20 : 300 + (i - 40) * 20);
    run(s, 0, 60, 100, (i) => [person(400, y(i))]);
    expect(alerts.map((a) => [a.rule, a.kind, a.trackId, a.data?.['direction']])).toEqual([
      ['fence', 'line_crossing', 1, 'left_to_right'],
      ['fence', 'line_crossing', 1, 'right_to_left'],
    ]);
    expect(s.stats().countsByLine).toEqual({ lane2: { person: { leftToRight: 1, rightToLeft: 1 } } });
  });
});
