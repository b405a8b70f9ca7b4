import { describe, expect, it } from 'vitest';
import { KalmanBox, CHI2_GATE_4 } from '../../../src/track/kalman.js';
import { Tracker } from '../../../src/track/tracker.js';
import type { Detection } from '../../../src/types.js';
import { eventsConfig } from './helpers.js';

const cfg = (over: Record<string, unknown> = {}) => eventsConfig({ tracker: over }).tracker;

/**
 * A car approaching a camera on a gantry, frame i at 10 fps: its box grows by `growth` per frame and,
 * with perspective, its centre moves down and away from the vanishing point (x = 500) in proportion.
 */
function approaching(i: number, opts: { x0?: number; growth?: number; score?: number } = {}): Detection {
  const g = (1 + (opts.growth ?? 0.05)) ** i;
  const w = 40 * g;
  const h = 30 * g;
  const x0 = opts.x0 ?? 300;
  const cx = 500 + (x0 - 500) * (1 + (g - 1) / 2);
  const cy = 200 + 120 * (g - 1);
  return { label: 'car', classId: 2, score: opts.score ?? 0.9, box: { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2 } };
}

/** Feeds frames 0..n-1 at 10 fps; `dets(i)` gives frame i's detections. Returns the ids ever matched. */
function feed(t: Tracker, n: number, dets: (i: number) => Detection[]): number[] {
  const ids = new Set<number>();
  for (let i = 0; i < n; i++) {
    t.update(i * 100, dets(i));
    for (const x of t.active) if (x.matched) ids.add(x.id);
  }
  return [...ids];
}

describe('Kalman box model', () => {
  it('learns a growing box and predicts its next size and position', () => {
    const kf = new KalmanBox(approaching(0).box);
    for (let i = 1; i <= 10; i++) {
      kf.predict(0.1);
      kf.update(approaching(i).box);
    }
    kf.predict(0.1);
    const p = kf.box();
    const truth = approaching(11).box;
    // Within 3 % of the true height, where a constant-size prediction is 5 % off.
    expect(Math.abs(p.y2 - p.y1 - (truth.y2 - truth.y1)) / (truth.y2 - truth.y1)).toBeLessThan(0.03);
    expect(Math.abs((p.y1 + p.y2) / 2 - (truth.y1 + truth.y2) / 2)).toBeLessThan(2);
    expect(kf.distance2(truth)).toBeLessThan(CHI2_GATE_4);
  });

  it('widens its gate while unmatched: a far detection is out of the gate after 0.1 s, inside after 1 s', () => {
    const kf = new KalmanBox({ x1: 100, y1: 100, x2: 140, y2: 130 });
    for (let i = 1; i <= 5; i++) {
      kf.predict(0.1);
      kf.update({ x1: 100 + 4 * i, y1: 100, x2: 140 + 4 * i, y2: 130 });
    }
    const far = { x1: 180, y1: 100, x2: 220, y2: 130 };
    kf.predict(0.1);
    expect(kf.distance2(far)).toBeGreaterThan(CHI2_GATE_4);
    kf.predict(0.9);
    expect(kf.distance2(far)).toBeLessThan(CHI2_GATE_4);
  });
});

describe('tracker with the motion model', () => {
  it('keeps one track for a car whose box grows 5 % per frame, matched on every frame', () => {
    const t = new Tracker(cfg({ minHits: 3 }));
    const misses: number[] = [];
    const ids = feed(t, 35, (i) => {
      if (i > 0) misses.push(t.active[0]?.misses ?? -1);
      // Close to the camera, seen more from above, the detector scores it under high_score.
      return [approaching(i, { score: i >= 20 ? 0.3 : 0.9 })];
    });
    expect(ids).toEqual([1]);
    expect(misses.every((m) => m === 0)).toBe(true);
  });

  it('bridges a 0.4 s detection gap at 10 fps on a car growing 7 % per frame, found again by weak detections', () => {
    // The case a constant-size prediction loses: after the gap the box has grown by a third and the
    // weak detections that follow must match the prediction in the second round.
    const t = new Tracker(cfg({ minHits: 3 }));
    const ids = feed(t, 30, (i) => (i >= 15 && i < 19 ? [] : [approaching(i, { growth: 0.07, score: i >= 15 ? 0.3 : 0.9 })]));
    expect(ids).toEqual([1]);
    expect(t.active.map((x) => [x.id, x.misses, x.hits])).toEqual([[1, 0, 26]]);
  });

  it('bridges a 0.3 s gap close to the camera, where the box grows 10 % per frame', () => {
    const t = new Tracker(cfg({ minHits: 3 }));
    const ids = feed(t, 26, (i) => (i >= 15 && i < 18 ? [] : [approaching(i, { growth: 0.1, score: i >= 15 ? 0.3 : 0.9 })]));
    expect(ids).toEqual([1]);
    expect(t.active.map((x) => [x.id, x.misses])).toEqual([[1, 0]]);
  });

  it('confirms a track born of one confident detection with the weak detections that follow it', () => {
    const t = new Tracker(cfg({ minHits: 3 }));
    const confirmed: boolean[] = [];
    feed(t, 6, (i) => {
      confirmed.push(t.active[0]?.confirmed ?? false);
      return [approaching(i, { score: i === 0 ? 0.8 : 0.3 })];
    });
    expect(t.active.map((x) => [x.id, x.confirmed, x.misses])).toEqual([[1, true, 0]]);
    expect(confirmed).toEqual([false, false, false, true, true, true]);
    // weak detections alone start nothing
    const u = new Tracker(cfg({ minHits: 1 }));
    expect(feed(u, 5, (i) => [approaching(i, { score: 0.3 })])).toEqual([]);
  });

  it('does not give the id of a car that left the picture to a far car inside its vague prediction', () => {
    const t = new Tracker(cfg({ minHits: 3, maxAgeS: 2 }));
    // A car approaches until its box is large (frame 25), then leaves the picture: no detection.
    feed(t, 26, (i) => [approaching(i, { x0: 480, growth: 0.08 })]);
    const far = (i: number): Detection => ({ label: 'car', classId: 2, score: 0.9, box: { x1: 480 + i, y1: 195 + i, x2: 500 + i, y2: 210 + i } });
    // 1.6 s later, while the lost track still coasts (its prediction now huge and vague, far below
    // the picture), a far car comes into view at the top.
    for (let i = 0; i < 19; i++) t.update(2600 + i * 100, i < 16 ? [] : [far(i)]);
    const byId = t.active.map((x) => [x.id, x.matched]);
    expect(byId).toEqual([[1, false], [2, true]]);
  });

  it('never swaps two cars driving side by side in adjacent lanes, with jitter and misses', () => {
    const t = new Tracker(cfg({ minHits: 2 }));
    // Deterministic jitter, ±3 % of the box, independent per car and frame.
    const jitter = (i: number, k: number) => (((i * 7919 + k * 104729) % 13) - 6) / 200;
    const seen = new Map<number, Set<string>>();
    for (let i = 0; i < 40; i++) {
      const dets: Detection[] = [];
      for (const [k, x0] of [[0, 470], [1, 530]] as const) {
        // Side by side from 20 px apart, touching after 2.8 s, overlapping at the end.
        if ((k === 0 && i % 9 === 4) || (k === 1 && (i === 17 || i === 18))) continue; // missed
        const d = approaching(i, { x0, growth: 0.04 });
        const w = d.box.x2 - d.box.x1;
        const dx = jitter(i, k) * w;
        const dy = jitter(i + 3, k) * w;
        dets.push({ ...d, box: { x1: d.box.x1 + dx, x2: d.box.x2 + dx, y1: d.box.y1 + dy, y2: d.box.y2 + dy } });
      }
      t.update(i * 100, dets);
      for (const x of t.active) {
        if (!x.matched) continue;
        const lane = (x.box.x1 + x.box.x2) / 2 < 500 ? 'left' : 'right';
        (seen.get(x.id) ?? seen.set(x.id, new Set()).get(x.id)!).add(lane);
      }
    }
    expect([...seen.entries()].map(([id, lanes]) => [id, [...lanes]])).toEqual([[1, ['left']], [2, ['right']]]);
    expect(t.active.map((x) => x.id)).toEqual([1, 2]);
  });
});
