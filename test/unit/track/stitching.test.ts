import { describe, expect, it } from 'vitest';
import { LineMonitor, type Crossing } from '../../../src/track/rules/lineMonitor.js';
import type { TrackView } from '../../../src/track/rules/rule.js';
import type { Alert, Box, Detection } from '../../../src/types.js';
import { det, eventsConfig, run, stage } from './helpers.js';

// A road across the picture at y = 0.5 (1000×1000 test picture), traffic going down.
const ROAD = { name: 'road', a: [0, 0.5], b: [1, 0.5], lanes: [0.5], laneNames: ['west', 'east'], countIntervalS: 0 };
const RULES = [{ name: 'crossing', kind: 'line_crossing', line: 'road', cooldownS: 0, minScore: 0 }];

/** A car whose foot (bottom-centre) is at (fx, fy); `h` its box height (width 100). */
const car = (fx: number, fy: number, h = 60, label = 'car'): Detection => det(label, fx - 50, fy - h, 100, h);
const crossings = (alerts: Alert[]) => alerts.filter((a) => a.kind === 'line_crossing').map((a) => [a.trackId, a.label, a.data]);
const counted = (s: ReturnType<typeof stage>['stage']) => s.stats().countsByLine['road'];

/**
 * A car driving down at 30 px per 100 ms whose detections stop 30 px before the line (frame 13) and
 * come back `gap` frames later; `after(i)` gives the detection it comes back as (frame i).
 */
function lostAtTheLine(gap: number, after: (i: number) => Detection[]): (i: number) => Detection[] {
  return (i) => (i <= 13 ? [car(300, 80 + i * 30)] : i < 14 + gap ? [] : after(i));
}

describe('track stitching across a counting line', () => {
  it('counts one crossing when a track lost before the line is continued by a new track after it', () => {
    // The tracker gives the track up after 0.3 s; the car comes back 0.6 s later past the line.
    const { stage: s, alerts } = stage({ lines: [ROAD], rules: RULES, tracker: { minHits: 3, maxAgeS: 0.3 } });
    run(s, 0, 30, 100, lostAtTheLine(6, (i) => [car(300, 80 + i * 30)]));
    expect(crossings(alerts)).toEqual([[2, 'car', { direction: 'left_to_right', allowed: 'both', lane: 'west', speedPxS: 300, stitched: true }]]);
    expect(counted(s)).toEqual({ car: { leftToRight: 1, rightToLeft: 0, lanes: { west: { leftToRight: 1, rightToLeft: 0 } } } });
  });

  it('joins car and truck tracks of one vehicle (labels the detector confuses), not a car and a person', () => {
    const truck = stage({ lines: [ROAD], rules: RULES, tracker: { minHits: 3, maxAgeS: 0.3 } });
    run(truck.stage, 0, 30, 100, lostAtTheLine(6, (i) => [car(300, 80 + i * 30, 60, 'truck')]));
    expect(crossings(truck.alerts).map((c) => c[1])).toEqual(['truck']);
    const person = stage({ lines: [ROAD], rules: RULES, tracker: { minHits: 3, maxAgeS: 0.3 } });
    run(person.stage, 0, 30, 100, lostAtTheLine(6, (i) => [det('person', 280, 80 + i * 30 - 100, 40, 100)]));
    expect(crossings(person.alerts)).toEqual([]);
  });

  it('does not join a new track far from where the lost one was heading, nor after stitch_max_gap_s', () => {
    const far = stage({ lines: [ROAD], rules: RULES, tracker: { minHits: 3, maxAgeS: 0.3 } });
    // comes back 300 px to the side: another car, which was never seen before the line
    run(far.stage, 0, 30, 100, lostAtTheLine(6, (i) => [car(600, 80 + i * 30)]));
    expect(crossings(far.alerts)).toEqual([]);
    const late = stage({ lines: [{ ...ROAD, stitchMaxGapS: 0.5 }], rules: RULES, tracker: { minHits: 3, maxAgeS: 0.3 } });
    run(late.stage, 0, 30, 100, lostAtTheLine(6, (i) => [car(300, 80 + i * 30)]));
    expect(crossings(late.alerts)).toEqual([]);
  });

  it('does not join a track that was moving away from the line', () => {
    // A wide radius, so that only the direction of motion tells the two apart.
    const { stage: s, alerts } = stage({ lines: [{ ...ROAD, stitchRadius: 4 }], rules: RULES, tracker: { minHits: 3, maxAgeS: 0.3 } });
    // A car drives slowly up, away from the line, and is lost at y = 0.45; another appears below it.
    run(s, 0, 30, 100, (i) => (i <= 10 ? [car(300, 500 - i * 5)] : i < 16 ? [] : [car(300, 560 + (i - 16) * 30)]));
    expect(crossings(alerts)).toEqual([]);
  });

  it('with stitching off (stitch_max_gap_s: 0), a car lost at the line is not counted', () => {
    const { stage: s, alerts } = stage({ lines: [{ ...ROAD, stitchMaxGapS: 0 }], rules: RULES, tracker: { minHits: 3, maxAgeS: 0.3 } });
    run(s, 0, 30, 100, lostAtTheLine(6, (i) => [car(300, 80 + i * 30)]));
    expect(crossings(alerts)).toEqual([]);
  });
});

describe('line monitor stitching, track by track', () => {
  const monitor = (over: Record<string, unknown> = {}) => new LineMonitor(eventsConfig({ lines: [{ ...ROAD, ...over }] }).lines[0]!);
  /** A confirmed track's view with its foot at (fx, fy), normalised; boxes 0.1 × 0.06. */
  function view(id: number, fx: number, fy: number, o: { matched?: boolean; firstTs?: number; first?: [number, number]; label?: string } = {}): TrackView {
    const boxAt = (x: number, y: number): Box => ({ x1: (x - 0.05) * 1000, y1: (y - 0.06) * 1000, x2: (x + 0.05) * 1000, y2: y * 1000 });
    const box = boxAt(fx, fy);
    const firstBox = o.first ? boxAt(...o.first) : box;
    const track = {
      id, label: o.label ?? 'car', score: 0.9, box, prevBox: box, firstBox, vx: 0, vy: 300, firstTs: o.firstTs ?? 0, lastTs: 0,
      misses: 0, stationary: false, hits: 3, confirmed: true, matched: o.matched ?? true, seenTs: 0, anchorX: 0, anchorY: 0,
      anchorTs: 0, labelScores: new Map(), kf: undefined as never, kfTs: 0,
    };
    return { track, box: { x1: box.x1 / 1000, y1: box.y1 / 1000, x2: box.x2 / 1000, y2: box.y2 / 1000 }, foot: { x: fx, y: fy }, visible: true };
  }

  it('joins a lost track that still coasts, and does not count it again when it is found past the line', () => {
    const m = monitor();
    for (let i = 0; i <= 5; i++) expect(m.update(i * 100, [view(1, 0.3, 0.32 + i * 0.03)])).toEqual([]);
    // track 1 is not matched from 600 ms on; track 2 was first seen at 800 ms past the line
    expect(m.update(600, [view(1, 0.3, 0.47, { matched: false })])).toEqual([]);
    const c = m.update(1000, [view(1, 0.3, 0.47, { matched: false }), view(2, 0.3, 0.62, { firstTs: 800, first: [0.3, 0.56] })]);
    expect(c.map((x) => [x.view.track.id, x.direction, x.lane, x.stitched])).toEqual([[2, 'left_to_right', 'west', true]]);
    // track 1 is found again, past the line: the same vehicle, already counted
    expect(m.update(1100, [view(1, 0.3, 0.66), view(2, 0.3, 0.68)])).toEqual([]);
    expect(m.totals).toEqual({ car: { leftToRight: 1, rightToLeft: 0, lanes: { west: { leftToRight: 1, rightToLeft: 0 } } } });
  });

  it('joins a new track to the nearest lost track, and each lost track to one new track only', () => {
    const m = monitor();
    for (let i = 0; i <= 5; i++) m.update(i * 100, [view(1, 0.3, 0.32 + i * 0.03), view(2, 0.37, 0.32 + i * 0.03)]);
    const first = m.update(1000, [view(3, 0.35, 0.62, { firstTs: 800, first: [0.35, 0.56] })]);
    const second = m.update(1100, [view(3, 0.35, 0.65), view(4, 0.31, 0.62, { firstTs: 900, first: [0.31, 0.59] })]);
    const third = m.update(1200, [view(3, 0.35, 0.68), view(4, 0.31, 0.65), view(5, 0.36, 0.62, { firstTs: 1000, first: [0.36, 0.6] })]);
    const ids = (c: Crossing[]) => c.map((x) => x.view.track.id);
    expect([ids(first), ids(second), ids(third)]).toEqual([[3], [4], []]);
    expect(m.totals['car']!.leftToRight).toBe(2);
  });

  it('keeps a dropped track for stitch_max_gap_s only', () => {
    // The new track starts 1.2 s after the lost one was last seen, where its motion leads.
    const joined = (gapS: number) => {
      const m = monitor({ stitchMaxGapS: gapS });
      for (let i = 0; i <= 5; i++) m.update(i * 100, [view(1, 0.3, 0.32 + i * 0.03)]);
      m.forget(1);
      return m.update(1900, [view(2, 0.3, 0.86, { firstTs: 1700, first: [0.3, 0.83] })]).length;
    };
    expect([joined(2), joined(1)]).toEqual([1, 0]);
  });
});
